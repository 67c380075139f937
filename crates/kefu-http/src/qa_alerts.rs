//! Live QA alerts: while a conversation runs, the account's live rules
//! read each new public message, and a customer left waiting longer than a
//! live `response_time` rule allows raises a silence alert (a durable
//! `qa.silence` job per conversation). Each alert is stored once with its
//! `qa.alert` event, which the socket delivers to supervisors and admins.
//!
//! Every node's relay sees every committed event, so every node runs the
//! live check on each message: the check is cheap (one read of the
//! settings, a compiled inspector from the cache, one message) and the
//! store keeps one alert per rule and message whichever node writes first.

use std::sync::Arc;

use kefu_core::event::{Event, EventType};
use kefu_core::model::{
    Message, MessageVisibility, NewJob, QaAlert, QaAlertReason, QaSettings, SenderKind,
};
use kefu_core::state::Status;
use kefu_core::store::Store;
use kefu_core::{AccountId, Clock, ConversationId, StoreError, Timestamp};
use kefu_qa::{Party, Transcript, Turn};
use kefu_realtime::Hub;
use serde_json::json;

use crate::qa::{CompileError, CompiledQa, compiled_settings, transcript};

pub const SILENCE_JOB: &str = "qa.silence";

/// The most characters an alert's excerpt holds.
pub const EXCERPT_CHARS: usize = 80;

pub fn silence_key(conv: ConversationId) -> String {
    format!("{SILENCE_JOB}:{conv}")
}

/// Checks each new message with the live rules and schedules silence
/// checks. Nothing here can fail a message: it runs after the message is
/// committed, off the relay's task, and only logs what goes wrong.
pub fn observe(hub: &Hub, store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    hub.observe(Arc::new(move |e: &Event| {
        // A hand-off matters too: the wait for people starts there.
        let wanted = matches!(e.kind, EventType::MessageCreated | EventType::BotHandedOff);
        let Some(conv) = e.conversation_id.filter(|_| wanted) else {
            return;
        };
        let (store, clock, e) = (store.clone(), clock.clone(), e.clone());
        tokio::spawn(async move {
            if let Err(err) = on_event(&*store, &*clock, &e).await {
                tracing::warn!(conversation = %conv, error = %err, "qa: live check failed");
            }
        });
    }));
}

/// The account's compiled settings if any rule is live.
async fn live_settings(
    store: &dyn Store,
    account: AccountId,
) -> Result<Option<(QaSettings, Arc<CompiledQa>)>, StoreError> {
    let settings = store.qa_settings(account).await?;
    if settings.rules.is_empty() {
        return Ok(None);
    }
    match compiled_settings(store, account, &settings).await {
        Ok(qa) if qa.inspector.has_live() => Ok(Some((settings, qa))),
        Ok(_) => Ok(None),
        Err(CompileError::Store(e)) => Err(e),
        Err(CompileError::Qa(e)) => {
            tracing::warn!(%account, error = %e, "qa: the stored settings do not compile");
            Ok(None)
        }
    }
}

async fn on_event(store: &dyn Store, clock: &dyn Clock, e: &Event) -> Result<(), StoreError> {
    let Some(conv_id) = e.conversation_id else {
        return Ok(());
    };
    let account = e.account_id;
    let Some((settings, qa)) = live_settings(store, account).await? else {
        return Ok(());
    };
    let waits = !qa.inspector.live_waits().is_empty();
    if e.kind == EventType::BotHandedOff {
        if waits {
            let conv = store.get_conversation(account, conv_id).await?;
            schedule_silence(store, account, conv_id, conv.status, &qa, clock.now()).await?;
        }
        return Ok(());
    }
    let Ok(m) = serde_json::from_value::<Message>(e.data["message"].clone()) else {
        return Ok(());
    };
    let Some((party, text)) = turn_of(&m) else {
        return Ok(());
    };
    let t = Transcript {
        turns: vec![Turn {
            party,
            text: text.to_string(),
            at_ms: m.created_at.millis(),
        }],
        handed_off_at_ms: None,
    };
    let hits = qa.inspector.inspect_live(&t, 0);
    if hits.is_empty() && !(waits && party == Party::Customer) {
        return Ok(());
    }
    let conv = store.get_conversation(account, conv_id).await?;
    if conv.status == Status::Resolved {
        return Ok(());
    }
    let now = clock.now();
    for h in &hits {
        let alert = QaAlert {
            id: uuid::Uuid::now_v7(),
            conversation_id: conv_id,
            inbox_id: conv.inbox_id,
            rule_id: h.rule_id.clone(),
            rule_name: rule_name(&settings, &h.rule_id),
            reason: QaAlertReason::Rule,
            message_id: m.id,
            start: h.start as i64,
            end: h.end as i64,
            excerpt: excerpt_around(text, h.start, h.end),
            speaker: speaker(party).into(),
            created_at: now,
        };
        store.record_qa_alert(account, &alert, now).await?;
    }
    if waits && party == Party::Customer {
        schedule_silence(store, account, conv_id, conv.status, &qa, now).await?;
    }
    Ok(())
}

/// A public message's author and text, as inspection reads it.
fn turn_of(m: &Message) -> Option<(Party, &str)> {
    if m.visibility != MessageVisibility::Public {
        return None;
    }
    let party = match m.sender.kind {
        SenderKind::Contact => Party::Customer,
        SenderKind::Agent => Party::Agent,
        SenderKind::Bot => Party::Bot,
        SenderKind::System => return None,
    };
    Some((party, m.content.plain_text()?))
}

