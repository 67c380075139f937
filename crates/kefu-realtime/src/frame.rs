//! What goes over a socket, serialised once per event and shared by every
//! socket that receives it.

use kefu_core::event::Event;
use serde_json::json;

/// The agent-side frame: the full event with its stream cursor.
pub fn agent_frame(event: &Event) -> String {
    json!({"type": "event", "cursor": event.cursor, "event": event}).to_string()
}

/// The visitor-side frame: only what a customer may see of the event (no
/// actor ids, no internal data), positioned by the conversation's sequence.
/// `sender_name` is the display name of the agent who wrote the message, if
/// one did (see [`crate::names`]).
pub fn visitor_frame(event: &Event, sender_name: Option<&str>) -> String {
    let mut data = event.data.clone();
    if let Some(m) = data.get_mut("message").and_then(|m| m.as_object_mut()) {
        m.remove("client_id");
        m.remove("external_id");
        m.remove("account_id");
        m.remove("inbox_id");
        // Visitors learn who wrote (contact, bot, agent), not internal user ids.
        if let Some(sender) = m.get_mut("sender").and_then(|s| s.as_object_mut()) {
            sender.remove("id");
            if let Some(name) = sender_name {
                sender.insert("name".into(), name.into());
            }
        }
    }
    json!({
        "type": "event",
        "seq": event.seq,
        "event": {
            "id": event.id,
            "type": event.kind,
            "conversation_id": event.conversation_id,
            "seq": event.seq,
            "actor": {"kind": event.actor.kind},
            "data": data,
            "created_at": event.created_at,
        }
    })
    .to_string()
}

/// Sent once the backlog has been replayed: from here on frames are live.
pub fn ready_frame(cursor: impl serde::Serialize) -> String {
    json!({"type": "ready", "cursor": cursor}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::event::EventType;
    use kefu_core::model::Sender;
    use kefu_core::{AccountId, ConversationId, EventId, InboxId, Timestamp, UserId};

    #[test]
    fn visitor_frames_hide_internal_ids() {
        let agent = UserId::new();
        let e = Event {
            id: EventId::new(),
            account_id: AccountId::new(),
            kind: EventType::MessageCreated,
            schema_version: 1,
            conversation_id: Some(ConversationId::new()),
            inbox_id: Some(InboxId::new()),
            seq: Some(3),
            actor: Sender::agent(agent),
            data: serde_json::json!({"message": {"visibility": "public", "client_id": "the-client-id", "sender": {"kind": "agent", "id": agent}, "content": {"type": "text", "text": "hi"}}}),
            created_at: Timestamp(0),
            cursor: None,
        };
        let v = visitor_frame(&e, Some("Li Lei"));
        assert!(!v.contains(&agent.to_string()), "{v}");
        let parsed: serde_json::Value = serde_json::from_str(&v).unwrap();
        assert_eq!(
            parsed["event"]["data"]["message"]["sender"],
            serde_json::json!({"kind": "agent", "name": "Li Lei"})
        );
        assert!(!v.contains("the-client-id") && !v.contains(&e.account_id.to_string()));
        assert!(v.contains("\"text\":\"hi\""));
        // Agents see everything.
        assert!(agent_frame(&e).contains(&agent.to_string()));
    }
}
