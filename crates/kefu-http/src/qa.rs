//! Quality inspection of finished conversations: when a conversation is
//! resolved a durable `qa.inspect` job is queued (one per conversation);
//! the job reads the conversation's log, inspects it with the account's
//! rules, scores it on every scorecard assigned to its inbox or team and
//! records the scores with their evidence (`qa.scored`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use kefu_core::event::{Event, EventType};
use kefu_core::model::{
    Message, MessageVisibility, NewJob, QaScore, QaSettings, QaStatus, SenderKind,
};
use kefu_core::store::Store;
use kefu_core::{AccountId, Clock, ConversationId, MessageId, StoreError, Timestamp};
use kefu_qa::{Hit, Inspector, Party, QaError, Rule, Scorecard, Transcript, Turn};
use kefu_realtime::Hub;
use serde_json::json;

pub const INSPECT_JOB: &str = "qa.inspect";

/// An account's settings, compiled and checked.
pub struct CompiledQa {
    pub inspector: Inspector,
    pub scorecards: Vec<Scorecard>,
}

/// Whether any rule needs the sentiment model.
pub fn uses_sentiment(settings: &QaSettings) -> bool {
    settings.rules.iter().any(|r| r["type"] == "sentiment")
}

/// Settings that could not be compiled: a bad rule or card, or the store
/// failed while the account's sentiment model was being read.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Qa(#[from] QaError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Compiles settings with the account's sentiment model, when a rule needs
/// it (read or trained off the async workers).
pub async fn compile_for(
    store: &dyn Store,
    account: AccountId,
    settings: &QaSettings,
) -> Result<CompiledQa, CompileError> {
    let sentiment = if uses_sentiment(settings) {
        crate::sentiment::for_account(store, account, settings.sentiment_model).await?
    } else {
        None
    };
    Ok(compile(settings, sentiment)?)
}

