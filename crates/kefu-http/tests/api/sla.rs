//! SLA clocks over the API, and the check the `sla.check` job runs: a
//! breach is recorded once, escalates the priority, and the next deadline
//! is where the job sleeps until.

use std::time::Duration;

use kefu_core::ConversationId;
use kefu_core::calendar::SlaMetric;
use serde_json::json;

use crate::both_backends;
use crate::conversations::conversation;
use crate::support::error_code;

both_backends!(sla_clocks_breach_once_and_escalate, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let inbox = format!("/api/v1/inboxes/{}", t.inbox_id);
    // Policies and calendars are checked when saved.
    for bad in [
        json!({"sla": {"name": "", "business_hours": false}}),
        json!({"sla": {"name": "x", "business_hours": false,
                       "targets": {"normal": {"first_response_s": 0}}}}),
        json!({"business_hours": {"time_zone": "Asia/Shanghai",
                                  "weekly": {"mon": [["18:00", "09:00"]]}}}),
    ] {
        let (s, b) = admin.patch(&inbox, json!({"settings": bad})).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "validation_failed"),
            "{b}"
        );
    }
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {"sla": {"name": "Chat", "business_hours": false,
                "targets": {"normal": {"first_response_s": 60, "resolution_s": 3600},
                            "high": {"first_response_s": 30, "resolution_s": 1800}}}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    let (v, conv) = conversation(&app, t.inbox_id).await;
    let (s, sla) = agent
        .get(&format!("/api/v1/conversations/{conv}/sla"))
        .await;
    assert_eq!(s, 200, "{sla}");
    assert_eq!(sla["policy"], "Chat");
    let metrics = sla["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2, "{sla}");
    assert_eq!(metrics[0]["metric"], "first_response");
    let started = metrics[0]["started_at"].as_i64().unwrap();
    assert_eq!(
        metrics[0]["clock"]["due_at"].as_i64().unwrap(),
        started + 60_000
    );
    assert_eq!(metrics[0]["clock"]["running"], true);
    assert_eq!(metrics[0]["clock"]["breached"], false);

    // The watcher keeps one check job for the conversation.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.store.count_jobs("sla.check").await.unwrap().0 != 1 {
        assert!(tokio::time::Instant::now() < deadline, "no sla.check job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Two minutes on, nobody has answered: the first response is breached.
    let id: ConversationId = conv.parse().unwrap();
    let later = kefu_core::Timestamp::from_millis(started + 120_000);
    let out = kefu_http::sla::check(&*app.store, t.account_id, id, later)
        .await
        .unwrap();
    assert_eq!(out.breached, vec![SlaMetric::FirstResponse]);
    // Escalated: high priority, whose resolution target is 30 minutes.
    let (_, c) = agent.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(c["priority"], "high");
    assert_eq!(out.next_due.map(|d| d.millis()), Some(started + 3_600_000));
    // Checked again (another node, a rerun): recorded once, not raised again.
    let again = kefu_http::sla::check(&*app.store, t.account_id, id, later)
        .await
        .unwrap();
    assert!(again.breached.is_empty(), "{again:?}");
    let (_, c) = agent.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(c["priority"], "high");
    let (_, events) = agent
        .get(&format!("/api/v1/conversations/{conv}/events?limit=200"))
        .await;
    let breaches: Vec<_> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "sla.breached")
        .collect();
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0]["data"]["metric"], "first_response");
    assert_eq!(breaches[0]["data"]["policy"], "Chat");

    // The agent answers: the first response is achieved (late), the
    // resolution clock runs on the new, shorter target.
    let (s, b) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": "Sorry for the wait!"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (_, sla) = agent
        .get(&format!("/api/v1/conversations/{conv}/sla"))
        .await;
    let first = &sla["metrics"][0];
    assert!(first["achieved_at"].as_i64().is_some(), "{sla}");
    assert_eq!(first["clock"]["running"], false);
    let resolution = &sla["metrics"][1];
    assert_eq!(resolution["metric"], "resolution");
    assert_eq!(
        resolution["clock"]["due_at"].as_i64().unwrap(),
        started + 1_800_000
    );
    // The customer writes again: a next response has no target in this
    // policy, so no clock appears for it.
    v.says("still there?").await;
    let (_, sla) = agent
        .get(&format!("/api/v1/conversations/{conv}/sla"))
        .await;
    assert_eq!(sla["metrics"].as_array().unwrap().len(), 2, "{sla}");
});

both_backends!(an_inbox_without_a_policy_has_no_clocks, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let (_v, conv) = conversation(&app, t.inbox_id).await;
    let (s, sla) = agent
        .get(&format!("/api/v1/conversations/{conv}/sla"))
        .await;
    assert_eq!(s, 200, "{sla}");
    assert!(sla["policy"].is_null());
    assert_eq!(sla["metrics"], json!([]));
    // Another tenant's conversation is not found.
    let other = app.new_tenant("Other").await;
    let theirs = app.login(&other.agent_email).await;
    let (s, _) = theirs
        .get(&format!("/api/v1/conversations/{conv}/sla"))
        .await;
    assert_eq!(s, 404);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.store.count_jobs("sla.check").await.unwrap(), (0, 0));
});
