//! Quality inspection over the API on both backends: settings are checked
//! before they are stored, a resolved conversation is queued for inspection,
//! the inspection scores it with the exact evidence, and a rule can be
//! tried on a conversation first.

use std::time::Duration;

use kefu_core::ConversationId;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::conversation;
use crate::support::error_code;

fn settings() -> Value {
    json!({
        "rules": [
            {"id": "forbidden", "name": "禁语", "type": "forbidden", "words": ["calm down", "滚"]},
            {"id": "greeting", "name": "Greeting", "type": "greeting", "phrases": ["您好", "hello"]}
        ],
        "scorecards": [
            {"id": "chat", "name": "Chat", "pass_score": 80, "items": [
                {"rule_id": "forbidden", "label": "No forbidden words", "effect": "deduct", "points": 50, "critical": true},
                {"rule_id": "greeting", "label": "Greets", "effect": "deduct", "points": 10}
            ]}
        ]
    })
}

both_backends!(
    a_forbidden_word_fails_the_resolved_conversation_with_evidence,
    |app| {
        let t = app.tenant.clone();
        let admin = app.admin().await;
        let agent = app.agent().await;
        // Only admins change the settings, supervisors and up read them; what
        // does not compile is refused, named, and not stored.
        let (s, b) = agent.put("/api/v1/qa/settings", settings()).await;
        assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
        let (s, _) = agent.get("/api/v1/qa/settings").await;
        assert_eq!(s, 403);
        let mut bad = settings();
        bad["rules"][0] = json!({"id": "re", "name": "x", "type": "regex", "pattern": "(unclosed"});
        let (s, b) = admin.put("/api/v1/qa/settings", bad).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "invalid_qa_rule"),
            "{b}"
        );
        assert!(
            b["error"]["message"].as_str().unwrap().contains("`re`"),
            "{b}"
        );
        let mut bad = settings();
        bad["scorecards"][0]["items"][1]["rule_id"] = json!("nope");
        let (s, b) = admin.put("/api/v1/qa/settings", bad).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "invalid_scorecard"),
            "{b}"
        );
        let (_, stored) = admin.get("/api/v1/qa/settings").await;
        assert_eq!(stored, json!({"rules": [], "scorecards": []}));
        let (s, b) = admin.put("/api/v1/qa/settings", settings()).await;
        assert_eq!(s, 200, "{b}");
        let (_, stored) = admin.get("/api/v1/qa/settings").await;
        assert_eq!(stored, settings());

        // A chat where the agent tells the customer to calm down.
        let (_, conv) = conversation(&app, t.inbox_id).await;
        let path = format!("/api/v1/conversations/{conv}");
        let (s, b) = agent
            .post(
                &format!("{path}/messages"),
                json!({"text": "Hello! Please calm down, I am on it."}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let message_id = b["message"]["id"].as_str().unwrap().to_string();
        // Trying the rule first: the preview finds it and stores nothing.
        let rule = settings()["rules"][0].clone();
        let (s, p) = admin
            .post(
                "/api/v1/qa/preview",
                json!({"conversation_id": conv, "rules": [rule]}),
            )
            .await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(p["hits"][0]["message_id"], message_id.as_str());
        assert_eq!(
            (p["hits"][0]["start"].as_u64(), p["hits"][0]["end"].as_u64()),
            (Some(14), Some(23))
        );
        let (s, b) = admin
        .post("/api/v1/qa/preview", json!({"conversation_id": conv, "rules": [{"id": "x", "name": "x", "type": "vibes"}]}))
        .await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "invalid_qa_rule"),
            "{b}"
        );
        let (s, _) = agent
            .post(
                "/api/v1/qa/preview",
                json!({"conversation_id": conv, "rules": []}),
            )
            .await;
        assert_eq!(s, 403, "agents do not preview");
        let (_, none) = agent.get(&format!("{path}/qa")).await;
        assert_eq!(none, json!([]));

        // Resolving queues the inspection, once.
        let (s, b) = agent.post(&format!("{path}/resolve"), json!({})).await;
        assert_eq!(s, 200, "{b}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while app
            .store
            .count_jobs(kefu_http::qa::INSPECT_JOB)
            .await
            .unwrap()
            .0
            != 1
        {
            assert!(tokio::time::Instant::now() < deadline, "no qa.inspect job");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // What the job runs: the score fails on the critical item, and the
        // evidence points at the agent's message and the exact characters.
        let id: ConversationId = conv.parse().unwrap();
        let scores = kefu_http::qa::inspect_conversation(
            &*app.store,
            t.account_id,
            id,
            kefu_core::Timestamp::now(),
        )
        .await
        .unwrap();
        assert_eq!(scores.len(), 1);
        let (_, got) = agent.get(&format!("{path}/qa")).await;
        let score = &got[0];
        assert_eq!(score["scorecard_id"], "chat");
        assert_eq!(score["passed"], false);
        assert_eq!(score["critical_failed"], json!(["forbidden"]));
        assert_eq!(
            score["total"], 50.0,
            "greeted, so only the forbidden words cost"
        );
        let hit = &score["hits"][0];
        assert_eq!(hit["rule_id"], "forbidden");
        assert_eq!(hit["message_id"], message_id.as_str());
        assert_eq!(
            (hit["start"].as_u64(), hit["end"].as_u64()),
            (Some(14), Some(23))
        );
        let (_, events) = agent.get(&format!("{path}/events")).await;
        assert!(
            events["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["type"] == "qa.scored"),
            "{events}"
        );
        // Another tenant sees none of it.
        let other = app.new_tenant("Other").await;
        let theirs = app.login(&other.admin_email).await;
        let (s, _) = theirs.get(&format!("{path}/qa")).await;
        assert_eq!(s, 404);
        let (s, _) = theirs
            .post(
                "/api/v1/qa/preview",
                json!({"conversation_id": conv, "rules": [settings()["rules"][0]]}),
            )
            .await;
        assert_eq!(s, 404);
        let (_, theirs_settings) = theirs.get("/api/v1/qa/settings").await;
        assert_eq!(theirs_settings, json!({"rules": [], "scorecards": []}));
    }
);