/// Checks settings as an admin saves them: every rule compiles, every card
/// scores existing rules, ids are unique. Sentiment rules are scored with
/// `sentiment` (without one they are refused).
pub fn compile(
    settings: &QaSettings,
    sentiment: Option<Arc<kefu_sentiment::SentimentModel>>,
) -> Result<CompiledQa, QaError> {
    let rules: Vec<Rule> = settings
        .rules
        .iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v.clone()).map_err(|e| QaError::InvalidRule {
                id: v["id"]
                    .as_str()
                    .map_or_else(|| format!("#{}", i + 1), String::from),
                message: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let inspector = Inspector::compile_with_sentiment(&rules, sentiment)?;
    let mut scorecards: Vec<Scorecard> = Vec::with_capacity(settings.scorecards.len());
    for (i, v) in settings.scorecards.iter().enumerate() {
        let card: Scorecard =
            serde_json::from_value(v.clone()).map_err(|e| QaError::InvalidScorecard {
                id: v["id"]
                    .as_str()
                    .map_or_else(|| format!("#{}", i + 1), String::from),
                message: e.to_string(),
            })?;
        card.validate(&inspector)?;
        if scorecards.iter().any(|c| c.id == card.id) {
            return Err(QaError::InvalidScorecard {
                id: card.id,
                message: "the id is used twice".into(),
            });
        }
        scorecards.push(card);
    }
    Ok(CompiledQa {
        inspector,
        scorecards,
    })
}

/// Compiling a 10,000-word list takes tens of milliseconds: each account's
/// compiled settings are kept until the settings change.
type Cache = HashMap<AccountId, (QaSettings, Arc<CompiledQa>)>;
static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// The account's settings compiled (from the cache while they are unchanged).
pub async fn compiled_settings(
    store: &dyn Store,
    account: AccountId,
    settings: &QaSettings,
) -> Result<Arc<CompiledQa>, CompileError> {
    if let Some((s, c)) = CACHE.lock().ok().and_then(|m| m.get(&account).cloned())
        && &s == settings
    {
        return Ok(c);
    }
    let c = Arc::new(compile_for(store, account, settings).await?);
    if let Ok(mut m) = CACHE.lock() {
        m.insert(account, (settings.clone(), c.clone()));
    }
    Ok(c)
}

/// A transcript of the conversation's public messages from its log, with
/// the id of each turn's message (hits point at messages by id).
pub struct LoggedTranscript {
    pub transcript: Transcript,
    pub message_ids: Vec<MessageId>,
}

pub async fn transcript(
    store: &dyn Store,
    account: AccountId,
    id: ConversationId,
) -> Result<LoggedTranscript, StoreError> {
    let mut out = LoggedTranscript {
        transcript: Transcript::default(),
        message_ids: vec![],
    };
    let mut after = 0;
    loop {
        let events = store.conversation_events(account, id, after, 500).await?;
        let Some(last) = events.last() else { break };
        after = last.seq.unwrap_or(after + 1);
        for e in &events {
            add_event(&mut out, e);
        }
        if events.len() < 500 {
            break;
        }
    }
    Ok(out)
}

fn add_event(out: &mut LoggedTranscript, e: &Event) {
    match e.kind {
        EventType::BotHandedOff if out.transcript.handed_off_at_ms.is_none() => {
            out.transcript.handed_off_at_ms = Some(e.created_at.millis());
        }
        EventType::MessageCreated => {
            let Ok(m) = serde_json::from_value::<Message>(e.data["message"].clone()) else {
                return;
            };
            if m.visibility != MessageVisibility::Public {
                return;
            }
            let party = match m.sender.kind {
                SenderKind::Contact => Party::Customer,
                SenderKind::Agent => Party::Agent,
                SenderKind::Bot => Party::Bot,
                _ => return,
            };
            let Some(text) = m.content.plain_text() else {
                return;
            };
            out.transcript.turns.push(Turn {
                party,
                text: text.to_string(),
                at_ms: m.created_at.millis(),
            });
            out.message_ids.push(m.id);
        }
        _ => {}
    }
}

/// A hit as stored and shown: the message by id as well as by position.
pub fn hit_json(h: &Hit, ids: &[MessageId]) -> serde_json::Value {
    json!({
        "rule_id": h.rule_id,
        "message_id": h.message_index.and_then(|i| ids.get(i)),
        "message_index": h.message_index,
        "start": h.start,
        "end": h.end,
        "detail": h.detail,
    })
}

/// Inspects and scores one conversation and records the scores. Nothing is
/// recorded when the account has no rules or no card applies.
pub async fn inspect_conversation(
    store: &dyn Store,
    account: AccountId,
    id: ConversationId,
    now: Timestamp,
) -> Result<Vec<QaScore>, StoreError> {
    let settings = store.qa_settings(account).await?;
    if settings.rules.is_empty() || settings.scorecards.is_empty() {
        return Ok(vec![]);
    }
    let qa = match compiled_settings(store, account, &settings).await {
        Ok(c) => c,
        Err(CompileError::Store(e)) => return Err(e),
        Err(CompileError::Qa(e)) => {
            // Settings are checked when saved; a rule this version cannot
            // read is logged, not retried forever.
            tracing::warn!(%account, error = %e, "qa: the stored settings do not compile");
            return Ok(vec![]);
        }
    };
    let conv = store.get_conversation(account, id).await?;
    let logged = transcript(store, account, id).await?;
    let t = &logged.transcript;
    let hits = qa.inspector.inspect(t);
    let inbox = conv.inbox_id.to_string();
    let team = conv.team_id.map(|t| t.to_string());
    let mut scores = Vec::new();
    for card in &qa.scorecards {
        if !card.covers(&inbox, team.as_deref()) || !card.applies_to(t) {
            continue;
        }
        let mine: Vec<Hit> = hits
            .iter()
            .filter(|h| card.items.iter().any(|i| i.rule_id == h.rule_id))
            .cloned()
            .collect();
        let result = card.score(&mine);
        scores.push(QaScore {
            id: uuid::Uuid::now_v7(),
            conversation_id: id,
            scorecard_id: card.id.clone(),
            total: result.total,
            passed: result.passed,
            critical_failed: result.critical_failed,
            items: result
                .items
                .iter()
                .map(|i| json!({"rule_id": i.rule_id, "hits": i.hits, "points": i.points}))
                .collect(),
            hits: mine
                .iter()
                .map(|h| hit_json(h, &logged.message_ids))
                .collect(),
            status: QaStatus::Auto,
            agent_id: conv.assignee_id,
            sampled: sampled(id, settings.sample_rate),
            adjustment: 0.0,
            review: json!({}),
            version: 1,
            created_at: now,
        });
    }
    if scores.is_empty() {
        return Ok(scores);
    }
    store.record_qa_scores(account, id, &scores, now).await?;
    Ok(scores)
}

/// Whether the conversation is in the random sample for human review: a
/// fixed draw from its id's random bits, so every node (and a rerun) agrees.
pub fn sampled(id: ConversationId, rate: f64) -> bool {
    let b = id.0.as_bytes();
    let draw = u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
    (draw % 10_000) as f64 / 10_000.0 < rate
}

/// Scores a reviewed score again: rejected hits do not count, the
/// reviewer's adjustment is added, the total stays within the card's range,
/// and a critical rule fails it only through a hit that still counts.
pub fn rescore(card: &Scorecard, score: &mut QaScore) {
    let kept: Vec<Hit> = score
        .hits
        .iter()
        .filter(|h| h["verdict"] != "rejected")
        .map(|h| Hit {
            rule_id: h["rule_id"].as_str().unwrap_or_default().to_string(),
            message_index: None,
            start: 0,
            end: 0,
            detail: String::new(),
        })
        .collect();
    let r = card.score(&kept);
    score.total = (r.total + score.adjustment).clamp(0.0, card.base);
    score.passed = r.critical_failed.is_empty() && score.total >= card.pass_score;
    score.critical_failed = r.critical_failed;
    score.items = r
        .items
        .iter()
        .map(|i| json!({"rule_id": i.rule_id, "hits": i.hits, "points": i.points}))
        .collect();
}

pub fn inspect_key(conv: ConversationId) -> String {
    format!("{INSPECT_JOB}:{conv}")
}

/// Queues one inspection per conversation when it is resolved. A
/// conversation resolved again later (after a reopening) is inspected
/// again once the earlier job is done.
pub fn observe(hub: &Hub, store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    hub.observe(Arc::new(move |e: &Event| {
        if e.kind != EventType::ConversationResolved {
            return;
        }
        let Some(conv) = e.conversation_id else { return };
        let (store, clock, account) = (store.clone(), clock.clone(), e.account_id);
        tokio::spawn(async move {
            let job = NewJob {
                account_id: Some(account),
                kind: INSPECT_JOB.into(),
                payload: json!({"conversation_id": conv}),
                run_at: clock.now(),
                dedupe_key: Some(inspect_key(conv)),
                max_attempts: 5,
            };
            if let Err(err) = store.enqueue_job(&job).await {
                tracing::warn!(conversation = %conv, error = %err, "qa: could not queue the inspection");
            }
        });
    }));
}
