//! The visitor widget's hand-off, queue position, satisfaction rating and
//! pre-chat details, over HTTP on both backends.

use kefu_core::InboxId;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::{conversation, visitor};
use crate::support::{TestApp, error_code};

/// Changes the widget inbox directly in the store.
async fn edit_inbox(app: &TestApp, inbox: InboxId, f: impl FnOnce(&mut kefu_core::model::Inbox)) {
    let mut i = app
        .store
        .get_inbox(app.tenant.account_id, inbox)
        .await
        .unwrap();
    f(&mut i);
    app.store.update_inbox(&i).await.unwrap();
}

fn texts(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"]["text"].as_str().map(str::to_owned))
        .collect()
}

both_backends!(visitor_asks_for_a_human, |app| {
    let t = app.tenant.clone();
    edit_inbox(&app, t.inbox_id, |i| i.bot_enabled = true).await;
    let agent = app.agent().await;

    // Asking before writing anything starts a conversation for the humans.
    let early = visitor(&app, t.inbox_id).await;
    let (s, b) = early.client.post("/api/v1/widget/handoff", json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["conversation"]["status"], "queued");
    assert_eq!(b["queue_position"], 1);

    // With the bot: the request hands off, noted in the conversation.
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let (_, c) = v.client.get("/api/v1/widget/conversation").await;
    assert_eq!(c["conversation"]["status"], "bot");
    assert!(c["queue_position"].is_null());
    let (s, b) = v.client.post("/api/v1/widget/handoff", json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["conversation"]["status"], "queued");
    assert_eq!(b["queue_position"], 2, "behind the earlier visitor");

    let (_, msgs) = agent
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await;
    let items = msgs["items"].as_array().unwrap().clone();
    let note = items.last().unwrap();
    assert_eq!(note["sender"]["kind"], "system");
    assert_eq!(
        note["content"]["text"],
        "The customer asked for a human agent"
    );
    // Clients translate the note by its code, not by its English text.
    assert_eq!(note["content"]["code"], "handoff_requested");
    let (_, events) = agent
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    let handed: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "bot.handed_off")
        .collect();
    assert_eq!(handed.len(), 1, "{events}");
    assert_eq!(handed[0]["data"]["reason"], "requested");

    // Asking again (queued, then assigned) writes nothing.
    let (s, again) = v.client.post("/api/v1/widget/handoff", json!({})).await;
    assert_eq!(
        (s, &again["conversation"]["status"]),
        (200, &json!("queued"))
    );
    let (s, _) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": "Hi, I'm here"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, again) = v.client.post("/api/v1/widget/handoff", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(again["conversation"]["status"], "assigned");
    assert!(again["queue_position"].is_null());
    let (_, after) = agent
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await;
    assert_eq!(after["items"].as_array().unwrap().len(), items.len() + 1);

    // Without a token there is nobody to hand off.
    let (s, _) = app
        .anonymous()
        .post("/api/v1/widget/handoff", json!({}))
        .await;
    assert_eq!(s, 401);
});

