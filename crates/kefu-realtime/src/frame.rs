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
pub fn visitor_frame(event: &Event) -> String {
    let mut data = event.data.clone();
    if let Some(m) = data.get_mut("message").and_then(|m| m.as_object_mut()) {
        m.remove("client_id");
        m.remove("external_id");
        m.remove("account_id");
        m.remove("inbox_id");
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
