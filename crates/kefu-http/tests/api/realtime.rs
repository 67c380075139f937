//! The sockets, end to end with a real WebSocket client: live delivery both
//! ways, typing, privacy of notes, slow consumers, caps, shutdown, and
//! resuming from a cursor without gaps or duplicates under concurrent writes.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use kefu_core::event::{EventType, StreamCursor};
use kefu_core::model::Sender;
use kefu_core::{ConversationId, UserId};
use kefu_http::HttpConfig;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::both_backends;
use crate::conversations::{conversation, pat, visitor};
use crate::support::{PASSWORD, TestApp, error_code};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug)]
enum Frame {
    Json(Value),
    Closed(Option<u16>),
}

async fn connect(app: &TestApp, path: &str) -> Ws {
    let (ws, res) = tokio_tungstenite::connect_async(app.ws_url(path))
        .await
        .unwrap_or_else(|e| panic!("connect {path}: {e}"));
    assert_eq!(res.status(), 101);
    ws
}

/// The HTTP status a refused handshake got.
async fn refused(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut req = app.ws_url(path).into_client_request().unwrap();
    for (k, v) in headers {
        let name =
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap();
        req.headers_mut().insert(name, v.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => res.status().as_u16(),
        Err(e) => panic!("{path}: {e}"),
    }
}

/// The next text or close frame; `None` on timeout.
async fn next(ws: &mut Ws, wait: Duration) -> Option<Frame> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        match msg {
            Some(Ok(Message::Text(t))) => {
                return Some(Frame::Json(serde_json::from_str(t.as_str()).unwrap()));
            }
            Some(Ok(Message::Close(c))) => {
                return Some(Frame::Closed(c.map(|c| u16::from(c.code))));
            }
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return Some(Frame::Closed(None)),
        }
    }
}

/// Reads until a JSON frame matches; panics after `wait`.
async fn expect(ws: &mut Ws, what: &str, wait: Duration, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        match next(ws, wait).await {
            Some(Frame::Json(v)) if pred(&v) => return v,
            Some(Frame::Json(_)) => continue,
            other => panic!("waiting for {what}: got {other:?}"),
        }
    }
}