/// Whether people (not the bot) owe the customer an answer.
fn with_people(status: Status) -> bool {
    matches!(status, Status::Queued | Status::Assigned)
}

/// One silence check per conversation, due when the shortest live wait
/// rule would be exceeded; the check itself moves on to the next deadline.
async fn schedule_silence(
    store: &dyn Store,
    account: AccountId,
    conv: ConversationId,
    status: Status,
    qa: &CompiledQa,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !with_people(status) {
        return Ok(());
    }
    let Some(shortest) = qa.inspector.live_waits().iter().map(|w| w.over_s).min() else {
        return Ok(());
    };
    // One millisecond past the limit: a reply at the limit itself is in time.
    let due = now.plus_millis(shortest as i64 * 1000 + 1);
    let key = silence_key(conv);
    let job = NewJob {
        account_id: Some(account),
        kind: SILENCE_JOB.into(),
        payload: json!({"conversation_id": conv}),
        run_at: due,
        dedupe_key: Some(key.clone()),
        // Each move to the next deadline is an attempt.
        max_attempts: 1000,
    };
    if store.enqueue_job(&job).await?.is_none() {
        store.expedite_job(&key, due).await?;
    }
    Ok(())
}

/// What a silence check found: when to look again, if the customer is
/// still waiting and some rule's limit is still ahead.
#[derive(Debug, Default, PartialEq)]
pub struct SilenceOutcome {
    /// Alerts newly recorded.
    pub alerted: Vec<String>,
    pub next_due: Option<Timestamp>,
}

/// The `qa.silence` job: alerts for every live `response_time` rule whose
/// limit the customer's current wait exceeds (once per wait: the alert is
/// keyed by the wait's first message), if the conversation is still with
/// people and open.
pub async fn check_silence(
    store: &dyn Store,
    account: AccountId,
    conv_id: ConversationId,
    now: Timestamp,
) -> Result<SilenceOutcome, StoreError> {
    let mut out = SilenceOutcome::default();
    let Some((settings, qa)) = live_settings(store, account).await? else {
        return Ok(out);
    };
    let conv = store.get_conversation(account, conv_id).await?;
    if !with_people(conv.status) {
        return Ok(out);
    }
    let logged = transcript(store, account, conv_id).await?;
    let t = &logged.transcript;
    for s in qa.inspector.silences(t, now.millis()) {
        if !s.overdue {
            let due = Timestamp(s.since_ms + s.over_s as i64 * 1000 + 1);
            out.next_due = Some(out.next_due.map_or(due, |d: Timestamp| d.min(due)));
            continue;
        }
        let Some(&message_id) = logged.message_ids.get(s.message_index) else {
            continue;
        };
        let text = &t.turns[s.message_index].text;
        let alert = QaAlert {
            id: uuid::Uuid::now_v7(),
            conversation_id: conv_id,
            inbox_id: conv.inbox_id,
            rule_id: s.rule_id.clone(),
            rule_name: rule_name(&settings, &s.rule_id),
            reason: QaAlertReason::Silence,
            message_id,
            start: 0,
            end: 0,
            excerpt: excerpt_around(text, 0, 0),
            speaker: speaker(Party::Customer).into(),
            created_at: now,
        };
        if store.record_qa_alert(account, &alert, now).await?.is_some() {
            out.alerted.push(s.rule_id);
        }
    }
    Ok(out)
}

fn speaker(p: Party) -> &'static str {
    match p {
        Party::Customer => "customer",
        Party::Agent => "agent",
        Party::Bot => "bot",
    }
}

fn rule_name(settings: &QaSettings, id: &str) -> String {
    settings
        .rules
        .iter()
        .find(|r| r["id"] == id)
        .and_then(|r| r["name"].as_str())
        .unwrap_or(id)
        .to_string()
}

/// At most [`EXCERPT_CHARS`] characters of `text` with the hit (characters
/// `start..end`) in the middle, marked `…` where cut.
pub fn excerpt_around(text: &str, start: usize, end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let (start, end) = (start.min(chars.len()), end.clamp(start, chars.len()));
    // Room for the two ellipses.
    let room = EXCERPT_CHARS - 2;
    let hit = (end - start).min(room);
    let before = (room - hit) / 2;
    let from = start.saturating_sub(before).min(chars.len() - room);
    let to = from + room;
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.extend(&chars[from..to]);
    if to < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_the_hit_within_80_characters() {
        let short = "请您冷静一下";
        assert_eq!(excerpt_around(short, 2, 4), short);
        let long: String = "一".repeat(100) + "滚" + &"二".repeat(100);
        let e = excerpt_around(&long, 100, 101);
        assert!(e.chars().count() <= EXCERPT_CHARS, "{e}");
        assert!(e.contains('滚'));
        assert!(e.starts_with('…') && e.ends_with('…'));
        let e = excerpt_around(&long, 0, 0);
        assert!(e.chars().count() <= EXCERPT_CHARS && !e.starts_with('…'));
        let e = excerpt_around(&long, 201, 201);
        assert!(e.chars().count() <= EXCERPT_CHARS && e.ends_with('二') && e.starts_with('…'));
    }
}