both_backends!(queue_positions_follow_priority_then_age, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let (a, _) = conversation(&app, t.inbox_id).await;
    let (b, _) = conversation(&app, t.inbox_id).await;
    let (c, c_id) = conversation(&app, t.inbox_id).await;
    let pos = |v: &crate::conversations::VisitorFixture| {
        let client = v.client.clone();
        async move {
            let (s, body) = client.get("/api/v1/widget/conversation").await;
            assert_eq!(s, 200, "{body}");
            body["queue_position"].clone()
        }
    };
    assert_eq!(
        (pos(&a).await, pos(&b).await, pos(&c).await),
        (json!(1), json!(2), json!(3))
    );
    // Urgent goes first.
    let (s, body) = agent
        .patch(
            &format!("/api/v1/conversations/{c_id}"),
            json!({"priority": "urgent"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        (pos(&a).await, pos(&b).await, pos(&c).await),
        (json!(2), json!(3), json!(1))
    );
    // Taken by an agent: out of the queue, the others move up.
    let (s, _) = agent
        .post(
            &format!("/api/v1/conversations/{c_id}/messages"),
            json!({"text": "On it"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        (pos(&a).await, pos(&b).await, pos(&c).await),
        (json!(1), json!(2), Value::Null)
    );
});

both_backends!(resolving_asks_for_a_rating, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let (other, _) = conversation(&app, t.inbox_id).await;

    // No request yet: nothing to answer.
    let (s, b) = v
        .client
        .post("/api/v1/widget/csat", json!({"rating": 5}))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"), "{b}");

    let (s, _) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": "Fixed"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, b) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");

    let (_, seen) = v.client.get("/api/v1/widget/messages").await;
    let request = seen["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(request["content"]["type"], "csat_request", "{seen}");
    let request_id = request["id"].as_str().unwrap().to_string();

    for bad in [json!(0), json!(6), json!("5"), json!(4.5), Value::Null] {
        let (s, b) = v
            .client
            .post("/api/v1/widget/csat", json!({"rating": bad}))
            .await;
        assert_eq!(s, 422, "rating {bad}: {b}");
    }
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/csat",
            json!({"rating": 4, "comment": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    // Another visitor cannot answer this request.
    let (s, b) = other
        .client
        .post(
            "/api/v1/widget/csat",
            json!({"rating": 1, "message_id": request_id}),
        )
        .await;
    assert_eq!(s, 404, "{b}");

    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/csat",
            json!({"rating": 5, "comment": " 很满意 ", "message_id": request_id}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!((&b["rating"], &b["comment"]), (&json!(5), &json!("很满意")));
    // One answer per request.
    let (s, b) = v
        .client
        .post("/api/v1/widget/csat", json!({"rating": 1}))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (409, "already_rated"), "{b}");

    let (_, c) = v.client.get("/api/v1/widget/conversation").await;
    assert_eq!(c["ratings"][0]["rating"], 5);
    let (s, ratings) = agent
        .get(&format!("/api/v1/conversations/{conv}/ratings"))
        .await;
    assert_eq!(s, 200, "{ratings}");
    assert_eq!(ratings.as_array().unwrap().len(), 1);
    assert_eq!(ratings[0]["rating"], 5);
    assert_eq!(ratings[0]["request_message_id"], json!(request_id));
    let (_, events) = agent
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "conversation.rated" && e["data"]["rating"]["rating"] == 5),
        "{events}"
    );

    // An inbox can turn the survey off.
    edit_inbox(&app, t.inbox_id, |i| {
        i.settings = json!({"csat_enabled": false})
    })
    .await;
    let (v2, conv2) = conversation(&app, t.inbox_id).await;
    let (s, _) = agent
        .post(&format!("/api/v1/conversations/{conv2}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200);
    let (_, seen) = v2.client.get("/api/v1/widget/messages").await;
    assert!(
        !seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["content"]["type"] == "csat_request"),
        "{seen}"
    );
    assert_eq!(texts(&seen["items"]), vec!["hello".to_string()]);
});

both_backends!(pre_chat_details_reach_the_contact, |app| {
    let t = app.tenant.clone();
    edit_inbox(&app, t.inbox_id, |i| {
        i.settings = json!({"pre_chat": {"enabled": true, "fields": ["name", "email", "phone"], "required": ["email"]}})
    })
    .await;
    let agent = app.agent().await;
    let v = visitor(&app, t.inbox_id).await;
    for (body, field) in [
        (json!({"email": "not-an-email"}), "email"),
        (json!({"name": "n".repeat(201), "email": "a@b.co"}), "name"),
        (json!({"phone": "call me", "email": "a@b.co"}), "phone"),
        (json!({"name": "Ann"}), "email"),
    ] {
        let (s, b) = v.client.patch("/api/v1/widget/contact", body).await;
        assert_eq!(s, 422, "{b}");
        assert!(
            b["error"]["message"].as_str().unwrap().contains(field),
            "{b}"
        );
    }
    let (s, b) = v
        .client
        .patch("/api/v1/widget/contact", json!({"surprise": 1}))
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, b) = v
        .client
        .patch(
            "/api/v1/widget/contact",
            json!({"name": " 王小明 ", "email": "Ming@Example.com", "phone": "+86 138-0000-0000"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b,
        json!({"name": "王小明", "email": "ming@example.com", "phone": "+8613800000000"})
    );
    let (s, contact) = agent
        .get(&format!("/api/v1/contacts/{}", v.contact_id))
        .await;
    assert_eq!(s, 200, "{contact}");
    assert_eq!(contact["name"], "王小明");
    assert_eq!(contact["email"], "ming@example.com");
    assert_eq!(contact["phone"], "+8613800000000");
    // Known details satisfy the form later on; the session reports them.
    let (s, _) = v.client.patch("/api/v1/widget/contact", json!({})).await;
    assert_eq!(s, 200);
    let (s, session) = app
        .anonymous()
        .post(
            "/api/v1/widget/sessions",
            json!({"inbox_id": t.inbox_id, "visitor_token": v.token}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(session["contact"]["email"], "ming@example.com");
});

both_backends!(an_inbox_sets_the_survey_scale_and_wording, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let inbox = format!("/api/v1/inboxes/{}", t.inbox_id);

    // Bad values are refused with the stable error shape, naming the field.
    for bad in [
        json!({"csat_scale": "thumbs"}),
        json!({"csat_scale": 5}),
        json!({"csat_enabled": "yes"}),
        json!({"csat_text": "?".repeat(301)}),
    ] {
        let (s, b) = admin.patch(&inbox, json!({ "settings": bad })).await;
        assert_eq!(s, 422, "{bad}: {b}");
        assert_eq!(error_code(&b), "validation_failed", "{b}");
        let field = bad.as_object().unwrap().keys().next().unwrap().clone();
        assert!(
            b["error"]["message"].as_str().unwrap().contains(&field),
            "{b}"
        );
    }

    // Stars by default, with the default question.
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let (s, b) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, seen) = v.client.get("/api/v1/widget/messages").await;
    let request = seen["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(request["content"]["type"], "csat_request", "{seen}");
    assert_eq!(request["content"]["scale"], "stars_5", "{seen}");
    assert_eq!(
        request["content"]["text"],
        "How would you rate this conversation?"
    );

    // The emoji scale and the inbox's own question reach the request.
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {"csat_scale": "emoji", "csat_text": " 您对本次服务满意吗？ "}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["settings"]["csat_scale"], "emoji", "{b}");
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let (s, b) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, seen) = v.client.get("/api/v1/widget/messages").await;
    let request = seen["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(request["content"]["scale"], "emoji_5", "{seen}");
    assert_eq!(request["content"]["text"], "您对本次服务满意吗？");
    // A face answers 1 to 5 like a star, recorded as `conversation.rated`.
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/csat",
            json!({"rating": 2, "comment": "slow"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (_, events) = agent
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "conversation.rated"
                && e["data"]["rating"]["rating"] == 2
                && e["data"]["rating"]["comment"] == "slow"),
        "{events}"
    );
});
