//! Tickets over the API on both backends: a chat turned into a ticket keeps
//! its history and the customer's thread, ticket statuses map onto the
//! conversation's states, custom fields follow the account's definitions,
//! a closed ticket takes nothing more, links join conversations, and an
//! out-of-hours chat becomes a ticket when the inbox says so.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::conversation;
use crate::support::{Client, error_code};

const WAIT: Duration = Duration::from_secs(10);

async fn get(agent: &Client, conv: &str) -> Value {
    let (s, c) = agent.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(s, 200, "{c}");
    c
}

async fn set_status(agent: &Client, conv: &str, status: &str) -> (u16, Value) {
    agent
        .post(
            &format!("/api/v1/conversations/{conv}/ticket_status"),
            json!({ "status": status }),
        )
        .await
}

fn fields() -> Value {
    json!({"fields": [
        {"key": "order_no", "label": "Order number", "type": "text", "required": true},
        {"key": "reason", "label": "Reason", "type": "select", "options": ["damaged", "late"],
         "required": false},
        {"key": "amount", "label": "Amount", "type": "number", "required": false}
    ]})
}

both_backends!(
    a_chat_becomes_a_ticket_and_moves_through_its_statuses,
    |app| {
        let t = app.tenant.clone();
        let admin = app.admin().await;
        let agent = app.agent().await;
        // Only admins define the fields; bad definitions are refused whole.
        let (s, b) = agent.put("/api/v1/ticket_fields", fields()).await;
        assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
        let bad = json!({"fields": [{"key": "Order No", "label": "x", "type": "text"}]});
        let (s, b) = admin.put("/api/v1/ticket_fields", bad).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "validation_failed"),
            "{b}"
        );
        let (s, b) = admin.put("/api/v1/ticket_fields", fields()).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = agent.get("/api/v1/ticket_fields").await;
        assert_eq!((s, &b), (200, &fields()));

        let (v, conv) = conversation(&app, t.inbox_id).await;
        let path = format!("/api/v1/conversations/{conv}");
        // A chat has no ticket status.
        let (s, b) = set_status(&agent, &conv, "solved").await;
        assert_eq!((s, error_code(&b).as_str()), (409, "not_a_ticket"), "{b}");
        let (s, c) = agent
            .post(
                &format!("{path}/convert"),
                json!({"ticket_type": "incident"}),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        assert_eq!(c["id"], conv.as_str());
        assert_eq!(c["kind"], "ticket");
        assert_eq!(c["ticket_type"], "incident");
        assert_eq!(c["ticket_status"], "open");
        let (s, b) = agent.post(&format!("{path}/convert"), json!({})).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (409, "already_a_ticket"),
            "{b}"
        );
        let (_, events) = agent.get(&format!("{path}/events")).await;
        let converted: Vec<&Value> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "conversation.converted")
            .collect();
        assert_eq!(converted.len(), 1, "{events}");
        assert_eq!(converted[0]["data"]["reason"], "agent");

        // Custom fields: unknown keys and unsuitable values are refused.
        for bad in [
            json!({"custom_fields": {"colour": "red"}}),
            json!({"custom_fields": {"reason": "lost"}}),
            json!({"custom_fields": {"amount": "12"}}),
            json!({"ticket_type": "complaint"}),
        ] {
            let (s, b) = agent.patch(&path, bad.clone()).await;
            assert_eq!(s, 422, "{bad} → {b}");
        }
        let (s, c) = agent
            .patch(
                &path,
                json!({"custom_fields": {"reason": "late", "amount": 12.5}}),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        assert_eq!(
            c["custom_fields"],
            json!({"reason": "late", "amount": 12.5})
        );
        // Solving needs the required order number; nothing moves without it.
        let before = get(&agent, &conv).await;
        let (s, b) = set_status(&agent, &conv, "solved").await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "required_fields_missing"),
            "{b}"
        );
        assert!(
            b["error"]["message"].as_str().unwrap().contains("order_no"),
            "{b}"
        );
        assert_eq!(get(&agent, &conv).await, before);
        let (s, c) = agent
            .patch(
                &path,
                json!({"custom_fields": {"order_no": "A-1001", "amount": null}}),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        assert_eq!(
            c["custom_fields"],
            json!({"order_no": "A-1001", "reason": "late"})
        );

        // Pending waits for the customer; their reply opens it again, and it is
        // still the same conversation.
        let (s, c) = set_status(&agent, &conv, "pending").await;
        assert_eq!(s, 200, "{c}");
        assert_eq!(
            (c["status"].as_str(), c["ticket_status"].as_str()),
            (Some("snoozed"), Some("pending"))
        );
        let reply = v.says("the parcel arrived broken").await;
        assert_eq!(reply["conversation"]["id"], conv.as_str());
        let c = get(&agent, &conv).await;
        assert_eq!(c["ticket_status"], "open", "{c}");
        // Solved, then closed for good.
        let (s, c) = set_status(&agent, &conv, "solved").await;
        assert_eq!(
            (s, c["ticket_status"].as_str()),
            (200, Some("solved")),
            "{c}"
        );
        let (s, c) = set_status(&agent, &conv, "closed").await;
        assert_eq!(
            (s, c["ticket_status"].as_str()),
            (200, Some("closed")),
            "{c}"
        );
        assert!(c["closed_at"].is_i64());
        let closed = get(&agent, &conv).await;
        for (s, b) in [
            set_status(&agent, &conv, "open").await,
            agent.patch(&path, json!({"priority": "urgent"})).await,
            agent
                .post(&format!("{path}/messages"), json!({"text": "hello?"}))
                .await,
            agent.post(&format!("{path}/reopen"), json!({})).await,
        ] {
            assert_eq!((s, error_code(&b).as_str()), (409, "ticket_closed"), "{b}");
        }
        assert_eq!(get(&agent, &conv).await, closed);
        // The customer writing again starts a new conversation.
        let again = v.says("one more question").await;
        let follow_up = again["conversation"]["id"].as_str().unwrap().to_string();
        assert_ne!(follow_up, conv.as_str());
        // …linked as the follow-up of the closed ticket.
        let (_, links) = agent
            .get(&format!("/api/v1/conversations/{follow_up}/links"))
            .await;
        assert_eq!(links["items"][0]["kind"], "follow_up", "{links}");
        assert_eq!(links["items"][0]["conversation"]["id"], conv.as_str());
        let (_, list) = agent
            .get("/api/v1/conversations?ticket_status=closed")
            .await;
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![conv.as_str()]);
        // Another tenant sees none of it.
        let other = app.new_tenant("Other").await;
        let theirs = app.login(&other.admin_email).await;
        let (s, _) = set_status(&theirs, &conv, "open").await;
        assert_eq!(s, 404);
        let (_, f) = theirs.get("/api/v1/ticket_fields").await;
        assert_eq!(f, json!({"fields": []}));
    }
);

