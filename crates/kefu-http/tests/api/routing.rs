//! Routing over the API on both backends: a handed-off conversation joins
//! its queue, waiting customers see their place move live, the most urgent
//! and then the longest-waiting goes first, an agent at capacity gets
//! nothing until a slot frees, skills route with relaxation, and a transfer
//! keeps the history.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::both_backends;
use crate::conversations::{VisitorFixture, conversation};
use crate::support::{Client, PASSWORD, TestApp, error_code};

const WAIT: Duration = Duration::from_secs(10);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn status_of(agent: &Client, conv: &str) -> Value {
    let (s, c) = agent.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(s, 200, "{c}");
    c
}

/// Polls until the conversation reaches `status`; returns it.
async fn until_status(agent: &Client, conv: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let c = status_of(agent, conv).await;
        if c["status"] == status {
            return c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{conv} never became {status}: {c}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn position(v: &VisitorFixture) -> Value {
    let (s, c) = v.client.get("/api/v1/widget/conversation").await;
    assert_eq!(s, 200, "{c}");
    c["queue_position"].clone()
}

async fn visitor_socket(app: &TestApp, v: &VisitorFixture) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(
        app.ws_url(&format!("/api/v1/widget/ws?token={}", v.token)),
    )
    .await
    .unwrap();
    ws
}

/// The next `queue_status` frame on a visitor's socket.
async fn next_queue_status(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("a queue_status frame in time")
            .expect("socket open")
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == "queue_status" {
                return v;
            }
        }
    }
}

/// Waits for a `queue_status` frame with this position (earlier ones, sent
/// while the queue settled, are skipped).
async fn sees_position(ws: &mut Ws, want: i64) -> Value {
    loop {
        let f = next_queue_status(ws).await;
        if f["position"] == want {
            return f;
        }
    }
}

