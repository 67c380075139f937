//! @mentions in private notes over HTTP: who may be mentioned, that the
//! note and its mentions are stored together or not at all, that each
//! member lists and marks only their own, and that a retried note mentions
//! nobody twice.

use kefu_core::model::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::{conversation, member_client, new_member};
use crate::support::{Client, error_code};

async fn mentions_of(c: &Client, query: &str) -> Vec<Value> {
    let (s, b) = c.get(&format!("/api/v1/mentions{query}")).await;
    assert_eq!(s, 200, "{b}");
    b["items"].as_array().unwrap().clone()
}

async fn note_count(c: &Client, conv: &str) -> usize {
    let (s, b) = c
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await;
    assert_eq!(s, 200, "{b}");
    b["items"].as_array().unwrap().len()
}

both_backends!(notes_mention_members_who_see_the_inbox, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let admin = app.admin().await;
    let colleague_id = new_member(&app, &t, Role::Agent).await;
    let colleague = member_client(&app, t.account_id, colleague_id).await;
    // A member of the account who does not work in the widget inbox.
    let outsider_id = new_member(&app, &t, Role::Agent).await;
    app.store
        .set_inbox_member(t.account_id, t.inbox_id, outsider_id, false)
        .await
        .unwrap();
    let outsider = member_client(&app, t.account_id, outsider_id).await;
    let other = app.new_tenant("Globex").await;
    let (_v, conv) = conversation(&app, t.inbox_id).await;
    let path = format!("/api/v1/conversations/{conv}/messages");

    // The picker offers the colleagues who can see the inbox, by name only.
    let (s, picker) = agent
        .get(&format!("/api/v1/conversations/{conv}/mentionable"))
        .await;
    assert_eq!(s, 200, "{picker}");
    let offered: Vec<&str> = picker
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    assert!(
        offered.contains(&colleague_id.to_string().as_str()),
        "{picker}"
    );
    assert!(
        offered.contains(&t.admin_id.to_string().as_str()),
        "{picker}"
    );
    assert!(
        !offered.contains(&outsider_id.to_string().as_str()),
        "{picker}"
    );
    assert!(
        !offered.contains(&t.agent_id.to_string().as_str()),
        "not oneself"
    );
    assert!(picker[0].get("email").is_none(), "names only: {picker}");
    let (s, b) = outsider
        .get(&format!("/api/v1/conversations/{conv}/mentionable"))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));

    // A note mentioning the colleague (twice) and the author.
    let body = json!({
        "text": "@colleague can you check the refund?",
        "visibility": "internal",
        "client_id": "note-1",
        "mentions": [colleague_id, colleague_id, t.agent_id],
    });
    let (s, posted) = agent.post(&path, body.clone()).await;
    assert_eq!(s, 201, "{posted}");
    let message_id = posted["message"]["id"].as_str().unwrap().to_string();
    let listed = mentions_of(&colleague, "?unread=true").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let m = &listed[0];
    assert_eq!(m["conversation_id"], conv.as_str());
    assert_eq!(m["message_id"], message_id.as_str());
    assert_eq!(m["author_id"], t.agent_id.to_string());
    assert!(m["author_name"].as_str().unwrap().contains("Agent"), "{m}");
    assert_eq!(m["excerpt"], "@colleague can you check the refund?");
    assert!(
        m["created_at"].is_number() || m["created_at"].is_string(),
        "{m}"
    );
    assert!(m["read_at"].is_null());
    // Nobody else sees it: not the author, not the admin.
    assert!(mentions_of(&agent, "").await.is_empty());
    assert!(mentions_of(&admin, "").await.is_empty());

    // The event reaches the conversation's log (and so the sockets of
    // everyone who sees the inbox; the console shows it to its user only).
    let (s, events) = colleague
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert_eq!(s, 200, "{events}");
    let mentioned: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "conversation.mentioned")
        .collect();
    assert_eq!(mentioned.len(), 1, "{events}");
    assert_eq!(mentioned[0]["data"]["user_id"], colleague_id.to_string());
    assert_eq!(mentioned[0]["data"]["author"], t.agent_id.to_string());
    assert_eq!(mentioned[0]["data"]["message_id"], message_id.as_str());

    // The same client id again: the original, and no second mention.
    let (s, again) = agent.post(&path, body).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["message"]["id"], message_id.as_str());
    assert_eq!(mentions_of(&colleague, "").await.len(), 1);

    // Refusals leave nothing behind.
    let before = note_count(&agent, &conv).await;
    let (s, b) = agent
        .post(&path, json!({"text": "hi", "mentions": [colleague_id]}))
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "mentions_need_private_note"),
        "{b}"
    );
    let (s, b) = agent
        .post(
            &path,
            json!({"text": "psst", "visibility": "internal", "mentions": [colleague_id, other.agent_id]}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "unknown_user"), "{b}");
    assert!(
        !b.to_string().contains("Globex"),
        "nothing about the other tenant: {b}"
    );
    let (s, b) = agent
        .post(
            &path,
            json!({"text": "psst", "visibility": "internal", "mentions": [outsider_id]}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "mentioned_user_cannot_see_inbox"),
        "{b}"
    );
    let many: Vec<String> = (0..21).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let (s, b) = agent
        .post(
            &path,
            json!({"text": "everyone", "visibility": "internal", "mentions": many}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "too_many_mentions"),
        "{b}"
    );
    assert_eq!(
        note_count(&agent, &conv).await,
        before,
        "no half-applied note"
    );
    assert_eq!(mentions_of(&colleague, "").await.len(), 1);
    assert!(mentions_of(&outsider, "").await.is_empty());
    let other_agent = app.login(&other.agent_email).await;
    assert!(mentions_of(&other_agent, "").await.is_empty());
});

