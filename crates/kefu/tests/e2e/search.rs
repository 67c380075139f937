//! Search on a running server and `kefu search reindex`: a visitor's
//! message becomes searchable while the server runs (its indexer follows
//! the event log); the reindex refuses to run beside the server (which
//! holds the index), rebuilds the index from the log when the server is
//! stopped, and the restarted server finds the message at once.

use std::time::Duration;

use serde_json::{Value, json};

use crate::durability::{DEMO_INBOX, Site, admin};
use crate::fixtures::kefu_cli;

async fn total(http: &reqwest::Client, base: &str, q: &str) -> u64 {
    let r = http
        .get(format!("{base}/api/v1/search"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    b["total"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_rebuilds_the_index_from_the_event_log() {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let site = Site::new(None);
    let mut server = site.start(&http).await;
    let session: Value = http
        .post(server.url("/api/v1/widget/sessions"))
        .json(&json!({"inbox_id": DEMO_INBOX}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let r = http
        .post(server.url("/api/v1/widget/messages"))
        .bearer_auth(token)
        .json(&json!({"text": "物流单号查不到 ZEPHYRTRACK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let agent = admin(&server.base).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while total(&agent, &server.base, "ZEPHYRTRACK").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never indexed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(total(&agent, &server.base, "物流").await >= 1);

    let (ok, out, err) = kefu_cli(&site, &["search", "reindex"]).await;
    assert!(!ok, "reindex ran beside the server:\n{out}");
    assert!(err.contains("search index"), "{err}");

    server.kill();
    let (ok, out, err) = kefu_cli(&site, &["search", "reindex"]).await;
    assert!(ok, "reindex failed:\n{out}\n{err}");
    let events: u64 = out
        .split("rebuilt from ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in: {out}"));
    assert!(events >= 3, "{out}");

    let server = site.start(&http).await;
    let agent = admin(&server.base).await;
    assert_eq!(total(&agent, &server.base, "ZEPHYRTRACK").await, 1);
    drop(server);
}