both_backends!(tickets_link_to_conversations_and_follow_ups, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let (v, chat) = conversation(&app, t.inbox_id).await;
    // A ticket opened by API as the follow-up of the chat.
    let (s, ticket) = agent
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": t.inbox_id, "contact_id": v.contact_id, "subject": "Replacement",
                   "ticket_type": "task", "follow_up_of": chat}),
        )
        .await;
    assert_eq!(s, 201, "{ticket}");
    assert_eq!(
        (ticket["kind"].as_str(), ticket["ticket_type"].as_str()),
        (Some("ticket"), Some("task"))
    );
    let ticket = ticket["id"].as_str().unwrap().to_string();
    let links = |id: String| {
        let agent = agent.clone();
        async move {
            let (s, l) = agent
                .get(&format!("/api/v1/conversations/{id}/links"))
                .await;
            assert_eq!(s, 200, "{l}");
            l["items"].as_array().unwrap().clone()
        }
    };
    let from_ticket = links(ticket.clone()).await;
    assert_eq!(from_ticket.len(), 1);
    assert_eq!(from_ticket[0]["kind"], "follow_up");
    assert_eq!(from_ticket[0]["direction"], "outgoing");
    assert_eq!(from_ticket[0]["conversation"]["id"], chat.as_str());
    let from_chat = links(chat.clone()).await;
    assert_eq!(from_chat[0]["direction"], "incoming");
    assert_eq!(from_chat[0]["conversation"]["id"], ticket.as_str());
    assert_eq!(from_chat[0]["conversation"]["ticket_status"], "open");
    // The customer's chat stays theirs: a ticket an agent opened is not.
    let next = v.says("thanks").await;
    assert_eq!(next["conversation"]["id"], chat.as_str());

    // Linking again, either way round, is refused; so is a link to itself.
    let (_, other_chat) = conversation(&app, t.inbox_id).await;
    let link = |from: &str, to: &str, kind: &str| {
        let (agent, from, to, kind) = (
            agent.clone(),
            from.to_string(),
            to.to_string(),
            kind.to_string(),
        );
        async move {
            agent
                .post(
                    &format!("/api/v1/conversations/{from}/links"),
                    json!({"conversation_id": to, "kind": kind}),
                )
                .await
        }
    };
    let (s, b) = link(&other_chat, &chat, "duplicate").await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = link(&chat, &other_chat, "related").await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_linked"), "{b}");
    let (s, b) = link(&chat, &chat, "related").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    let (s, b) = link(&chat, &chat, "cousin").await;
    assert_eq!(s, 422, "{b}");
    // Another tenant's conversation is not there, and nothing is stored.
    let other = app.new_tenant("Other").await;
    let (_, foreign) = conversation(&app, other.inbox_id).await;
    let (s, b) = link(&chat, &foreign, "related").await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"), "{b}");
    assert_eq!(links(chat.clone()).await.len(), 2);
    // Unlinking from the other end; twice is a 404.
    let (s, b) = agent
        .delete(&format!("/api/v1/conversations/{chat}/links/{other_chat}"))
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, _) = agent
        .delete(&format!("/api/v1/conversations/{chat}/links/{other_chat}"))
        .await;
    assert_eq!(s, 404);
    assert_eq!(links(chat.clone()).await.len(), 1);
    // A follow-up of another tenant's conversation is refused whole.
    let (s, b) = agent
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": t.inbox_id, "contact_id": v.contact_id, "follow_up_of": foreign}),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    let (_, all) = agent.get("/api/v1/conversations?kind=ticket").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1, "{all}");
});

