//! Live QA alerts end to end: a live rule hit by a message reaches the
//! account's supervisors over the socket as `qa.alert` (never the agents,
//! never another account), once per rule and message; a customer left
//! waiting longer than a live `response_time` rule raises a silence alert
//! once per wait; the alerts list is the supervisors'.

use std::time::Duration;

use futures_util::StreamExt;
use kefu_core::model::Role;
use kefu_core::{ConversationId, Timestamp};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::both_backends;
use crate::conversations::{conversation, member_client, new_member, pat};
use crate::support::{TestApp, error_code};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

/// A member's socket, read up to its `ready` frame.
async fn socket(app: &TestApp, token: &str) -> Ws {
    let (mut ws, res) =
        tokio_tungstenite::connect_async(app.ws_url(&format!("/api/v1/ws?token={token}")))
            .await
            .expect("connect");
    assert_eq!(res.status(), 101);
    until(&mut ws, "ready", |v| v["type"] == "ready").await;
    ws
}

/// The next JSON frame, `None` after `wait`.
async fn frame(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await.ok()? {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => panic!("socket closed"),
            Some(Ok(_)) => continue,
        }
    }
}

/// Every frame up to the one that matches (which is last); panics after
/// [`WAIT`].
async fn until(ws: &mut Ws, what: &str, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = vec![];
    loop {
        let f = frame(ws, WAIT)
            .await
            .unwrap_or_else(|| panic!("no {what} within {WAIT:?}; got {seen:?}"));
        let done = pred(&f);
        seen.push(f);
        if done {
            return seen;
        }
    }
}

fn is_alert(f: &Value) -> bool {
    f["type"] == "event" && f["event"]["type"] == "qa.alert"
}

fn is_message(f: &Value, text: &str) -> bool {
    f["type"] == "event"
        && f["event"]["type"] == "message.created"
        && f["event"]["data"]["message"]["content"]["text"] == text
}

fn live_rules() -> Value {
    json!({
        "rules": [
            {"id": "rude", "name": "禁语 / rude", "type": "forbidden", "live": true,
             "words": ["calm down", "滚"]},
            {"id": "greeting", "name": "Greeting", "type": "greeting", "phrases": ["您好", "hello"]}
        ],
        "scorecards": []
    })
}