fn is_message(v: &Value, text: &str) -> bool {
    v["type"] == "event"
        && v["event"]["type"] == "message.created"
        && v["event"]["data"]["message"]["content"]["text"] == text
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

const WAIT: Duration = Duration::from_secs(10);

both_backends!(visitor_and_agent_talk_live, |app| {
    let t = app.tenant.clone();
    let agent_http = app.agent().await;
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let token = pat(&app, t.account_id, t.agent_id).await;
    let mut agent = connect(&app, &format!("/api/v1/ws?token={token}")).await;
    let ready = expect(&mut agent, "ready", WAIT, |v| v["type"] == "ready").await;
    assert!(
        ready["cursor"]
            .as_str()
            .unwrap()
            .parse::<StreamCursor>()
            .is_ok(),
        "{ready}"
    );

    // Visitor writes; the agent sees it live.
    let posted = v.says("is anyone there?").await;
    let frame = expect(&mut agent, "visitor message", WAIT, |f| {
        is_message(f, "is anyone there?")
    })
    .await;
    assert_eq!(frame["event"]["conversation_id"], json!(conv));
    assert!(
        frame["cursor"]
            .as_str()
            .unwrap()
            .parse::<StreamCursor>()
            .is_ok()
    );

    // The visitor's socket, resuming after what they already have.
    let seq = posted["message"]["seq"].as_i64().unwrap();
    let mut widget = connect(
        &app,
        &format!("/api/v1/widget/ws?token={}&after_seq={seq}", v.token),
    )
    .await;
    let ready = expect(&mut widget, "ready", WAIT, |f| f["type"] == "ready").await;
    assert!(ready["cursor"].as_i64().unwrap() >= seq);

    // The agent replies; the visitor sees it live, without internals.
    let path = format!("/api/v1/conversations/{conv}/messages");
    let (s, _) = agent_http
        .post(
            &path,
            json!({"text": "Hi, I'm here", "client_id": "agent-key"}),
        )
        .await;
    assert_eq!(s, 201);
    let frame = expect(&mut widget, "agent reply", WAIT, |f| {
        is_message(f, "Hi, I'm here")
    })
    .await;
    let m = &frame["event"]["data"]["message"];
    // The customer sees who answered by name, never by id.
    let agent_name = app
        .store
        .get_member(t.account_id, t.agent_id)
        .await
        .unwrap()
        .name;
    assert_eq!(
        m["sender"],
        json!({"kind": "agent", "name": agent_name}),
        "{frame}"
    );
    let (_, history) = v.client.get("/api/v1/widget/messages").await;
    let reply = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"]["text"] == "Hi, I'm here")
        .cloned()
        .unwrap();
    assert_eq!(
        reply["sender"],
        json!({"kind": "agent", "name": agent_name})
    );
    // A resuming socket replays the reply from the database, named the same.
    let mut replayed = connect(
        &app,
        &format!("/api/v1/widget/ws?token={}&after_seq={seq}", v.token),
    )
    .await;
    let again = expect(&mut replayed, "replayed reply", WAIT, |f| {
        is_message(f, "Hi, I'm here")
    })
    .await;
    assert_eq!(again["event"]["data"]["message"]["sender"], m["sender"]);
    for hidden in ["client_id", "account_id", "inbox_id", "external_id"] {
        assert!(m.get(hidden).is_none(), "{hidden} leaked: {frame}");
    }
    assert!(frame["event"]["actor"].get("id").is_none());
    assert!(frame["seq"].as_i64().unwrap() > seq);

    // Typing, both ways, over the sockets and over HTTP.
    send(
        &mut agent,
        json!({"type": "typing", "conversation_id": conv, "typing": true}),
    )
    .await;
    let f = expect(&mut widget, "agent typing", WAIT, |f| f["type"] == "typing").await;
    assert_eq!(
        (f["participant"]["kind"].as_str(), f["typing"].as_bool()),
        (Some("agent"), Some(true))
    );
    send(&mut widget, json!({"type": "typing", "typing": true})).await;
    let f = expect(&mut agent, "visitor typing", WAIT, |f| {
        f["type"] == "typing" && f["participant"]["kind"] == "contact"
    })
    .await;
    assert_eq!(f["conversation_id"], json!(conv));
    assert!(
        f["participant"]["id"].is_null(),
        "visitors' ids are not broadcast"
    );
    let (s, _) = v
        .client
        .post("/api/v1/widget/typing", json!({"typing": false}))
        .await;
    assert_eq!(s, 204);
    let f = expect(&mut agent, "visitor stopped typing", WAIT, |f| {
        f["type"] == "typing" && f["typing"] == false
    })
    .await;
    assert_eq!(f["participant"]["kind"], "contact");
    let (s, _) = agent_http
        .post(
            &format!("/api/v1/conversations/{conv}/typing"),
            json!({"typing": false}),
        )
        .await;
    assert_eq!(s, 204);
    expect(&mut widget, "agent stopped typing", WAIT, |f| {
        f["type"] == "typing" && f["typing"] == false
    })
    .await;

    // Pings, and frames the server does not understand.
    send(&mut agent, json!({"type": "ping"})).await;
    expect(&mut agent, "pong", WAIT, |f| f["type"] == "pong").await;
    send(&mut widget, json!({"type": "ping"})).await;
    expect(&mut widget, "pong", WAIT, |f| f["type"] == "pong").await;
    send(
        &mut agent,
        json!({"type": "typing", "conversation_id": ConversationId::new(), "typing": true}),
    )
    .await;
    let f = expect(&mut agent, "error", WAIT, |f| f["type"] == "error").await;
    assert_eq!(f["code"], "not_found");
    send(&mut widget, json!({"type": "dance"})).await;
    let f = expect(&mut widget, "error", WAIT, |f| f["type"] == "error").await;
    assert_eq!(f["code"], "invalid_frame");

    // A note reaches agents, never the visitor.
    let (s, _) = agent_http
        .post(
            &path,
            json!({"text": "secret note", "visibility": "internal"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = agent_http
        .post(&path, json!({"text": "public again"}))
        .await;
    assert_eq!(s, 201);
    expect(&mut agent, "note", WAIT, |f| is_message(f, "secret note")).await;
    loop {
        match next(&mut widget, WAIT).await {
            Some(Frame::Json(f)) => {
                assert!(!f.to_string().contains("secret note"), "note leaked: {f}");
                if is_message(&f, "public again") {
                    break;
                }
            }
            other => panic!("widget socket: {other:?}"),
        }
    }
    // A visitor replaying from the start still never gets it.
    let mut replay = connect(&app, &format!("/api/v1/widget/ws?token={}", v.token)).await;
    loop {
        match next(&mut replay, WAIT).await {
            Some(Frame::Json(f)) if f["type"] == "ready" => break,
            Some(Frame::Json(f)) => {
                assert!(!f.to_string().contains("secret note"));
                assert_ne!(
                    f["event"]["type"], "conversation.assigned",
                    "assignments are internal"
                );
            }
            other => panic!("replay: {other:?}"),
        }
    }

    // Typing is not in the event log.
    let (_, events) = agent_http
        .get(&format!("/api/v1/conversations/{conv}/events?limit=200"))
        .await;
    for e in events["items"].as_array().unwrap() {
        assert!(
            EventType::parse(e["type"].as_str().unwrap()).is_some(),
            "{e}"
        );
    }
    assert!(!events.to_string().contains("typing"));
});

both_backends!(sockets_are_authenticated_and_capped, |app| {
    let t = app.tenant.clone();
    assert_eq!(refused(&app, "/api/v1/ws", &[]).await, 401);
    assert_eq!(
        refused(&app, "/api/v1/ws?token=kefu_pat_wrong", &[]).await,
        401
    );
    let token = pat(&app, t.account_id, t.agent_id).await;
    assert_eq!(
        refused(&app, &format!("/api/v1/ws?token={token}&cursor=bogus"), &[]).await,
        400
    );
    let (s, b) = crate::support::Client::with_bearer(&app.base, &token)
        .get("/api/v1/ws")
        .await;
    assert_eq!((s, error_code(&b).as_str()), (426, "upgrade_required"));
    assert_eq!(
        refused(&app, "/api/v1/widget/ws?token=kefu_vis_x.y", &[]).await,
        401
    );
    // No conversation yet: connect after the first message.
    let v = visitor(&app, t.inbox_id).await;
    assert_eq!(
        refused(&app, &format!("/api/v1/widget/ws?token={}", v.token), &[]).await,
        404
    );
    v.says("now there is one").await;
    let mut ok = connect(&app, &format!("/api/v1/widget/ws?token={}", v.token)).await;
    expect(&mut ok, "ready", WAIT, |f| f["type"] == "ready").await;
    // Someone else's conversation cannot be followed.
    let (_, other_conv) = conversation(&app, t.inbox_id).await;
    assert_eq!(
        refused(
            &app,
            &format!(
                "/api/v1/widget/ws?token={}&conversation_id={other_conv}",
                v.token
            ),
            &[]
        )
        .await,
        404
    );

    // Session cookies only from our own origin (no cross-site hijacking).
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": t.agent_email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kefu_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_string();
    let own = format!("http://{}", app.addr);
    assert_eq!(
        refused(
            &app,
            "/api/v1/ws",
            &[("cookie", &cookie), ("origin", "https://evil.example")]
        )
        .await,
        403
    );
    assert_eq!(
        refused(&app, "/api/v1/ws", &[("cookie", &cookie), ("origin", &own)]).await,
        101
    );
    assert_eq!(
        refused(&app, "/api/v1/ws", &[("cookie", &cookie)]).await,
        101
    );

    // At most N visitor sockets per address.
    let capped = TestApp::spawn_with(
        app.backend,
        HttpConfig {
            max_visitor_sockets_per_ip: 2,
            public_rate_burst: 10_000,
            public_rate_per_second: 10_000.0,
            ..HttpConfig::default()
        },
    )
    .await
    .unwrap();
    let (cv, _) = conversation(&capped, capped.tenant.inbox_id).await;
    let path = format!("/api/v1/widget/ws?token={}", cv.token);
    let first = connect(&capped, &path).await;
    let _second = connect(&capped, &path).await;
    assert_eq!(refused(&capped, &path, &[]).await, 429);
    drop(first);
    // The slot comes back once the server has seen the socket close.
    let mut status = 0;
    for _ in 0..50 {
        status = refused(&capped, &path, &[]).await;
        if status == 101 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 101);
});

both_backends!(slow_consumers_are_disconnected, |app| {
    let t = app.tenant.clone();
    let (_, conv) = conversation(&app, t.inbox_id).await;
    let conv: ConversationId = conv.parse().unwrap();
    let token = pat(&app, t.account_id, t.agent_id).await;
    let mut ws = connect(&app, &format!("/api/v1/ws?token={token}")).await;
    expect(&mut ws, "ready", WAIT, |f| f["type"] == "ready").await;
    // The client stops reading while far more arrives than its queue holds.
    let typing = kefu_realtime::Ephemeral::typing(
        t.account_id,
        conv,
        t.inbox_id,
        Sender::agent(UserId::new()),
        true,
    );
    for _ in 0..20_000 {
        app.state.hub.publish_ephemeral(typing.clone());
    }
    let mut frames = 0;
    let code = loop {
        match next(&mut ws, WAIT).await {
            Some(Frame::Json(_)) => frames += 1,
            Some(Frame::Closed(code)) => break code,
            None => panic!("no close after {frames} frames"),
        }
    };
    assert_eq!(code, Some(4008), "after {frames} frames");
    assert!(frames < 20_000);
    // Reconnecting works.
    let mut ws = connect(&app, &format!("/api/v1/ws?token={token}")).await;
    expect(&mut ws, "ready", WAIT, |f| f["type"] == "ready").await;
});

both_backends!(shutdown_closes_sockets_with_going_away, |app| {
    let t = app.tenant.clone();
    let token = pat(&app, t.account_id, t.agent_id).await;
    let mut ws = connect(&app, &format!("/api/v1/ws?token={token}")).await;
    expect(&mut ws, "ready", WAIT, |f| f["type"] == "ready").await;
    // Dropping the app signals shutdown.
    drop(app);
    loop {
        match next(&mut ws, WAIT).await {
            Some(Frame::Json(_)) => continue,
            Some(Frame::Closed(code)) => {
                assert_eq!(code, Some(1001));
                break;
            }
            None => panic!("socket still open after shutdown"),
        }
    }
});

// THE reconnect test: concurrent writers, a reader that keeps dropping its
// socket and resuming from its last cursor. Every `message.created` in the
// database arrives exactly once.
both_backends!(
    reconnecting_reader_misses_nothing_and_sees_nothing_twice,
    |app| {
        const WRITERS: usize = 8;
        const PER_WRITER: usize = 40;
        const CONVERSATIONS: usize = 4;
        let t = app.tenant.clone();
        let mut visitors = Vec::new();
        for _ in 0..CONVERSATIONS {
            visitors.push(Arc::new(conversation(&app, t.inbox_id).await.0));
        }
        let token = pat(&app, t.account_id, t.agent_id).await;

        // Where the reader starts: everything after this must arrive.
        let mut ws = connect(&app, &format!("/api/v1/ws?token={token}")).await;
        let ready = expect(&mut ws, "ready", WAIT, |f| f["type"] == "ready").await;
        let start: StreamCursor = ready["cursor"].as_str().unwrap().parse().unwrap();
        let mut cursor = start;

        let done = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let visitors = visitors.clone();
            writers.push(tokio::spawn(async move {
            for i in 0..PER_WRITER {
                let v = &visitors[(w + i) % visitors.len()];
                let (s, b) = v
                    .client
                    .post("/api/v1/widget/messages", json!({"text": format!("w{w} m{i}"), "client_id": format!("w{w}-m{i}")}))
                    .await;
                assert_eq!(s, 201, "{b}");
            }
        }));
        }
        {
            let done = done.clone();
            tokio::spawn(async move {
                for w in writers {
                    w.await.unwrap();
                }
                done.store(true, Ordering::SeqCst);
            });
        }

        let mut seen_ids: HashSet<String> = HashSet::new();
        let mut duplicates = Vec::new();
        let mut messages: HashSet<String> = HashSet::new();
        let mut reconnects = 0;
        let mut slow_closes = 0;
        let mut expected: Option<HashSet<String>> = None;
        // Drop the socket after this many events, varied so cuts land anywhere.
        let cuts = [7usize, 23, 11, 31, 5, 17, 29, 13];
        let mut deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        'outer: loop {
            let cut = cuts[reconnects % cuts.len()];
            let mut got = 0;
            loop {
                if tokio::time::Instant::now() > deadline {
                    let missing = expected.as_ref().map(|e| e.difference(&messages).count());
                    panic!(
                        "timed out with {} messages received, {missing:?} missing",
                        messages.len()
                    );
                }
                if expected.is_none() && done.load(Ordering::SeqCst) {
                    // Writers are done: everything they wrote is committed. On
                    // PostgreSQL the stream hands an event out once every older
                    // transaction on the server has finished, so read until all
                    // are there.
                    // The head the reader started from may even precede
                    // the set-up messages: they count too when they follow
                    // it. Read until every writer's message is there.
                    let mut all = HashSet::new();
                    let mut written = 0;
                    let mut c = start;
                    let settle = tokio::time::Instant::now() + Duration::from_secs(20);
                    while written < WRITERS * PER_WRITER {
                        assert!(
                            tokio::time::Instant::now() < settle,
                            "only {written} in the stream"
                        );
                        let batch = app
                            .store
                            .account_events_after(t.account_id, c, 500)
                            .await
                            .unwrap();
                        if batch.is_empty() {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        for e in batch {
                            c = e.cursor.unwrap();
                            if e.kind == EventType::MessageCreated {
                                all.insert(e.id.to_string());
                                let text =
                                    e.data["message"]["content"]["text"].as_str().unwrap_or("");
                                if text.starts_with('w') {
                                    written += 1;
                                }
                            }
                        }
                    }
                    assert_eq!(written, WRITERS * PER_WRITER);
                    expected = Some(all);
                    // Everything is in the stream: what is still missing must
                    // arrive promptly.
                    deadline = deadline.min(tokio::time::Instant::now() + Duration::from_secs(20));
                }
                if let Some(exp) = &expected
                    && messages.len() >= exp.len()
                {
                    break 'outer;
                }
                match next(&mut ws, Duration::from_millis(500)).await {
                    None => continue,
                    Some(Frame::Closed(code)) => {
                        if code == Some(4008) {
                            slow_closes += 1;
                        }
                        break;
                    }
                    Some(Frame::Json(f)) if f["type"] == "ready" => {
                        cursor = f["cursor"].as_str().unwrap().parse().unwrap();
                    }
                    Some(Frame::Json(f)) if f["type"] == "event" => {
                        let id = f["event"]["id"].as_str().unwrap().to_string();
                        let c: StreamCursor = f["cursor"].as_str().unwrap().parse().unwrap();
                        assert!(c > cursor, "cursor went backwards: {c} after {cursor}");
                        cursor = c;
                        if !seen_ids.insert(id.clone()) {
                            duplicates.push(id.clone());
                        }
                        if f["event"]["type"] == "message.created" {
                            messages.insert(id);
                        }
                        got += 1;
                        if got >= cut && reconnects < 12 {
                            break;
                        }
                    }
                    Some(Frame::Json(_)) => {}
                }
            }
            // Disconnect mid-stream and resume from the last cursor.
            drop(ws);
            reconnects += 1;
            ws = connect(&app, &format!("/api/v1/ws?token={token}&cursor={cursor}")).await;
        }
        assert!(
            duplicates.is_empty(),
            "{} duplicates across {reconnects} reconnects",
            duplicates.len()
        );
        assert_eq!(
            Some(&messages),
            expected.as_ref(),
            "the set received is exactly the set stored"
        );
        assert!(reconnects >= 5, "only {reconnects} reconnects");
        eprintln!(
            "{:?}: {} messages, {reconnects} reconnects ({slow_closes} as slow consumer)",
            app.backend,
            messages.len()
        );
    }
);

both_backends!(agents_see_who_else_has_a_conversation_open, |app| {
    let t = app.tenant.clone();
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let agent = app.agent().await;
    let admin = app.admin().await;
    let token = pat(&app, t.account_id, t.admin_id).await;
    let mut admin_ws = connect(&app, &format!("/api/v1/ws?token={token}")).await;
    expect(&mut admin_ws, "ready", WAIT, |f| f["type"] == "ready").await;
    let path = format!("/api/v1/conversations/{conv}/viewing");

    // The agent opens it: the admin's console hears so at once.
    let (s, b) = agent.post(&path, json!({"viewing": true})).await;
    assert_eq!((s, b["viewers"].clone()), (200, json!([t.agent_id])), "{b}");
    let f = expect(&mut admin_ws, "viewing frame", WAIT, |f| {
        f["type"] == "viewing"
    })
    .await;
    assert_eq!(f["conversation_id"], json!(conv));
    assert_eq!(f["viewers"], json!([t.agent_id]));

    // The admin opens it too and learns the agent is there; a heartbeat is no news.
    let (_, b) = admin.post(&path, json!({"viewing": true})).await;
    assert_eq!(b["viewers"], json!([t.agent_id, t.admin_id]));
    expect(&mut admin_ws, "both viewing", WAIT, |f| {
        f["type"] == "viewing" && f["viewers"] == json!([t.agent_id, t.admin_id])
    })
    .await;
    let (_, b) = agent.post(&path, json!({"viewing": true})).await;
    assert_eq!(b["viewers"], json!([t.agent_id, t.admin_id]), "order kept");
    let (_, b) = agent.post(&path, json!({"viewing": false})).await;
    assert_eq!(b["viewers"], json!([t.admin_id]));
    let f = expect(&mut admin_ws, "agent left", WAIT, |f| {
        f["type"] == "viewing"
    })
    .await;
    assert_eq!(
        f["viewers"],
        json!([t.admin_id]),
        "no frame for the heartbeat: {f}"
    );

    // The customer never learns who looks.
    let mut widget = connect(&app, &format!("/api/v1/widget/ws?token={}", v.token)).await;
    expect(&mut widget, "ready", WAIT, |f| f["type"] == "ready").await;
    admin.post(&path, json!({"viewing": false})).await;
    v.says("still there?").await;
    loop {
        match next(&mut widget, WAIT).await {
            Some(Frame::Json(f)) if f["type"] == "viewing" => panic!("visitor saw {f}"),
            Some(Frame::Json(f)) if f["type"] == "message" || f["type"] == "event" => {
                if f.to_string().contains("still there?") {
                    break;
                }
            }
            Some(Frame::Json(_)) => continue,
            other => panic!("visitor socket: {other:?}"),
        }
    }

    // Another tenant's members and bad bodies get the usual errors.
    let other = app.new_tenant("Other").await;
    let stranger = app.login(&other.agent_email).await;
    let (s, b) = stranger.post(&path, json!({"viewing": true})).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
    let (s, _) = agent.post(&path, json!({"viewing": "yes"})).await;
    assert_eq!(s, 422);
});
