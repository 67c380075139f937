//! Outside an inbox's business hours a conversation that reaches the queue
//! waits for the opening (routing offers nothing from a closed inbox), and
//! the customer is told when that is, in the inbox's words when it has
//! them (`settings.outside_hours_message`, where `{{opens_at}}` stands for
//! the next opening in the inbox's time zone). With
//! `settings.outside_hours_action: "ticket"` the chat also becomes a ticket
//! (`conversation.converted`, reason `outside_hours`): the customer need not
//! wait on the page, the team answers it as a ticket when it opens, and the
//! customer's next message still lands in it.

use std::sync::Arc;

use kefu_core::calendar::BusinessHours;
use kefu_core::event::{Event, EventType};
use kefu_core::model::{Inbox, MessageContent, MessageVisibility, Sender};
use kefu_core::store::{NewMessage, Store};
use kefu_core::{Clock, CoreError, MessageId, StoreError, Timestamp};
use kefu_realtime::Hub;

use crate::inbox_cache::InboxCache;
use crate::routes::conversations::shared::policy;

pub const CODE: &str = "outside_business_hours";
const DEFAULT_MESSAGE: &str =
    "We are closed right now. We open again {{opens_at}} and will answer you then.";
const DEFAULT_TICKET_MESSAGE: &str = "We are closed right now, so we have made your request a \
     ticket. We open again {{opens_at}} and will answer you here then; you need not wait.";

/// What happens to a conversation that joins the queue while the inbox is
/// closed (`settings.outside_hours_action`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Action {
    /// It waits in the queue for the opening.
    #[default]
    Wait,
    /// It becomes a ticket (and still waits for the opening to be routed).
    Ticket,
}

impl Action {
    pub fn from_settings(settings: &serde_json::Value) -> Result<Self, CoreError> {
        match settings.get("outside_hours_action") {
            None | Some(serde_json::Value::Null) => Ok(Self::Wait),
            Some(v) if v == "wait" => Ok(Self::Wait),
            Some(v) if v == "ticket" => Ok(Self::Ticket),
            Some(_) => Err(CoreError::invalid(
                "settings.outside_hours_action",
                "`wait` or `ticket`",
            )),
        }
    }
}

/// Whether the inbox's calendar says it is closed at `now` (an inbox
/// without business hours is always open).
pub fn closed(inbox: &Inbox, now: Timestamp) -> bool {
    matches!(BusinessHours::from_settings(&inbox.settings), Ok(Some(h)) if !h.is_open(now))
}

/// The notice for a customer who starts waiting while the inbox is closed.
pub fn notice(inbox: &Inbox, now: Timestamp) -> Option<String> {
    let hours = BusinessHours::from_settings(&inbox.settings).ok()??;
    if hours.is_open(now) {
        return None;
    }
    let opens_at = hours
        .next_open(now)
        .and_then(|t| {
            let ts = jiff::Timestamp::from_millisecond(t.millis()).ok()?;
            let zoned = ts.in_tz(hours.time_zone()).ok()?;
            Some(format!(
                "{} ({})",
                zoned.strftime("%a %Y-%m-%d %H:%M"),
                hours.time_zone()
            ))
        })
        .unwrap_or_else(|| "later".into());
    let default = match Action::from_settings(&inbox.settings).unwrap_or_default() {
        Action::Wait => DEFAULT_MESSAGE,
        Action::Ticket => DEFAULT_TICKET_MESSAGE,
    };
    let template = inbox
        .settings
        .get("outside_hours_message")
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(default);
    Some(template.replace("{{opens_at}}", &opens_at))
}

/// Watches for conversations joining a queue and tells their customers
/// when the inbox is closed (and makes chats tickets when the inbox says
/// so). Each node sees each event; the message's idempotency key (the
/// event's id) makes it appear once, and a chat converts once (a second
/// conversion is refused as a conflict).
pub fn observe(hub: &Hub, store: Arc<dyn Store>, inboxes: Arc<InboxCache>, clock: Arc<dyn Clock>) {
    hub.observe(Arc::new(move |e: &Event| {
        if e.kind != EventType::ConversationStatusChanged || e.data["to"] != "queued" {
            return;
        }
        let (Some(conv), Some(inbox)) = (e.conversation_id, e.inbox_id) else {
            return;
        };
        let (store, inboxes, clock) = (store.clone(), inboxes.clone(), clock.clone());
        let (account, event_id, at) = (e.account_id, e.id, e.created_at);
        tokio::spawn(async move {
            let run = async {
                let inbox = inboxes.get(&*store, account, inbox).await?;
                // Judged at the moment it joined the queue, not when this runs.
                let Some(text) = notice(&inbox, at) else {
                    return Ok::<(), StoreError>(());
                };
                if Action::from_settings(&inbox.settings).unwrap_or_default() == Action::Ticket {
                    let converted = store
                        .convert_to_ticket(
                            account,
                            conv,
                            None,
                            "outside_hours",
                            Sender::system(),
                            clock.now(),
                        )
                        .await;
                    match converted {
                        Ok(_) | Err(StoreError::Conflict(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                store
                    .append_message(
                        &NewMessage {
                            id: MessageId::new(),
                            account_id: account,
                            conversation_id: conv,
                            sender: Sender::system(),
                            content: MessageContent::system_coded(CODE, text),
                            visibility: MessageVisibility::Public,
                            external_id: None,
                            client_id: Some(format!("{CODE}:{event_id}")),
                            mentions: vec![],
                            now: clock.now(),
                        },
                        &policy(&inbox),
                    )
                    .await?;
                Ok(())
            };
            if let Err(err) = run.await {
                tracing::warn!(conversation = %conv, error = %err, "could not send the outside-hours notice");
            }
        });
    }));
}
