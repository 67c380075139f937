//! A conversation's SLA as the console shows it and the `sla.check` job
//! enforces it: the inbox's policy (`settings.sla`) and calendar
//! (`settings.business_hours`; none means around the clock), the facts read
//! from the conversation's log, and one clock per target.

use std::collections::HashSet;
use std::sync::Arc;

use kefu_core::calendar::{
    BusinessHours, SlaFacts, SlaMetric, SlaMetricStatus, SlaPolicy, sla_status,
};
use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{Conversation, Inbox, NewJob, Priority, Sender, SenderKind};
use kefu_core::store::{ConversationPatch, Store};
use kefu_core::{AccountId, Clock, ConversationId, CoreError, InboxId, StoreError, Timestamp};
use kefu_realtime::Hub;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::inbox_cache::InboxCache;

/// The SLA policy and calendar an inbox's settings name, checked.
pub fn inbox_sla(inbox: &Inbox) -> Result<Option<(SlaPolicy, BusinessHours)>, CoreError> {
    let Some(v) = inbox.settings.get("sla").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let policy = SlaPolicy::from_json(v)?;
    let calendar =
        BusinessHours::from_settings(&inbox.settings)?.unwrap_or_else(BusinessHours::always_open);
    Ok(Some((policy, calendar)))
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConversationSla {
    /// The policy's name; `null` when the inbox has no SLA policy.
    pub policy: Option<String>,
    /// The calendar's time zone when targets count business hours.
    pub time_zone: Option<String>,
    pub metrics: Vec<SlaMetricStatus>,
}

/// Every event of the conversation, in order (the SLA facts need the whole
/// log; long conversations are read in pages).
pub async fn conversation_log(
    store: &dyn Store,
    conv: &Conversation,
) -> Result<Vec<Event>, StoreError> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .conversation_events(conv.account_id, conv.id, after, 1000)
            .await?;
        let n = page.len();
        after = page.last().and_then(|e| e.seq).unwrap_or(after);
        all.extend(page);
        if n < 1000 {
            return Ok(all);
        }
    }
}

/// The conversation's clocks at `now`.
pub async fn conversation_sla(
    store: &dyn Store,
    conv: &Conversation,
    inbox: &Inbox,
    now: Timestamp,
) -> Result<ConversationSla, StoreError> {
    // A policy that fails its checks (saved before they existed) shows no
    // clocks rather than failing the conversation view.
    let Ok(Some((policy, calendar))) = inbox_sla(inbox) else {
        return Ok(ConversationSla {
            policy: None,
            time_zone: None,
            metrics: Vec::new(),
        });
    };
    let log = conversation_log(store, conv).await?;
    let facts = SlaFacts::from_events(&log);
    Ok(ConversationSla {
        time_zone: policy
            .business_hours
            .then(|| calendar.time_zone().to_owned()),
        metrics: sla_status(&facts, &policy, conv.priority, &calendar, now),
        policy: Some(policy.name),
    })
}

/// The durable job that records breaches and escalates, one pending per
/// conversation (its dedupe key), rescheduled to the next deadline.
pub const CHECK_JOB: &str = "sla.check";

pub fn check_key(conv: ConversationId) -> String {
    format!("{CHECK_JOB}:{conv}")
}

/// What one check did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckOutcome {
    /// Breaches recorded by this check (each is recorded once).
    pub breached: Vec<SlaMetric>,
    /// When the next running target falls due, if any.
    pub next_due: Option<Timestamp>,
}

/// One step up, for an escalation.
fn raised(p: Priority) -> Priority {
    match p {
        Priority::Low => Priority::Normal,
        Priority::Normal => Priority::High,
        Priority::High | Priority::Urgent => Priority::Urgent,
    }
}

