//! The error contract: every failure is `{"error": {"code", "message"}}`
//! with the right status, whatever went wrong and wherever, and nothing a
//! client sends produces a 500.

use kefu_http::HttpConfig;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Client, TestApp, error_code};

/// Asserts the body is exactly `{"error": {"code", "message"}}` and returns the code.
fn exact_error(status: u16, body: &Value) -> String {
    let top = body
        .as_object()
        .unwrap_or_else(|| panic!("{status}: not an object: {body}"));
    assert_eq!(top.len(), 1, "{status}: extra top-level keys in {body}");
    let inner = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("{status}: no error object in {body}"));
    let mut keys: Vec<&str> = inner.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message"], "{status}: {body}");
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    error_code(body)
}

async fn raw(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut r = http.request(method, url).body(body);
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    let res = r.send().await.expect("request");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = res.text().await.unwrap_or_default();
    if status >= 400 {
        assert!(
            ct.starts_with("application/json"),
            "{status} with content type {ct:?}: {text}"
        );
    }
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

both_backends!(bodies_that_cannot_be_read_have_their_own_codes, |app| {
    let admin = app.admin().await;
    let url = app.url("/api/v1/teams");
    let cases: Vec<(Option<&str>, Vec<u8>, u16, &str)> = vec![
        (
            Some("application/json"),
            b"{\"name\": ".to_vec(),
            400,
            "malformed_json",
        ),
        (
            Some("application/json"),
            b"not json at all".to_vec(),
            400,
            "malformed_json",
        ),
        (
            Some("application/json"),
            b"{\"name\": 5}".to_vec(),
            422,
            "invalid_body",
        ),
        (
            Some("application/json"),
            b"{}".to_vec(),
            422,
            "invalid_body",
        ),
        (
            Some("application/json"),
            b"[]".to_vec(),
            422,
            "invalid_body",
        ),
        (
            Some("application/json"),
            b"{\"name\": \"T\", \"skills\": \"x\"}".to_vec(),
            422,
            "invalid_body",
        ),
        (
            Some("text/plain"),
            b"{\"name\": \"T\"}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            None,
            b"{\"name\": \"T\"}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            b"name=T".to_vec(),
            415,
            "unsupported_media_type",
        ),
    ];
    for (ct, body, want_status, want_code) in cases {
        let shown = String::from_utf8_lossy(&body).to_string();
        let (s, b) = raw(&admin.http, reqwest::Method::POST, url.clone(), ct, body).await;
        assert_eq!(s, want_status, "{ct:?} {shown}: {b}");
        assert_eq!(exact_error(s, &b), want_code, "{ct:?} {shown}");
    }
    // None of that created anything.
    let (_, teams) = admin.get("/api/v1/teams").await;
    assert_eq!(teams, json!([]));
});

both_backends!(routes_methods_and_ids, |app| {
    let admin = app.admin().await;
    let anon = app.anonymous();
    for c in [&admin, &anon] {
        let (s, b) = c.get("/api/v1/no-such-thing").await;
        assert_eq!((s, exact_error(s, &b).as_str()), (404, "not_found"));
        let (s, b) = c.get("/definitely/not/here").await;
        assert_eq!((s, exact_error(s, &b).as_str()), (404, "not_found"));
    }
    let (s, b) = admin.delete("/api/v1/account").await;
    assert_eq!(
        (s, exact_error(s, &b).as_str()),
        (405, "method_not_allowed")
    );
    let (s, b) = admin.put("/api/v1/teams", json!({})).await;
    assert_eq!(
        (s, exact_error(s, &b).as_str()),
        (405, "method_not_allowed")
    );

    for path in [
        "/api/v1/teams/not-a-uuid",
        "/api/v1/users/42",
        "/api/v1/inboxes/%00",
        "/api/v1/contacts/..%2F..%2Fetc",
        "/api/v1/teams/00000000-0000-0000-0000-00000000000g/members",
    ] {
        let (s, b) = admin.get(path).await;
        assert_eq!(
            (s, exact_error(s, &b).as_str()),
            (404, "not_found"),
            "{path}"
        );
    }
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/api/v1/teams/{unknown}"),
        format!("/api/v1/users/{unknown}"),
        format!("/api/v1/inboxes/{unknown}"),
        format!("/api/v1/contacts/{unknown}"),
        format!("/api/v1/teams/{unknown}/members"),
    ] {
        let (s, b) = admin.get(&path).await;
        assert_eq!(
            (s, exact_error(s, &b).as_str()),
            (404, "not_found"),
            "{path}"
        );
    }
    let (s, b) = admin.delete(&format!("/api/v1/tokens/{unknown}")).await;
    assert_eq!((s, exact_error(s, &b).as_str()), (404, "not_found"));
    let (s, b) = admin
        .patch(&format!("/api/v1/teams/{unknown}"), json!({"name": "x"}))
        .await;
    assert_eq!((s, exact_error(s, &b).as_str()), (404, "not_found"));
});