both_backends!(an_out_of_hours_chat_becomes_a_ticket, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let inbox = format!("/api/v1/inboxes/{}", t.inbox_id);
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {"outside_hours_action": "later"}}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    // Open one hour a week, three days from now (UTC): closed now.
    let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .weekday();
    let open_day = day[(today.to_monday_zero_offset() as usize + 3) % 7];
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {
                "business_hours": {"time_zone": "UTC", "weekly": {open_day: [["09:00", "10:00"]]}},
                "outside_hours_action": "ticket"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    tokio::time::sleep(Duration::from_millis(2100)).await; // the inbox cache
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let (s, b) = v.client.post("/api/v1/widget/handoff", json!({})).await;
    assert!(s == 200 || s == 201, "{s} {b}");
    let deadline = tokio::time::Instant::now() + WAIT;
    let c = loop {
        let c = get(&agent, &conv).await;
        if c["kind"] == "ticket" {
            break c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never became a ticket: {c}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        (c["ticket_status"].as_str(), c["status"].as_str()),
        (Some("open"), Some("queued"))
    );
    let (_, events) = agent
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    let reasons: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "conversation.converted")
        .map(|e| &e["data"]["reason"])
        .collect();
    assert_eq!(reasons, vec![&json!("outside_hours")]);
    // The customer is told, once, and their next message lands in the ticket.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, m) = v.client.get("/api/v1/widget/messages?limit=50").await;
        let n = m["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["content"]["code"] == "outside_business_hours")
            .count();
        if n == 1 {
            break;
        }
        assert!(
            n == 0 && tokio::time::Instant::now() < deadline,
            "notices: {n}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let next = v.says("ok, I will wait").await;
    assert_eq!(next["conversation"]["id"], conv.as_str());
});
