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
        assert_eq!(
            stored,
            json!({"rules": [], "scorecards": [], "sample_rate": 0.0, "sentiment_model": null})
        );
        let (s, b) = admin.put("/api/v1/qa/settings", settings()).await;
        assert_eq!(s, 200, "{b}");
        let (_, stored) = admin.get("/api/v1/qa/settings").await;
        assert_eq!(stored["rules"], settings()["rules"]);
        assert_eq!(stored["scorecards"], settings()["scorecards"]);

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
        // The review queue and the agent's own list.
        let (s, _) = agent.get("/api/v1/qa/scores").await;
        assert_eq!(s, 403, "agents list only their own");
        let (s, mine) = agent.get("/api/v1/qa/scores?agent=me").await;
        assert_eq!(s, 200, "{mine}");
        assert_eq!(mine["items"][0]["conversation_id"], conv.as_str());
        assert_eq!(mine["items"][0]["agent_id"], t.agent_id.to_string());
        let (_, queue) = admin
            .get("/api/v1/qa/scores?needs_review=true&status=auto")
            .await;
        assert_eq!(queue["items"].as_array().unwrap().len(), 1, "{queue}");

        // The reviewer rejects the hit: scored again without it, it passes.
        let card = format!("{path}/qa/chat");
        let (s, _) = agent
            .post(
                &format!("{card}/review"),
                json!({"version": 1, "rejected_hits": [0]}),
            )
            .await;
        assert_eq!(s, 403, "agents do not review");
        let (s, b) = admin
            .post(
                &format!("{card}/review"),
                json!({"version": 7, "rejected_hits": [0]}),
            )
            .await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (409, "version_conflict"),
            "{b}"
        );
        let (s, b) = admin
            .post(
                &format!("{card}/review"),
                json!({"version": 1, "rejected_hits": [5]}),
            )
            .await;
        assert_eq!(s, 422, "{b}");
        let (s, r) = admin
            .post(
                &format!("{card}/review"),
                json!({"version": 1, "rejected_hits": [0], "note": "context: a quote"}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(
            (
                r["status"].as_str(),
                r["passed"].as_bool(),
                r["total"].as_f64()
            ),
            (Some("reviewed"), Some(true), Some(100.0))
        );
        assert_eq!(r["hits"][0]["verdict"], "rejected");
        assert_eq!(r["critical_failed"], json!([]));
        // Reviewed again, confirmed after all, with a deduction by hand.
        let (s, r) = admin
            .post(
                &format!("{card}/review"),
                json!({"version": 2, "rejected_hits": [], "adjustment": -5}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(
            (r["passed"].as_bool(), r["total"].as_f64()),
            (Some(false), Some(45.0))
        );

        // The agent appeals; only they may, once; an admin other than them decides.
        let (s, b) = admin
            .post(
                &format!("{card}/appeal"),
                json!({"version": 3, "reason": "not mine"}),
            )
            .await;
        assert_eq!(s, 403, "{b}");
        let (s, b) = agent
            .post(
                &format!("{card}/appeal"),
                json!({"version": 3, "reason": "  "}),
            )
            .await;
        assert_eq!(s, 422, "{b}");
        let (s, r) = agent
            .post(
                &format!("{card}/appeal"),
                json!({"version": 3, "reason": "The customer asked me to say it back."}),
            )
            .await;
        assert_eq!((s, r["status"].as_str()), (200, Some("appealed")), "{r}");
        let (s, b) = agent
            .post(
                &format!("{card}/appeal"),
                json!({"version": 4, "reason": "again"}),
            )
            .await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (409, "already_appealed"),
            "{b}"
        );
        let (s, b) = admin
            .post(&format!("{card}/review"), json!({"version": 4}))
            .await;
        assert_eq!((s, error_code(&b).as_str()), (409, "qa_appealed"), "{b}");
        let (s, r) = admin
            .post(
                &format!("{card}/decide"),
                json!({"version": 4, "accept": true, "rejected_hits": [0], "adjustment": 0}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(
            (
                r["status"].as_str(),
                r["passed"].as_bool(),
                r["total"].as_f64()
            ),
            (Some("final"), Some(true), Some(100.0))
        );
        assert_eq!(r["review"]["decision"]["accepted"], true);
        // Final: nothing changes it any more.
        let (s, b) = admin
            .post(&format!("{card}/review"), json!({"version": 5}))
            .await;
        assert_eq!((s, error_code(&b).as_str()), (409, "qa_final"), "{b}");
        let (s, b) = agent
            .post(
                &format!("{card}/appeal"),
                json!({"version": 5, "reason": "x"}),
            )
            .await;
        assert_eq!((s, error_code(&b).as_str()), (409, "qa_final"), "{b}");
        let (_, got) = agent.get(&format!("{path}/qa")).await;
        assert_eq!(
            (got[0]["status"].as_str(), got[0]["version"].as_i64()),
            (Some("final"), Some(5))
        );
        let (_, audit) = admin.get("/api/v1/audit-log?limit=50").await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for a in ["qa_score.reviewed", "qa_score.appealed", "qa_score.decided"] {
            assert!(actions.contains(&a), "{a} audited: {actions:?}");
        }

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
        assert_eq!(theirs_settings["rules"], json!([]));
    }
);

both_backends!(
    sentiment_rules_read_the_customer_with_the_shipped_model,
    |app| {
        let t = app.tenant.clone();
        let admin = app.admin().await;
        let (v, conv) = conversation(&app, t.inbox_id).await;
        let angry = v.says("你们的服务太差了，我非常失望，再也不会买了").await;
        let angry_id = angry["message"]["id"].as_str().unwrap().to_string();
        v.says("谢谢，问题解决了").await;
        let rule = json!({"id": "upset", "name": "Upset customer", "type": "sentiment",
            "level": "negative"});
        let (s, p) = admin
            .post(
                "/api/v1/qa/preview",
                json!({"conversation_id": conv, "rules": [rule.clone()]}),
            )
            .await;
        assert_eq!(s, 200, "{p}");
        let hits = p["hits"].as_array().unwrap();
        assert_eq!(hits.len(), 1, "{p}");
        assert_eq!(hits[0]["message_id"], angry_id.as_str());
        assert!(
            hits[0]["detail"].as_str().unwrap().starts_with("negative"),
            "{p}"
        );
        // Saved like any rule; a bad threshold is refused with the rule named.
        let (s, b) = admin
            .put(
                "/api/v1/qa/settings",
                json!({"rules": [rule], "scorecards": []}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let bad = json!({"id": "upset", "name": "x", "type": "sentiment",
            "level": "negative", "min_probability": 0.1});
        let (s, b) = admin
            .put(
                "/api/v1/qa/settings",
                json!({"rules": [bad], "scorecards": []}),
            )
            .await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "invalid_qa_rule"),
            "{b}"
        );
    }
);