both_backends!(validation_failures_are_422, |app| {
    let admin = app.admin().await;
    let cases = [
        (
            "POST",
            "/api/v1/users",
            json!({"email": "not-an-email", "name": "X", "password": "long enough pw", "role": "agent"}),
        ),
        (
            "POST",
            "/api/v1/users",
            json!({"email": "a@b.co", "name": "X", "password": "short", "role": "agent"}),
        ),
        (
            "PATCH",
            "/api/v1/account",
            json!({"time_zone": "Mars/Olympus"}),
        ),
        ("PATCH", "/api/v1/account", json!({"name": "x".repeat(500)})),
        (
            "POST",
            "/api/v1/teams",
            json!({"name": "ok", "skills": ["two words"]}),
        ),
        ("POST", "/api/v1/contacts", json!({"email": "@example.com"})),
        (
            "POST",
            "/api/v1/contacts",
            json!({"phone": "call me maybe"}),
        ),
        (
            "POST",
            "/api/v1/inboxes",
            json!({"name": "x", "channel": "api", "allowed_origins": ["ftp://x.com"]}),
        ),
        ("POST", "/api/v1/tokens", json!({"name": "\u{0007}bell"})),
    ];
    for (method, path, body) in cases {
        let (s, b) = if method == "POST" {
            admin.post(path, body.clone()).await
        } else {
            admin.patch(path, body.clone()).await
        };
        assert_eq!(
            (s, exact_error(s, &b).as_str()),
            (422, "validation_failed"),
            "{method} {path} {body}"
        );
    }
    let (s, b) = admin.get("/api/v1/contacts?limit=-1").await;
    assert_eq!((s, exact_error(s, &b).as_str()), (400, "invalid_query"));
});

both_backends!(auth_errors_have_the_same_shape, |app| {
    let anon = app.anonymous();
    let (s, b) = anon.get("/api/v1/auth/me").await;
    assert_eq!((s, exact_error(s, &b).as_str()), (401, "unauthorized"));
    let garbage = Client::with_bearer(&app.base, "kefu_pat_garbage");
    let (s, b) = garbage.get("/api/v1/users").await;
    assert_eq!((s, exact_error(s, &b).as_str()), (401, "unauthorized"));
    let wrong_kind = Client::with_bearer(&app.base, "something-else");
    let (s, b) = wrong_kind.get("/api/v1/users").await;
    assert_eq!((s, exact_error(s, &b).as_str()), (401, "unauthorized"));
    let (s, b) = anon
        .post(
            "/api/v1/auth/login",
            json!({"email": "x@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(
        (s, exact_error(s, &b).as_str()),
        (401, "invalid_credentials")
    );
    let agent = app.agent().await;
    let (s, b) = agent.get("/api/v1/audit-log").await;
    assert_eq!((s, exact_error(s, &b).as_str()), (403, "forbidden"));
});

// Every documented operation, sent bodies of every wrong shape: the
// answers are all well-formed errors, never a 500.
both_backends!(no_operation_answers_500_to_garbage, |app| {
    // Search too, as `kefu serve` runs it.
    app.enable_search();
    let admin = app.admin().await;
    let (s, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let random = uuid::Uuid::now_v7().to_string();
    let bodies: [&[u8]; 6] = [
        b"",
        b"{",
        b"null",
        b"[]",
        b"{\"name\": {\"deep\": [1, 2, 3]}}",
        b"\"\xff\xfe\"",
    ];
    let mut calls = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        // Path parameters filled with an unknown id and with junk.
        let concrete: Vec<String> = [random.as_str(), "junk"]
            .iter()
            .map(|v| fill(path, v))
            .collect();
        for (method, _op) in item.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<reqwest::Method>() else {
                continue;
            };
            if path.ends_with("/auth/logout") || path.ends_with("/ws") {
                continue; // would end the session under test / needs an upgrade
            }
            for url in &concrete {
                for body in bodies {
                    let (s, b) = raw(
                        &admin.http,
                        m.clone(),
                        app.url(url),
                        Some("application/json"),
                        body.to_vec(),
                    )
                    .await;
                    calls += 1;
                    assert!(
                        s < 500,
                        "{method} {url} {:?}: {s} {b}",
                        String::from_utf8_lossy(body)
                    );
                    if s >= 400 {
                        exact_error(s, &b);
                    }
                }
            }
        }
    }
    assert!(calls > 100, "only {calls} calls");
    // The server is still healthy and the admin still signed in.
    assert_eq!(admin.get("/api/v1/auth/me").await.0, 200);
});

fn fill(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str(value);
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

async fn oversized(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        HttpConfig {
            max_body_bytes: 4096,
            public_rate_burst: 10_000,
            public_rate_per_second: 10_000.0,
            ..HttpConfig::default()
        },
    )
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let big = json!({"name": "x", "skills": vec!["a"; 5000]})
        .to_string()
        .into_bytes();
    assert!(big.len() > 4096);
    for path in ["/api/v1/teams", "/api/v1/contacts", "/api/v1/auth/login"] {
        let (s, b) = raw(
            &admin.http,
            reqwest::Method::POST,
            app.url(path),
            Some("application/json"),
            big.clone(),
        )
        .await;
        assert_eq!(
            (s, exact_error(s, &b).as_str()),
            (413, "payload_too_large"),
            "{path}"
        );
    }
    // Just under the limit is fine.
    let (s, _) = admin.post("/api/v1/teams", json!({"name": "small"})).await;
    assert_eq!(s, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413_sqlite() {
    oversized(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413_postgres() {
    oversized(Backend::Postgres).await;
}
