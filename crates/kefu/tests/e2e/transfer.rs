//! `kefu export` and `kefu import`: a demo installation with traffic, an
//! attachment and a resolved, inspected conversation moves from SQLite to
//! PostgreSQL and back. After each move a server on the target shows the
//! same conversations, messages and events as the source did (same ids,
//! same sequence numbers), serves the attachment, and keeps writing where
//! the source left off. An import into a database that is not empty is
//! refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::durability::{DEMO_INBOX, Site, admin, load};
use crate::fixtures::{assert_pdf_served, kefu_cli, upload_pdf, with_pg_schema};
use crate::support::Server;

async fn get(http: &reqwest::Client, url: String) -> Value {
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {url}");
    r.json().await.unwrap()
}

/// What the console reads of an installation: the demo inbox's
/// conversations, and every message and event of each.
async fn view(server: &Server) -> Value {
    let http = admin(&server.base).await;
    let list = get(
        &http,
        server.url(&format!(
            "/api/v1/conversations?inbox_id={DEMO_INBOX}&limit=200"
        )),
    )
    .await;
    let mut out = Vec::new();
    for c in list["items"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let messages = get(
            &http,
            server.url(&format!("/api/v1/conversations/{id}/messages?limit=200")),
        )
        .await;
        let mut events = get(
            &http,
            server.url(&format!("/api/v1/conversations/{id}/events?limit=200")),
        )
        .await;
        // A stream cursor is the backend's own position, not the event's.
        for e in events["items"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("cursor");
        }
        out.push(json!({"conversation": c, "messages": messages, "events": events}));
    }
    Value::Array(out)
}

/// The two views are equal; on a difference, names the first field that
/// differs rather than printing both whole.
fn assert_same(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let null = Value::Null;
                assert_same(
                    a.get(k).unwrap_or(&null),
                    b.get(k).unwrap_or(&null),
                    &format!("{at}.{k}"),
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{at}: lengths differ");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(x, y, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(got, want, "{at} differs"),
    }
}

async fn start(site: &Site, http: &reqwest::Client) -> Server {
    site.start(http).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_installation_moves_from_sqlite_to_postgres_and_back() {
    with_pg_schema("export/import", |url, _| round_trip(url)).await;
}

async fn round_trip(pg_url: String) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let sqlite = Site::new(None);
    let mut server = start(&sqlite, &http).await;
    // Traffic, an attachment, and a conversation resolved (and inspected).
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = load(&http, &server.base, "t", &stop).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Release);
    for t in tasks {
        t.await.unwrap();
    }
    let agent = admin(&server.base).await;
    let link = upload_pdf(&server).await;
    let list = get(
        &agent,
        server.url(&format!(
            "/api/v1/conversations?inbox_id={DEMO_INBOX}&limit=1"
        )),
    )
    .await;
    let conv = list["items"][0]["id"].as_str().unwrap().to_string();
    let r = agent
        .post(server.url(&format!("/api/v1/conversations/{conv}/messages")))
        .json(&json!({"text": "您好，已经为您处理好了"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = agent
        .post(server.url(&format!("/api/v1/conversations/{conv}/resolve")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = view(&server).await;
    server.kill();

    // SQLite → PostgreSQL.
    let dir = tempfile::tempdir().unwrap();
    let export1 = dir.path().join("one");
    let (ok, out, err) = kefu_cli(&sqlite, &["export", export1.to_str().unwrap()]).await;
    assert!(ok, "export failed:\n{out}\n{err}");
    let pg = Site::new(Some(pg_url));
    let (ok, out, err) = kefu_cli(&pg, &["import", export1.to_str().unwrap()]).await;
    assert!(ok, "import failed:\n{out}\n{err}");
    eprintln!("{}", out.trim());
    let (ok, _, err) = kefu_cli(&pg, &["import", export1.to_str().unwrap()]).await;
    assert!(
        !ok,
        "a second import into the same database must be refused"
    );
    assert!(err.contains("import into"), "{err}");
    let mut server = start(&pg, &http).await;
    assert_same(&view(&server).await, &before, "postgres");
    assert_pdf_served(&http, &server, &link).await;
    // It keeps writing where SQLite left off.
    let agent = admin(&server.base).await;
    let r = agent
        .post(server.url(&format!("/api/v1/conversations/{conv}/reopen")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let after_write = view(&server).await;
    server.kill();

    // And back: PostgreSQL → SQLite.
    let export2 = dir.path().join("two");
    let (ok, out, err) = kefu_cli(&pg, &["export", export2.to_str().unwrap()]).await;
    assert!(ok, "export failed:\n{out}\n{err}");
    let back = Site::new(None);
    let (ok, out, err) = kefu_cli(&back, &["import", export2.to_str().unwrap()]).await;
    assert!(ok, "import failed:\n{out}\n{err}");
    let mut server = start(&back, &http).await;
    assert_same(&view(&server).await, &after_write, "sqlite");
    server.kill();
}
