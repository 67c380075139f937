//! Acceptance: the README run command starts Kefu with demo data, health
//! answers, and a conversation over the API and WebSockets works end to end.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::{Server, data_dir, kefu};

const INBOX: &str = "01920000-0000-7000-8000-000000000002";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads frames until one satisfies `pred`, failing after a timeout.
async fn wait_for(ws: &mut Ws, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        let Some(Ok(WsMessage::Text(t))) = frame else {
            continue;
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        if pred(&v) {
            return v;
        }
    }
}

fn is_message(v: &Value, text: &str) -> bool {
    v["type"] == "event"
        && v["event"]["type"] == "message.created"
        && v["event"]["data"]["message"]["content"]["text"] == text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_run_command_serves_a_live_conversation() {
    let (_tmp, dir) = data_dir();
    let server = Server::start(&dir).await;
    assert!(
        dir.join("kefu.db").exists(),
        "SQLite database created in the data folder"
    );
    let http = reqwest::Client::new();
    let health: Value = http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    // The agent signs in with the printed demo credentials and opens a socket.
    let agent = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = agent
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"email": "agent@kefu.demo", "password": "kefu-demo-agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("kefu_session="))
        .expect("session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut req = server.ws("/api/v1/ws").into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut agent_ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("agent socket");
    wait_for(&mut agent_ws, "agent ready", |v| v["type"] == "ready").await;

    // A visitor opens the widget of the demo inbox and writes.
    let s: Value = http
        .post(server.url("/api/v1/widget/sessions"))
        .json(&json!({"inbox_id": INBOX}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = s["token"].as_str().expect("visitor token").to_string();
    let r = http
        .post(server.url("/api/v1/widget/messages"))
        .bearer_auth(&token)
        .json(&json!({"text": "你好, where is my order?", "client_id": "m1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sent: Value = r.json().await.unwrap();
    let conversation = sent["conversation"]["id"].as_str().unwrap().to_string();
    let (mut visitor_ws, _) = tokio_tungstenite::connect_async(
        server.ws(&format!("/api/v1/widget/ws?token={token}&after_seq=0")),
    )
    .await
    .expect("visitor socket");

    // The agent sees it live.
    let seen = wait_for(&mut agent_ws, "the visitor's message", |v| {
        is_message(v, "你好, where is my order?")
    })
    .await;
    assert_eq!(seen["event"]["conversation_id"], conversation.as_str());

    // The agent replies; the visitor sees it live.
    let r = agent
        .post(server.url(&format!("/api/v1/conversations/{conversation}/messages")))
        .header("x-kefu-csrf", "1")
        .json(&json!({"text": "Let me check that for you."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    wait_for(&mut visitor_ws, "the agent's reply", |v| {
        is_message(v, "Let me check that for you.")
    })
    .await;
    let _ = visitor_ws.send(WsMessage::Close(None)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeding_is_idempotent_and_set_password_works() {
    let (_tmp, dir) = data_dir();
    drop(Server::start(&dir).await);
    // A second start on the same data seeds nothing twice and keeps working.
    let server = Server::start(&dir).await;
    let http = reqwest::Client::new();
    let login = |pw: &'static str| {
        http.post(server.url("/api/v1/auth/login"))
            .json(&json!({"email": "admin@kefu.demo", "password": pw}))
            .send()
    };
    assert_eq!(login("kefu-demo-admin").await.unwrap().status(), 200);
    drop(server);

    let out = kefu()
        .args([
            "user",
            "set-password",
            "--email",
            "admin@kefu.demo",
            "--password",
            "a-brand-new-secret",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server::start(&dir).await;
    let login = |pw: &'static str| {
        http.post(server.url("/api/v1/auth/login"))
            .json(&json!({"email": "admin@kefu.demo", "password": pw}))
            .send()
    };
    // Demo seeding does not reset a changed password.
    assert_eq!(login("a-brand-new-secret").await.unwrap().status(), 200);
    assert_eq!(login("kefu-demo-admin").await.unwrap().status(), 401);
}

#[test]
fn cli_config_example_and_refusals() {
    let out = kefu().args(["config", "example"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[server]") && text.contains("listen = \"127.0.0.1:8080\""));

    // --demo refuses a public address.
    let (_tmp, dir) = data_dir();
    let out = kefu()
        .args(["serve", "--demo", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));

    // `migrate` creates and migrates the database.
    let out = kefu()
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("kefu.db").exists());
}