both_backends!(mentions_are_marked_read_by_their_member, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let colleague_id = new_member(&app, &t, Role::Agent).await;
    let colleague = member_client(&app, t.account_id, colleague_id).await;
    let (_v, conv) = conversation(&app, t.inbox_id).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    for text in ["first", "second"] {
        let (s, b) = agent
            .post(
                &path,
                json!({"text": text, "visibility": "internal", "mentions": [colleague_id]}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let listed = mentions_of(&colleague, "?unread=true").await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["excerpt"], "second", "newest first");
    let newest = listed[0]["id"].as_str().unwrap().to_string();

    // Paged.
    let (s, page) = colleague.get("/api/v1/mentions?limit=1").await;
    assert_eq!(s, 200, "{page}");
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (s, next) = colleague
        .get(&format!("/api/v1/mentions?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(s, 200, "{next}");
    assert_eq!(next["items"][0]["excerpt"], "first");

    // Another member cannot mark them.
    let (s, b) = agent
        .post("/api/v1/mentions/read", json!({"ids": [newest]}))
        .await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(0)), "{b}");
    let (s, b) = colleague
        .post("/api/v1/mentions/read", json!({"ids": [newest]}))
        .await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(1)), "{b}");
    let unread = mentions_of(&colleague, "?unread=true").await;
    assert_eq!(unread.len(), 1);
    assert_eq!(unread[0]["excerpt"], "first");

    // Opening the conversation marks the rest.
    let (s, b) = colleague
        .post("/api/v1/mentions/read", json!({"conversation_id": conv}))
        .await;
    assert_eq!((s, b["updated"].as_u64()), (200, Some(1)), "{b}");
    assert!(mentions_of(&colleague, "?unread=true").await.is_empty());
    let all = mentions_of(&colleague, "").await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|m| !m["read_at"].is_null()));

    // One or the other.
    let (s, b) = colleague
        .post(
            "/api/v1/mentions/read",
            json!({"ids": [newest], "conversation_id": conv}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    let (s, b) = colleague.get("/api/v1/mentions?cursor=garbage").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );

    // A member who loses the inbox no longer sees its mentions.
    app.store
        .set_inbox_member(t.account_id, t.inbox_id, colleague_id, false)
        .await
        .unwrap();
    assert!(mentions_of(&colleague, "").await.is_empty());
});
