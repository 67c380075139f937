//! Canned responses through the API: who may see and change which, variables
//! filled in for a conversation, and clear errors.

use kefu_core::model::Role;
use serde_json::json;

use crate::both_backends;
use crate::conversations::{conversation, member_client, new_member};
use crate::support::error_code;

both_backends!(canned_responses_by_scope_and_role, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let other_id = new_member(&app, &t, Role::Agent).await;
    let other = member_client(&app, t.account_id, other_id).await;

    // Agents may not change what the whole account shares...
    let (s, b) = agent
        .post(
            "/api/v1/canned_responses",
            json!({"short_code": "hi", "content": "Hi", "shared": true}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    // ...but keep their own.
    let (s, mine) = agent
        .post(
            "/api/v1/canned_responses",
            json!({"short_code": "/Mine", "content": "My own words"}),
        )
        .await;
    assert_eq!(s, 201, "{mine}");
    assert_eq!(mine["short_code"], "mine");
    assert_eq!(mine["owner_id"], t.agent_id.to_string());
    let (s, shared) = admin
        .post(
            "/api/v1/canned_responses",
            json!({"short_code": "refund", "content": "Hi {{contact.name | there}}, {{agent.name}} here: refunds take 3 days.", "shared": true}),
        )
        .await;
    assert_eq!(s, 201, "{shared}");
    assert!(shared["owner_id"].is_null());
    let (s, b) = admin
        .post(
            "/api/v1/canned_responses",
            json!({"short_code": "refund", "content": "Again", "shared": true}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (409, "conflict"), "{b}");

    // Each member lists the shared ones and their own, never another's.
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["short_code"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, list) = agent.get("/api/v1/canned_responses").await;
    assert_eq!(codes(&list), ["mine", "refund"]);
    let (_, list) = other.get("/api/v1/canned_responses").await;
    assert_eq!(codes(&list), ["refund"]);
    let (_, list) = agent.get("/api/v1/canned_responses?q=3%20days").await;
    assert_eq!(codes(&list), ["refund"]);
    let mine_path = format!("/api/v1/canned_responses/{}", mine["id"].as_str().unwrap());
    for (s, b) in [
        other.get(&mine_path).await,
        other.patch(&mine_path, json!({"content": "taken"})).await,
        other.delete(&mine_path).await,
    ] {
        assert_eq!((s, error_code(&b).as_str()), (404, "not_found"), "{b}");
    }

    // Agents may use but not change shared ones; supervisors may.
    let shared_path = format!(
        "/api/v1/canned_responses/{}",
        shared["id"].as_str().unwrap()
    );
    let (s, _) = agent
        .patch(&shared_path, json!({"content": "changed"}))
        .await;
    assert_eq!(s, 403);
    let sup_id = new_member(&app, &t, Role::Supervisor).await;
    let sup = member_client(&app, t.account_id, sup_id).await;
    let (s, b) = sup
        .patch(&shared_path, json!({"content": "Hi {{contact.name | there}}, {{agent.name}} here: refunds take 3 working days."}))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = agent
        .patch(&mine_path, json!({"short_code": "mine2"}))
        .await;
    assert_eq!((s, b["short_code"].as_str()), (200, Some("mine2")), "{b}");

    // Bad input is a clear 422.
    for body in [
        json!({"short_code": "two words", "content": "x"}),
        json!({"short_code": "ok", "content": "  "}),
        json!({"short_code": "ok", "content": "Hi {{contact.nmae}}"}),
    ] {
        let (s, b) = agent.post("/api/v1/canned_responses", body.clone()).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "validation_failed"),
            "{body}: {b}"
        );
    }

    // Filled in for a conversation: the contact's name once known, else the fallback.
    let (visitor, conv) = conversation(&app, t.inbox_id).await;
    let path = format!("/api/v1/conversations/{conv}/canned_responses?q=ref");
    let (s, b) = agent.get(&path).await;
    assert_eq!(s, 200, "{b}");
    let agent_name = app
        .store
        .get_member(t.account_id, t.agent_id)
        .await
        .unwrap()
        .name;
    assert_eq!(
        b[0]["text"],
        format!("Hi there, {agent_name} here: refunds take 3 working days.")
    );
    assert_eq!(b[0]["shared"], true);
    let (s, b) = agent
        .patch(
            &format!("/api/v1/contacts/{}", visitor.contact_id),
            json!({"name": "Mei"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = agent.get(&path).await;
    assert!(
        b[0]["text"].as_str().unwrap().starts_with("Hi Mei, "),
        "{b}"
    );
    let (_, b) = agent
        .get(&format!(
            "/api/v1/conversations/{conv}/canned_responses?q=nothing-like-it"
        ))
        .await;
    assert_eq!(b, json!([]));

    // Deleting: the audit log keeps the shared one's trail.
    let (s, _) = admin.delete(&shared_path).await;
    assert_eq!(s, 204);
    let (s, _) = admin.get(&shared_path).await;
    assert_eq!(s, 404);
    let (_, log) = admin.get("/api/v1/audit-log?limit=50").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "canned_response.created",
        "canned_response.updated",
        "canned_response.deleted",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
});