async fn set_capacity(admin: &Client, user: impl std::fmt::Display, capacity: i32) {
    let (s, b) = admin
        .patch(
            &format!("/api/v1/users/{user}"),
            json!({"capacity": capacity}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn go_online(agent: &Client) {
    let (s, b) = agent
        .put(
            "/api/v1/users/me/availability",
            json!({"availability": "online"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn resolve(agent: &Client, conv: &str) {
    let (s, b) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
}

both_backends!(queue_moves_live_and_capacity_holds, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    set_capacity(&admin, t.agent_id, 1).await;

    // Nobody is online: three customers wait in order.
    let (_v1, c1) = conversation(&app, t.inbox_id).await;
    let (v2, c2) = conversation(&app, t.inbox_id).await;
    let (v3, c3) = conversation(&app, t.inbox_id).await;
    assert_eq!(position(&v3).await, 3);
    let mut third = visitor_socket(&app, &v3).await;
    let mut second = visitor_socket(&app, &v2).await;

    // The agent comes online: the head of the queue is theirs at once, and
    // the customers behind move up, told live.
    go_online(&agent).await;
    let got = until_status(&agent, &c1, "assigned").await;
    assert_eq!(got["assignee_id"], t.agent_id.to_string());
    let f = sees_position(&mut third, 2).await;
    // Two handle times ahead of them at the six-minute prior, one agent.
    assert_eq!(f["estimated_wait_s"].as_i64(), Some(720), "{f}");
    sees_position(&mut second, 1).await;
    assert_eq!(position(&v3).await, 2);

    // At capacity (1): nothing more, however long they wait.
    tokio::time::sleep(crate_sweep() + Duration::from_millis(500)).await;
    assert_eq!(status_of(&agent, &c2).await["status"], "queued");
    assert_eq!(status_of(&agent, &c3).await["status"], "queued");
    // Nor can a supervisor push one more onto them.
    let (s, b) = admin
        .post(
            &format!("/api/v1/conversations/{c3}/assign"),
            json!({"assignee_id": t.agent_id}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (409, "agent_at_capacity"),
        "{b}"
    );
    // Nor transfer one to them: refused whole, no notice written.
    let (s, b) = admin
        .post(
            &format!("/api/v1/conversations/{c3}/transfer"),
            json!({"agent_id": t.agent_id, "note": "please take this"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (409, "agent_at_capacity"),
        "{b}"
    );
    assert_eq!(status_of(&agent, &c3).await["status"], "queued");
    let (_, msgs) = admin
        .get(&format!("/api/v1/conversations/{c3}/messages?limit=50"))
        .await;
    assert!(
        msgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["content"]["code"] != "conversation_transferred"
                && m["content"]["text"] != "please take this"),
        "{msgs}"
    );

    // A slot frees: the next in line is offered at once.
    resolve(&agent, &c1).await;
    until_status(&agent, &c2, "assigned").await;
    // The estimate learned from that conversation, handled in seconds: the
    // next handle time is expected shorter than the prior.
    let f = sees_position(&mut third, 1).await;
    let wait = f["estimated_wait_s"].as_i64().unwrap();
    assert!((1..360).contains(&wait), "{f}");
    assert_eq!(status_of(&agent, &c3).await["status"], "queued");
});

/// The sweep interval of the routing service.
fn crate_sweep() -> Duration {
    kefu_http::routing::SWEEP_EVERY
}

both_backends!(most_urgent_first_then_longest_waiting, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    set_capacity(&admin, t.agent_id, 1).await;
    let (_a, first) = conversation(&app, t.inbox_id).await;
    let (_b, second) = conversation(&app, t.inbox_id).await;
    let (vc, urgent) = conversation(&app, t.inbox_id).await;
    assert_eq!(position(&vc).await, 3);
    let (s, b) = agent
        .patch(
            &format!("/api/v1/conversations/{urgent}"),
            json!({"priority": "urgent"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(position(&vc).await, 1, "urgent jumps the line");

    go_online(&agent).await;
    until_status(&agent, &urgent, "assigned").await;
    resolve(&agent, &urgent).await;
    until_status(&agent, &first, "assigned").await;
    assert_eq!(status_of(&agent, &second).await["status"], "queued");
    resolve(&agent, &first).await;
    until_status(&agent, &second, "assigned").await;
});

both_backends!(skills_route_first_and_relax_after_the_wait, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let generalist = app.agent().await;
    // A specialist: billing at level 3.
    let email = format!("specialist-{}@example.com", uuid::Uuid::now_v7().simple());
    let (s, b) = admin
        .post(
            "/api/v1/users",
            json!({"email": email, "name": "Specialist", "password": PASSWORD,
                   "role": "agent", "skills": ["billing:3"], "capacity": 1}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["skills"], json!(["billing:3"]));
    let specialist_id = b["user_id"].as_str().unwrap().to_string();
    let (s, b) = admin
        .put(
            &format!("/api/v1/inboxes/{}/members/{specialist_id}", t.inbox_id),
            json!({}),
        )
        .await;
    assert!(s == 200 || s == 204, "{s} {b}");
    let specialist = app.login(&email).await;
    let (s, b) = admin
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"settings": {"routing": {"policy": "skills", "relax_after_s": 3,
                "skill_rules": [{"label": "refund", "skill": "billing", "min_level": 2}]}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // A bad policy is refused and changes nothing.
    let (s, b) = admin
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"settings": {"routing": {"policy": "lottery"}}}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );

    // Two refund questions wait while nobody is online.
    let (_x, x) = conversation(&app, t.inbox_id).await;
    let (_y, y) = conversation(&app, t.inbox_id).await;
    for c in [&x, &y] {
        let (s, b) = admin
            .patch(
                &format!("/api/v1/conversations/{c}"),
                json!({"labels": ["refund"]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    // The generalist is online first, the specialist next: the first refund
    // goes to the specialist, though the generalist was there first.
    go_online(&generalist).await;
    go_online(&specialist).await;
    let got = until_status(&admin, &x, "assigned").await;
    assert_eq!(got["assignee_id"], specialist_id);
    // The specialist is full (capacity 1): the second waits for the skill
    // until the relaxation delay, then any agent may take it.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let waiting = status_of(&admin, &y).await;
    assert_eq!(waiting["status"], "queued", "{waiting}");
    let got = until_status(&admin, &y, "assigned").await;
    assert_eq!(got["assignee_id"], t.agent_id.to_string());
});

both_backends!(
    transfer_to_a_team_keeps_history_and_tells_the_customer,
    |app| {
        let t = app.tenant.clone();
        let admin = app.admin().await;
        let agent = app.agent().await;
        let (v, conv) = conversation(&app, t.inbox_id).await;
        let (s, b) = agent
            .post(
                &format!("/api/v1/conversations/{conv}/assign"),
                json!({"assignee_id": t.agent_id}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, team) = admin
            .post("/api/v1/teams", json!({"name": "Billing"}))
            .await;
        assert_eq!(s, 201, "{team}");
        let team_id = team["id"].as_str().unwrap();

        // Another tenant's team is not a target.
        let other = app.new_tenant("Other").await;
        let other_admin = app.login(&other.admin_email).await;
        let (_, their_team) = other_admin
            .post("/api/v1/teams", json!({"name": "Theirs"}))
            .await;
        let (s, b) = agent
            .post(
                &format!("/api/v1/conversations/{conv}/transfer"),
                json!({"team_id": their_team["id"]}),
            )
            .await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "validation_failed"),
            "{b}"
        );
        assert_eq!(
            status_of(&agent, &conv).await["assignee_id"],
            t.agent_id.to_string()
        );

        let (s, b) = agent
            .post(
                &format!("/api/v1/conversations/{conv}/transfer"),
                json!({"team_id": team_id, "note": "needs a refund over the limit"}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["status"], "queued");
        assert_eq!(b["team_id"], team_id);
        assert!(b["assignee_id"].is_null());
        assert!(b["queued_at"].as_i64().is_some());

        // The history stays; the customer is told; the note is for agents only.
        let (_, msgs) = agent
            .get(&format!("/api/v1/conversations/{conv}/messages?limit=50"))
            .await;
        let items = msgs["items"].as_array().unwrap();
        assert_eq!(items[0]["content"]["text"], "hello");
        assert!(
            items
                .iter()
                .any(|m| m["content"]["code"] == "conversation_transferred")
        );
        assert!(items.iter().any(|m| m["visibility"] == "internal"
            && m["content"]["text"] == "needs a refund over the limit"));
        let (_, seen) = v.client.get("/api/v1/widget/messages?limit=50").await;
        let seen = seen["items"].as_array().unwrap();
        assert!(
            seen.iter()
                .any(|m| m["content"]["code"] == "conversation_transferred")
        );
        assert!(
            !seen
                .iter()
                .any(|m| m["content"]["text"] == "needs a refund over the limit")
        );

        // Routing offers it to the team's agents who can see the inbox.
        let (s, b) = admin
            .put(
                &format!("/api/v1/teams/{team_id}/members/{}", t.agent_id),
                json!({}),
            )
            .await;
        assert!(s == 200 || s == 204, "{s} {b}");
        go_online(&agent).await;
        let got = until_status(&agent, &conv, "assigned").await;
        assert_eq!(got["assignee_id"], t.agent_id.to_string());
    }
);

both_backends!(bad_assignments_are_refused_whole, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (_v, conv) = conversation(&app, t.inbox_id).await;
    let before = status_of(&agent, &conv).await;
    // An unknown agent.
    let (s, b) = admin
        .post(
            &format!("/api/v1/conversations/{conv}/assign"),
            json!({"assignee_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    // Another tenant's agent.
    let other = app.new_tenant("Other").await;
    let (s, b) = admin
        .post(
            &format!("/api/v1/conversations/{conv}/assign"),
            json!({"assignee_id": other.agent_id}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    // Another tenant cannot reach the conversation at all.
    let other_admin = app.login(&other.admin_email).await;
    let (s, _) = other_admin
        .post(
            &format!("/api/v1/conversations/{conv}/assign"),
            json!({"assignee_id": other.agent_id}),
        )
        .await;
    assert_eq!(s, 404);
    // A closed conversation.
    resolve(&agent, &conv).await;
    let (s, b) = admin
        .post(
            &format!("/api/v1/conversations/{conv}/assign"),
            json!({"assignee_id": t.agent_id}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (409, "conversation_resolved"),
        "{b}"
    );
    let after = status_of(&agent, &conv).await;
    assert_eq!(after["status"], "resolved");
    assert!(after["assignee_id"].is_null());
    assert!(after["version"].as_i64() > before["version"].as_i64());
    // Bad skills and channel capacities for a member.
    for bad in [
        json!({"skills": ["billing:9"]}),
        json!({"skills": ["billing", "billing:2"]}),
        json!({"channel_capacity": {"web_widget": -1}}),
        json!({"channel_capacity": {"pigeon": 1}}),
    ] {
        let (s, b) = admin
            .patch(&format!("/api/v1/users/{}", t.agent_id), bad.clone())
            .await;
        assert_eq!(s, 422, "{bad}: {b}");
    }
});

both_backends!(
    a_customer_who_leaves_the_queue_is_recorded_as_abandoned,
    |app| {
        let t = app.tenant.clone();
        let agent = app.agent().await;
        let (v, conv) = conversation(&app, t.inbox_id).await;
        let (v2, _) = conversation(&app, t.inbox_id).await;
        assert_eq!(position(&v2).await, 2);
        let (s, b) = v.client.post("/api/v1/widget/leave", json!({})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["status"], "resolved");
        // The one behind moves up; the log says why the first one closed.
        assert_eq!(position(&v2).await, 1);
        let (_, events) = agent
            .get(&format!("/api/v1/conversations/{conv}/events"))
            .await;
        let kinds: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["type"].as_str())
            .collect();
        assert!(kinds.contains(&"conversation.abandoned"), "{kinds:?}");
        // Leaving twice, or leaving a conversation with an agent, is refused.
        let (s, b) = v.client.post("/api/v1/widget/leave", json!({})).await;
        assert_eq!((s, error_code(&b).as_str()), (409, "not_queued"), "{b}");
        // Nobody is routed an abandoned conversation.
        go_online(&agent).await;
        tokio::time::sleep(crate_sweep() + Duration::from_millis(500)).await;
        let c = status_of(&agent, &conv).await;
        assert_eq!(
            (c["status"].as_str(), c["assignee_id"].is_null()),
            (Some("resolved"), true)
        );
    }
);

both_backends!(supervisors_see_queues_and_load, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (s, b) = agent.get("/api/v1/queues").await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    let (_a, first) = conversation(&app, t.inbox_id).await;
    let (_b, _) = conversation(&app, t.inbox_id).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (s, o) = admin.get("/api/v1/queues").await;
    assert_eq!(s, 200, "{o}");
    let q = &o["queues"][0];
    assert_eq!(q["inbox_id"], t.inbox_id.to_string());
    assert_eq!(q["waiting"], 2);
    assert!(q["longest_wait_ms"].as_i64().unwrap() >= 20, "{q}");
    assert_eq!(q["by_priority"]["normal"], 2);
    assert_eq!(q["agents_online"], 0);
    let me = o["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == t.agent_id.to_string())
        .cloned()
        .unwrap();
    assert_eq!(
        (me["availability"].as_str(), me["open_total"].as_u64()),
        (Some("offline"), Some(0))
    );
    // A supervisor takes one over: the load shows it.
    let (s, b) = admin
        .post(
            &format!("/api/v1/conversations/{first}/assign"),
            json!({"assignee_id": t.agent_id}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, o) = admin.get("/api/v1/queues").await;
    assert_eq!(o["queues"][0]["waiting"], 1);
    let me = o["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == t.agent_id.to_string())
        .cloned()
        .unwrap();
    assert_eq!(me["open"]["web_widget"], 1);
    // Another tenant's supervisor sees none of it.
    let other = app.new_tenant("Other").await;
    let theirs = app.login(&other.admin_email).await;
    let (_, o) = theirs.get("/api/v1/queues").await;
    assert_eq!(o["queues"], json!([]));
});

both_backends!(outside_business_hours_customers_are_told_and_wait, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    // Open one hour a week, three days from now (UTC): closed now.
    let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .weekday();
    let open_day = day[(today.to_monday_zero_offset() as usize + 3) % 7];
    let (s, b) = admin
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"settings": {
                "business_hours": {"time_zone": "UTC", "weekly": {open_day: [["09:00", "10:00"]]}},
                "outside_hours_message": "Closed! Back {{opens_at}}."}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = admin
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"settings": {"outside_hours_message": 42}}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    tokio::time::sleep(Duration::from_millis(2100)).await; // the inbox cache
    go_online(&agent).await;
    let (v, conv) = conversation(&app, t.inbox_id).await;
    // The customer is told when the inbox opens, once.
    let deadline = tokio::time::Instant::now() + WAIT;
    let notice = loop {
        let (_, m) = v.client.get("/api/v1/widget/messages?limit=50").await;
        let found: Vec<Value> = m["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["content"]["code"] == "outside_business_hours")
            .cloned()
            .collect();
        if !found.is_empty() {
            break found;
        }
        assert!(tokio::time::Instant::now() < deadline, "no notice");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(notice.len(), 1);
    let text = notice[0]["content"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Closed! Back ") && text.contains("09:00 (UTC)"),
        "{text}"
    );
    // An agent online outside the hours is offered nothing.
    tokio::time::sleep(crate_sweep() + Duration::from_millis(500)).await;
    assert_eq!(status_of(&agent, &conv).await["status"], "queued");
    // Once the inbox is open (here: no hours, always open) it is served.
    let (s, b) = admin
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"settings": {}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    until_status(&agent, &conv, "assigned").await;
});