/// Checks a conversation's clocks at `now`: records an `sla.breached` event
/// for each target whose time ran out (once per target and start: a rerun
/// after a crash finds it in the log), raises the priority one step when it
/// records any (the escalation supervisors see, with the event, on their
/// consoles), and says when to look again.
pub async fn check(
    store: &dyn Store,
    account: AccountId,
    id: ConversationId,
    now: Timestamp,
) -> Result<CheckOutcome, StoreError> {
    let conv = match store.get_conversation(account, id).await {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => return Ok(CheckOutcome::default()),
        Err(e) => return Err(e),
    };
    let inbox = store.get_inbox(account, conv.inbox_id).await?;
    let Ok(Some((policy, calendar))) = inbox_sla(&inbox) else {
        return Ok(CheckOutcome::default());
    };
    let log = conversation_log(store, &conv).await?;
    let recorded: HashSet<(String, i64)> = log
        .iter()
        .filter(|e| e.kind == EventType::SlaBreached)
        .filter_map(|e| {
            Some((
                e.data["metric"].as_str()?.to_owned(),
                e.data["started_at"].as_i64()?,
            ))
        })
        .collect();
    let metrics = sla_status(
        &SlaFacts::from_events(&log),
        &policy,
        conv.priority,
        &calendar,
        now,
    );
    let mut out = CheckOutcome::default();
    for m in &metrics {
        if m.achieved_at.is_some() {
            continue;
        }
        if !m.clock.breached {
            if let Some(due) = m.clock.due_at {
                out.next_due = Some(out.next_due.map_or(due, |d| d.min(due)));
            }
            continue;
        }
        let metric = serde_json::to_value(m.metric)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if recorded.contains(&(metric.clone(), m.started_at.millis())) {
            continue;
        }
        let event = NewEvent::new(
            EventType::SlaBreached,
            Sender::system(),
            json!({
                "metric": metric,
                "policy": policy.name,
                "started_at": m.started_at,
                "due_at": m.clock.due_at,
                "target_s": m.target_ms / 1000,
                "business_hours": m.business_hours,
                "priority": conv.priority,
            }),
        );
        store.record_event(account, conv.id, &event, now).await?;
        out.breached.push(m.metric);
    }
    if !out.breached.is_empty() && conv.priority != Priority::Urgent {
        let patch = ConversationPatch {
            priority: Some(raised(conv.priority)),
            ..Default::default()
        };
        store
            .patch_conversation(account, conv.id, &patch, Sender::system(), now)
            .await?;
    }
    Ok(out)
}

/// Keeps one `sla.check` job per conversation of an inbox with an SLA
/// policy, due now whenever something that moves its clocks happens.
pub struct SlaWatcher {
    store: Arc<dyn Store>,
    inboxes: Arc<InboxCache>,
    clock: Arc<dyn Clock>,
}

impl SlaWatcher {
    pub fn observe(
        hub: &Hub,
        store: Arc<dyn Store>,
        inboxes: Arc<InboxCache>,
        clock: Arc<dyn Clock>,
    ) {
        let me = Arc::new(Self {
            store,
            inboxes,
            clock,
        });
        hub.observe(Arc::new(move |e: &Event| {
            let (Some(conv), Some(inbox)) = (e.conversation_id, e.inbox_id) else {
                return;
            };
            if !moves_a_clock(e) {
                return;
            }
            let me = me.clone();
            let account = e.account_id;
            tokio::spawn(async move {
                if let Err(err) = me.schedule(account, inbox, conv).await {
                    tracing::warn!(conversation = %conv, error = %err, "sla: could not schedule a check");
                }
            });
        }));
    }

    async fn schedule(
        &self,
        account: AccountId,
        inbox: InboxId,
        conv: ConversationId,
    ) -> Result<(), StoreError> {
        let inbox = self.inboxes.get(&*self.store, account, inbox).await?;
        if inbox.settings.get("sla").is_none_or(|v| v.is_null()) {
            return Ok(());
        }
        let now = self.clock.now();
        let key = check_key(conv);
        let job = NewJob {
            account_id: Some(account),
            kind: CHECK_JOB.into(),
            payload: json!({"conversation_id": conv}),
            run_at: now,
            dedupe_key: Some(key.clone()),
            // Each reschedule to the next deadline is an attempt.
            max_attempts: 1000,
        };
        if self.store.enqueue_job(&job).await?.is_none() {
            self.store.expedite_job(&key, now).await?;
        }
        Ok(())
    }
}

/// Events after which a conversation's clocks may start, stop or move.
fn moves_a_clock(e: &Event) -> bool {
    use EventType::*;
    match e.kind {
        BotHandedOff
        | ConversationAssigned
        | ConversationStatusChanged
        | ConversationTransferred
        | ConversationResolved
        | ConversationReopened
        | ConversationSnoozed
        | ConversationUnsnoozed
        | ConversationUpdated => true,
        // A customer's message may start the next-response clock.
        MessageCreated => e.actor.kind == SenderKind::Contact,
        _ => false,
    }
}