both_backends!(a_live_forbidden_word_alerts_the_supervisors_once, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    // `live` on a rule that reads the whole conversation is refused.
    let mut bad = live_rules();
    bad["rules"][1]["live"] = json!(true);
    let (s, b) = admin.put("/api/v1/qa/settings", bad).await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "invalid_qa_rule"),
        "{b}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`greeting`"),
        "{b}"
    );
    let (s, b) = admin.put("/api/v1/qa/settings", live_rules()).await;
    assert_eq!(s, 200, "{b}");
    let (_, stored) = admin.get("/api/v1/qa/settings").await;
    assert_eq!(stored["rules"][0]["live"], true);
    assert!(stored["rules"][1].get("live").is_none(), "{stored}");

    let sup = new_member(&app, &t, Role::Supervisor).await;
    let sup_http = member_client(&app, t.account_id, sup).await;
    let mut sup_ws = socket(&app, &pat(&app, t.account_id, sup).await).await;
    let mut agent_ws = socket(&app, &pat(&app, t.account_id, t.agent_id).await).await;
    // Another account, with the same live rules, sees nothing of this one.
    let other = app.new_tenant("Other").await;
    let other_admin = member_client(&app, other.account_id, other.admin_id).await;
    let (s, _) = other_admin.put("/api/v1/qa/settings", live_rules()).await;
    assert_eq!(s, 200);
    let mut other_ws = socket(&app, &pat(&app, other.account_id, other.admin_id).await).await;

    let (_, conv) = conversation(&app, t.inbox_id).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let text = "Hello! Please calm down, I am on it.";
    let (s, b) = agent
        .post(&path, json!({"text": text, "client_id": "m-1"}))
        .await;
    assert_eq!(s, 201, "{b}");
    let message_id = b["message"]["id"].as_str().unwrap().to_string();
    let started = tokio::time::Instant::now();
    let frames = until(&mut sup_ws, "qa.alert", is_alert).await;
    assert!(started.elapsed() < Duration::from_secs(5), "slow alert");
    let alert = &frames.last().unwrap()["event"];
    assert_eq!(alert["conversation_id"], json!(conv));
    let d = &alert["data"];
    assert_eq!(
        (
            d["rule_id"].as_str(),
            d["rule_name"].as_str(),
            d["reason"].as_str(),
            d["message_id"].as_str(),
            d["speaker"].as_str()
        ),
        (
            Some("rude"),
            Some("禁语 / rude"),
            Some("rule"),
            Some(message_id.as_str()),
            Some("agent")
        ),
        "{d}"
    );
    assert_eq!(
        (d["start"].as_u64(), d["end"].as_u64()),
        (Some(14), Some(23)),
        "{d}"
    );
    assert_eq!(d["excerpt"], text);

    // The same message delivered again (same client id) alerts no more, and
    // a clean message does not alert.
    let (s, b) = agent
        .post(&path, json!({"text": text, "client_id": "m-1"}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["message"]["id"], json!(message_id));
    let (s, _) = agent
        .post(&path, json!({"text": "All sorted, thanks."}))
        .await;
    assert_eq!(s, 201);
    let frames = until(&mut sup_ws, "the clean message", |f| {
        is_message(f, "All sorted, thanks.")
    })
    .await;
    assert!(!frames.iter().any(is_alert), "{frames:?}");
    // A second message with the word is a second alert.
    let (s, _) = agent.post(&path, json!({"text": "滚"})).await;
    assert_eq!(s, 201);
    let frames = until(&mut sup_ws, "second qa.alert", is_alert).await;
    let d = &frames.last().unwrap()["event"]["data"];
    assert_eq!(
        (
            d["excerpt"].as_str(),
            d["start"].as_u64(),
            d["end"].as_u64()
        ),
        (Some("滚"), Some(0), Some(1))
    );

    // The agent saw every message live, and no alert.
    let frames = until(&mut agent_ws, "the last message", |f| is_message(f, "滚")).await;
    assert!(!frames.iter().any(is_alert), "{frames:?}");
    // Nor does the agent read them through the event endpoints.
    let (_, events) = agent
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert!(
        !events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "qa.alert"),
        "{events}"
    );
    let (_, events) = agent.get("/api/v1/events?limit=200").await;
    assert!(
        !events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "qa.alert")
    );
    let (_, events) = admin
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert_eq!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "qa.alert")
            .count(),
        2,
        "{events}"
    );
    // The other account's admin: nothing, live or listed.
    while let Some(f) = frame(&mut other_ws, Duration::from_millis(500)).await {
        assert!(!is_alert(&f), "{f}");
    }

    // The list: supervisors and admins, newest first; agents are refused.
    let (s, b) = agent.get("/api/v1/qa/alerts").await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    let (s, list) = sup_http.get("/api/v1/qa/alerts").await;
    assert_eq!(s, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(items[0]["excerpt"], "滚");
    assert_eq!(items[1]["message_id"], json!(message_id));
    assert_eq!(items[1]["conversation_id"], json!(conv));
    let (s, page) = sup_http.get("/api/v1/qa/alerts?limit=1").await;
    assert_eq!(s, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (_, rest) = sup_http
        .get(&format!("/api/v1/qa/alerts?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(rest["items"][0]["message_id"], json!(message_id));
    let (s, b) = sup_http.get("/api/v1/qa/alerts?cursor=nonsense").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    let (_, theirs) = other_admin.get("/api/v1/qa/alerts").await;
    assert_eq!(theirs["items"], json!([]));
});

both_backends!(a_customer_left_waiting_raises_one_silence_alert, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (s, b) = admin
        .put(
            "/api/v1/qa/settings",
            json!({"rules": [
                {"id": "silent", "name": "Silence", "type": "response_time", "live": true,
                 "metric": "any_gap", "over_s": 1}
            ], "scorecards": []}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let mut admin_ws = socket(&app, &pat(&app, t.account_id, t.admin_id).await).await;

    let (v, conv) = conversation(&app, t.inbox_id).await;
    let conv_id: ConversationId = conv.parse().unwrap();
    // The customer's message, with people, schedules one silence check.
    let deadline = tokio::time::Instant::now() + WAIT;
    while app
        .store
        .count_jobs(kefu_http::qa_alerts::SILENCE_JOB)
        .await
        .unwrap()
        .0
        != 1
    {
        assert!(tokio::time::Instant::now() < deadline, "no qa.silence job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Before the limit the check finds nothing yet and sleeps until it.
    let early =
        kefu_http::qa_alerts::check_silence(&*app.store, t.account_id, conv_id, Timestamp::now())
            .await
            .unwrap();
    assert!(early.alerted.is_empty(), "{early:?}");
    assert!(early.next_due.is_some(), "{early:?}");
    // What the job does once the agent has stayed silent past the limit.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late =
        kefu_http::qa_alerts::check_silence(&*app.store, t.account_id, conv_id, Timestamp::now())
            .await
            .unwrap();
    assert_eq!(late.alerted, vec!["silent".to_string()]);
    assert_eq!(late.next_due, None);
    let frames = until(&mut admin_ws, "silence alert", is_alert).await;
    let d = &frames.last().unwrap()["event"]["data"];
    assert_eq!(
        (
            d["reason"].as_str(),
            d["rule_id"].as_str(),
            d["speaker"].as_str()
        ),
        (Some("silence"), Some("silent"), Some("customer")),
        "{d}"
    );
    assert_eq!(d["excerpt"], "hello");
    // The same wait alerts once, however often it is checked.
    let again =
        kefu_http::qa_alerts::check_silence(&*app.store, t.account_id, conv_id, Timestamp::now())
            .await
            .unwrap();
    assert!(again.alerted.is_empty(), "{again:?}");

    // Answered in time: the customer writes again, the agent answers, and
    // no check (even well past the limit) alerts.
    let path = format!("/api/v1/conversations/{conv}/messages");
    let (s, _) = agent.post(&path, json!({"text": "Sorry, here now."})).await;
    assert_eq!(s, 201);
    v.says("ok, my order?").await;
    let (s, _) = agent.post(&path, json!({"text": "Shipped today."})).await;
    assert_eq!(s, 201);
    let later = Timestamp::now().plus_millis(60_000);
    let answered = kefu_http::qa_alerts::check_silence(&*app.store, t.account_id, conv_id, later)
        .await
        .unwrap();
    assert_eq!(answered, Default::default());
    let (_, list) = admin.get("/api/v1/qa/alerts").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["reason"], "silence");

    // A resolved conversation is not waited on.
    v.says("one more thing").await;
    let (s, _) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200);
    let resolved = kefu_http::qa_alerts::check_silence(&*app.store, t.account_id, conv_id, later)
        .await
        .unwrap();
    assert_eq!(resolved, Default::default());
});

both_backends!(
    a_live_sentiment_rule_alerts_when_the_customer_turns_upset,
    |app| {
        let t = app.tenant.clone();
        let admin = app.admin().await;
        let (s, b) = admin
            .put(
                "/api/v1/qa/settings",
                json!({"rules": [{"id": "upset", "name": "Customer upset", "type": "sentiment",
                "level": "strongly_negative", "live": true}], "scorecards": []}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let sup = new_member(&app, &t, Role::Supervisor).await;
        let mut sup_ws = socket(&app, &pat(&app, t.account_id, sup).await).await;
        let (v, conv) = conversation(&app, t.inbox_id).await;
        // A plain question: no alert, only the message.
        let calm = "我的包裹到哪里了？";
        v.says(calm).await;
        let frames = until(&mut sup_ws, "the calm message", |f| is_message(f, calm)).await;
        assert!(!frames.iter().any(is_alert), "{frames:?}");
        let angry = v.says("垃圾服务，骗子，太恶心了，我要投诉你们").await;
        let frames = until(&mut sup_ws, "qa.alert", is_alert).await;
        let d = &frames.last().unwrap()["event"]["data"];
        assert_eq!(
            frames.last().unwrap()["event"]["conversation_id"],
            json!(conv)
        );
        assert_eq!(
            (
                d["rule_id"].as_str(),
                d["speaker"].as_str(),
                d["message_id"].as_str()
            ),
            (
                Some("upset"),
                Some("customer"),
                angry["message"]["id"].as_str()
            ),
            "{d}"
        );
    }
);
