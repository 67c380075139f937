//! Sign-in, sessions and tokens, and the directory: account, members, teams,
//! inboxes, contacts, audit log. Each test runs on SQLite and PostgreSQL.

use kefu_http::HttpConfig;
use kefu_http::auth::secrets;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Client, PASSWORD, TestApp, error_code};

/// A login without a cookie jar, so the test sees the raw `Set-Cookie`.
async fn login_raw(app: &TestApp, email: &str, password: &str) -> (u16, Option<String>, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login request");
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res.json().await.unwrap_or(Value::Null);
    (status, cookie, body)
}

/// The `name=value` part of a `Set-Cookie` header.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A client that sends this cookie (and the CSRF header) by hand.
fn with_cookie(app: &TestApp, pair: &str) -> Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("cookie", pair.parse().unwrap());
    h.insert("x-kefu-csrf", "1".parse().unwrap());
    Client {
        http: reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap(),
        base: app.base.clone(),
    }
}

/// Audit entries, newest first.
async fn audit(admin: &Client) -> Vec<Value> {
    let (s, b) = admin.get("/api/v1/audit-log?limit=200").await;
    assert_eq!(s, 200, "{b}");
    b["items"].as_array().cloned().unwrap_or_default()
}

fn has_action(entries: &[Value], action: &str, target: &str) -> bool {
    entries
        .iter()
        .any(|e| e["action"] == action && e["target"].as_str() == Some(target))
}

both_backends!(login_sets_a_strict_http_only_session_cookie, |app| {
    let t = &app.tenant;
    let (status, cookie, body) = login_raw(&app, &t.admin_email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("a Set-Cookie header");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "not Secure unless configured: {cookie}"
    );
    assert_eq!(body["user"]["email"], t.admin_email.as_str());
    assert_eq!(body["account"]["id"], t.account_id.to_string());
    assert_eq!(body["role"], "admin");
    assert_eq!(body["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(body["accounts"][0]["role"], "admin");

    // The store keeps the secret's SHA-256, never the secret.
    let pair = cookie_pair(&cookie);
    let secret = pair.strip_prefix("kefu_session=").unwrap();
    assert!(secret.len() >= 40, "a long random secret");
    let now = kefu_core::Timestamp::now();
    assert!(app.store.find_session(secret, now).await.unwrap().is_none());
    let session = app
        .store
        .find_session(&secrets::sha256_hex(secret), now)
        .await
        .unwrap()
        .expect("stored by hash");
    assert_eq!(session.user_id, t.admin_id);

    // The cookie works.
    let c = with_cookie(&app, &pair);
    let (s, me) = c.get("/api/v1/auth/me").await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["user"]["id"], t.admin_id.to_string());
});

both_backends!(wrong_credentials_are_one_401_and_are_audited, |app| {
    let t = &app.tenant;
    let (s, _, b) = login_raw(&app, &t.admin_email, "not the password").await;
    assert_eq!((s, error_code(&b).as_str()), (401, "invalid_credentials"));
    let (s, _, b2) = login_raw(&app, "nobody-here@example.com", PASSWORD).await;
    assert_eq!((s, error_code(&b2).as_str()), (401, "invalid_credentials"));
    assert_eq!(b, b2, "unknown email and wrong password look the same");
    let (s, _, b) = login_raw(&app, "not an email", PASSWORD).await;
    assert_eq!((s, error_code(&b).as_str()), (422, "validation_failed"));

    let admin = app.admin().await;
    let log = audit(&admin).await;
    assert!(
        has_action(&log, "auth.login_failed", &t.admin_id.to_string()),
        "{log:?}"
    );
    assert!(has_action(
        &log,
        "auth.login_succeeded",
        &t.admin_id.to_string()
    ));
    let failed = log
        .iter()
        .find(|e| e["action"] == "auth.login_failed")
        .unwrap();
    assert_eq!(failed["ip"], "127.0.0.1");
    assert!(failed["actor_user_id"].is_null());
    assert!(!failed.to_string().contains("not the password"));
});

both_backends!(logout_ends_the_session_and_clears_the_cookie, |app| {
    let (_, cookie, _) = login_raw(&app, &app.tenant.agent_email, PASSWORD).await;
    let pair = cookie_pair(&cookie.unwrap());
    let c = with_cookie(&app, &pair);
    let res = c
        .http
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cleared = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cleared.starts_with("kefu_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (s, b) = c.get("/api/v1/auth/me").await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let (s, _) = c.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, 401, "logging out twice needs a session");

    let admin = app.admin().await;
    assert!(has_action(
        &audit(&admin).await,
        "auth.logout",
        &app.tenant.agent_id.to_string()
    ));
});

both_backends!(switching_accounts_needs_membership, |app| {
    let a = &app.tenant;
    let b = app.new_tenant("Globex").await;
    // Globex's admin adds Acme's admin (an existing user) as an agent.
    let b_admin = app.login(&b.admin_email).await;
    let (s, m) = b_admin
        .post(
            "/api/v1/users",
            json!({"email": a.admin_email, "name": "ignored", "role": "agent"}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["role"], "agent");
    assert_ne!(m["name"], "ignored", "an existing user keeps their name");
    let (s, b2) = b_admin
        .post(
            "/api/v1/users",
            json!({"email": a.admin_email, "name": "x", "role": "agent"}),
        )
        .await;
    assert_eq!((s, error_code(&b2).as_str()), (409, "already_member"));

    let c = app.admin().await;
    let (_, me) = c.get("/api/v1/auth/me").await;
    assert_eq!(me["accounts"].as_array().unwrap().len(), 2, "{me}");
    let (s, sw) = c
        .post(
            "/api/v1/auth/switch-account",
            json!({"account_id": b.account_id}),
        )
        .await;
    assert_eq!(s, 200, "{sw}");
    assert_eq!(sw["account"]["id"], b.account_id.to_string());
    assert_eq!(sw["role"], "agent");
    let (_, acc) = c.get("/api/v1/account").await;
    assert_eq!(acc["id"], b.account_id.to_string());
    let (s, _) = c.post("/api/v1/teams", json!({"name": "nope"})).await;
    assert_eq!(s, 403, "an agent in Globex");

    // An account the user does not belong to is not found.
    let c2 = app.new_tenant("Initech").await;
    let (s, e) = c
        .post(
            "/api/v1/auth/switch-account",
            json!({"account_id": c2.account_id}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (404, "not_found"));
    let (s, _) = c
        .post(
            "/api/v1/auth/switch-account",
            json!({"account_id": a.account_id}),
        )
        .await;
    assert_eq!(s, 200);

    // Login straight into an account; an account that is not yours is 404.
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.admin_email, "password": PASSWORD, "account_id": b.account_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["account"]["id"], b.account_id.to_string());
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": a.admin_email, "password": PASSWORD, "account_id": c2.account_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
});

both_backends!(password_change_revokes_other_sessions, |app| {
    let t = &app.tenant;
    let first = app.agent().await;
    let other = app.agent().await;
    let (s, e) = first
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "wrong one", "new_password": "a brand new secret"}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (403, "invalid_credentials"));
    let (s, e) = first
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));

    let (s, b) = first
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, _) = first.get("/api/v1/auth/me").await;
    assert_eq!(s, 200, "the calling session carries on under a new cookie");
    let (s, _) = other.get("/api/v1/auth/me").await;
    assert_eq!(s, 401, "other sessions end");

    let (s, _, _) = login_raw(&app, &t.agent_email, PASSWORD).await;
    assert_eq!(s, 401);
    let (s, _, _) = login_raw(&app, &t.agent_email, "a brand new secret").await;
    assert_eq!(s, 200);
    let (_, hash) = app
        .store
        .find_user_by_email(&t.agent_email)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let admin = app.admin().await;
    let log = audit(&admin).await;
    let e = log
        .iter()
        .find(|e| e["action"] == "auth.password_changed")
        .expect("audited");
    assert!(
        !e.to_string().contains("brand new"),
        "no secrets in the log"
    );
});

both_backends!(cookie_changes_need_the_csrf_header, |app| {
    let (_, cookie, _) = login_raw(&app, &app.tenant.admin_email, PASSWORD).await;
    let pair = cookie_pair(&cookie.unwrap());
    let bare = reqwest::Client::new();
    let res = bare
        .post(app.url("/api/v1/teams"))
        .header("cookie", &pair)
        .json(&json!({"name": "Support"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "forbidden");
    let res = bare
        .get(app.url("/api/v1/teams"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "reads need no header");
    let (s, _) = with_cookie(&app, &pair)
        .post("/api/v1/teams", json!({"name": "Support"}))
        .await;
    assert_eq!(s, 201);
});

both_backends!(agents_get_403_on_admin_endpoints, |app| {
    let t = &app.tenant;
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (_, team) = admin
        .post("/api/v1/teams", json!({"name": "Billing"}))
        .await;
    let team_id = team["id"].as_str().unwrap().to_string();
    let inbox = t.inbox_id;
    let admin_id = t.admin_id;
    let agent_id = t.agent_id;
    let calls: Vec<(&str, String, Value)> = vec![
        (
            "PATCH",
            "/api/v1/account".into(),
            json!({"name": "Mine now"}),
        ),
        (
            "POST",
            "/api/v1/users".into(),
            json!({"email": "x@example.com", "name": "X", "password": PASSWORD, "role": "admin"}),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{admin_id}"),
            json!({"role": "agent"}),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{agent_id}"),
            json!({"role": "admin"}),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{admin_id}"),
            json!({"name": "Renamed"}),
        ),
        ("DELETE", format!("/api/v1/users/{admin_id}"), Value::Null),
        ("POST", "/api/v1/teams".into(), json!({"name": "T"})),
        (
            "PATCH",
            format!("/api/v1/teams/{team_id}"),
            json!({"name": "T2"}),
        ),
        ("DELETE", format!("/api/v1/teams/{team_id}"), Value::Null),
        (
            "PUT",
            format!("/api/v1/teams/{team_id}/members/{agent_id}"),
            Value::Null,
        ),
        (
            "DELETE",
            format!("/api/v1/teams/{team_id}/members/{agent_id}"),
            Value::Null,
        ),
        (
            "POST",
            "/api/v1/inboxes".into(),
            json!({"name": "I", "channel": "api"}),
        ),
        (
            "PATCH",
            format!("/api/v1/inboxes/{inbox}"),
            json!({"name": "I2"}),
        ),
        (
            "PUT",
            format!("/api/v1/inboxes/{inbox}/members/{admin_id}"),
            Value::Null,
        ),
        (
            "DELETE",
            format!("/api/v1/inboxes/{inbox}/members/{agent_id}"),
            Value::Null,
        ),
        (
            "POST",
            format!("/api/v1/inboxes/{inbox}/secret"),
            Value::Null,
        ),
        (
            "POST",
            format!("/api/v1/inboxes/{inbox}/tokens"),
            json!({"name": "zap"}),
        ),
        ("GET", "/api/v1/audit-log".into(), Value::Null),
        ("GET", "/api/v1/tokens?all=true".into(), Value::Null),
    ];
    for (method, path, body) in calls {
        let (s, b) = match method {
            "GET" => agent.get(&path).await,
            "DELETE" => agent.delete(&path).await,
            "POST" => agent.post(&path, body).await,
            "PUT" => agent.put(&path, body).await,
            _ => agent.patch(&path, body).await,
        };
        assert_eq!(s, 403, "{method} {path}: {b}");
        assert_eq!(error_code(&b), "forbidden");
    }
    // Nothing changed.
    let (_, m) = admin.get(&format!("/api/v1/users/{admin_id}")).await;
    assert_eq!(m["role"], "admin");
    assert_eq!(admin.get(&format!("/api/v1/teams/{team_id}")).await.0, 200);

    // What every member may do.
    assert_eq!(agent.get("/api/v1/account").await.0, 200);
    assert_eq!(agent.get("/api/v1/users").await.0, 200);
    let (s, me) = agent
        .patch(
            &format!("/api/v1/users/{agent_id}"),
            json!({"name": "Ann Agent", "availability": "away"}),
        )
        .await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(
        (me["name"].as_str(), me["availability"].as_str()),
        (Some("Ann Agent"), Some("away"))
    );
    let (s, me) = agent
        .put(
            "/api/v1/users/me/availability",
            json!({"availability": "online"}),
        )
        .await;
    assert_eq!((s, me["availability"].as_str()), (200, Some("online")));
    let (s, e) = agent
        .put(
            "/api/v1/users/me/availability",
            json!({"availability": "asleep"}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "invalid_body"));
});

both_backends!(account_can_be_read_and_updated_by_admins, |app| {
    let admin = app.admin().await;
    let (s, a) = admin.get("/api/v1/account").await;
    assert_eq!((s, a["time_zone"].as_str()), (200, Some("Asia/Shanghai")));
    let (s, a) = admin
        .patch(
            "/api/v1/account",
            json!({"name": "Acme Ltd", "time_zone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        (a["name"].as_str(), a["time_zone"].as_str()),
        (Some("Acme Ltd"), Some("Europe/Berlin"))
    );
    let (s, e) = admin
        .patch("/api/v1/account", json!({"time_zone": "Mars/Olympus"}))
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (s, e) = admin.patch("/api/v1/account", json!({"name": "  "})).await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (_, a) = admin.get("/api/v1/account").await;
    assert_eq!(a["name"], "Acme Ltd");
    let log = audit(&admin).await;
    let e = log
        .iter()
        .find(|e| e["action"] == "account.updated")
        .unwrap();
    assert_eq!(e["details"]["time_zone"]["to"], "Europe/Berlin");
    assert_eq!(e["actor_user_id"], app.tenant.admin_id.to_string());
});

both_backends!(members_can_be_added_changed_and_removed, |app| {
    let t = &app.tenant;
    let admin = app.admin().await;
    let (s, e) = admin
        .post(
            "/api/v1/users",
            json!({"email": "new@example", "name": "N", "password": PASSWORD, "role": "agent"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&e).as_str()),
        (422, "validation_failed"),
        "bad email"
    );
    let (s, e) = admin
        .post(
            "/api/v1/users",
            json!({"email": "nopw@example.com", "name": "N", "role": "agent"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&e).as_str()),
        (422, "validation_failed"),
        "a new user needs a password"
    );

    let email = format!("bo-{}@example.com", uuid::Uuid::now_v7().simple());
    let (s, m) = admin
        .post(
            "/api/v1/users",
            json!({"email": email.to_uppercase(), "name": "Bo", "password": PASSWORD, "role": "supervisor", "capacity": 3, "skills": ["Billing", "vip"]}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["email"], email.as_str(), "emails are stored lower-cased");
    assert_eq!(
        (m["role"].as_str(), m["capacity"].as_i64()),
        (Some("supervisor"), Some(3))
    );
    assert_eq!(m["skills"], json!(["billing", "vip"]));
    let id = m["user_id"].as_str().unwrap().to_string();
    let (_, hash) = app.store.find_user_by_email(&email).await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let (s, list) = admin.get("/api/v1/users").await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 3);
    let (s, got) = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!((s, got["name"].as_str()), (200, Some("Bo")));

    let bo = app.login(&email).await;
    let (s, m) = admin
        .patch(
            &format!("/api/v1/users/{id}"),
            json!({"role": "admin", "capacity": 8, "skills": []}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(
        (m["role"].as_str(), m["capacity"].as_i64()),
        (Some("admin"), Some(8))
    );
    let (s, e) = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"capacity": -1}))
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let log = audit(&admin).await;
    let changed = log
        .iter()
        .find(|e| e["action"] == "user.role_changed" && e["target"] == id.as_str())
        .expect("role change audited");
    assert_eq!(
        changed["details"],
        json!({"from": "supervisor", "to": "admin"})
    );
    assert!(has_action(&log, "user.added", &id));
    assert!(has_action(&log, "user.updated", &id));

    // Bo, now an admin, demotes the original admin; then Bo is the last one.
    let (s, _) = bo
        .patch(
            &format!("/api/v1/users/{}", t.admin_id),
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = bo
        .patch(&format!("/api/v1/users/{id}"), json!({"role": "agent"}))
        .await;
    assert_eq!((s, error_code(&e).as_str()), (409, "last_admin"));
    let (s, e) = bo.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!((s, error_code(&e).as_str()), (409, "last_admin"));
    let (s, _) = bo
        .patch(
            &format!("/api/v1/users/{}", t.admin_id),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(s, 200);

    // Bo's token and session stop when Bo is removed.
    let (_, tok) = bo
        .post("/api/v1/tokens", json!({"name": "bo's script"}))
        .await;
    let bo_token = Client::with_bearer(&app.base, tok["secret"].as_str().unwrap());
    assert_eq!(bo_token.get("/api/v1/auth/me").await.0, 200);
    let (s, _) = admin.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!(s, 204);
    assert_eq!(bo.get("/api/v1/auth/me").await.0, 401);
    assert_eq!(bo_token.get("/api/v1/auth/me").await.0, 401);
    assert_eq!(admin.get(&format!("/api/v1/users/{id}")).await.0, 404);
    assert_eq!(admin.delete(&format!("/api/v1/users/{id}")).await.0, 404);
    let (_, tokens) = admin.get("/api/v1/tokens?all=true").await;
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["revoked_at"].is_null() || t["user_id"] != id.as_str()),
        "the removed member's tokens are revoked: {tokens}"
    );
    assert!(has_action(&audit(&admin).await, "user.removed", &id));

    // Someone who also works elsewhere can only be renamed by themselves.
    let other = app.new_tenant("Globex").await;
    let g = app.login(&other.admin_email).await;
    let (s, _) = g
        .post(
            "/api/v1/users",
            json!({"email": t.agent_email, "name": "x", "role": "agent"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, e) = admin
        .patch(
            &format!("/api/v1/users/{}", t.agent_id),
            json!({"name": "Hijacked"}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (403, "forbidden"));
});

both_backends!(teams_crud_and_membership, |app| {
    let t = &app.tenant;
    let admin = app.admin().await;
    let (s, team) = admin
        .post(
            "/api/v1/teams",
            json!({"name": " Billing ", "skills": ["Refunds", "refunds"]}),
        )
        .await;
    assert_eq!(s, 201, "{team}");
    assert_eq!(
        (team["name"].as_str(), &team["skills"]),
        (Some("Billing"), &json!(["refunds"]))
    );
    let id = team["id"].as_str().unwrap().to_string();
    let (s, e) = admin.post("/api/v1/teams", json!({"name": ""})).await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));

    let (_, list) = admin.get("/api/v1/teams").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (s, got) = admin.get(&format!("/api/v1/teams/{id}")).await;
    assert_eq!((s, got["id"].as_str()), (200, Some(id.as_str())));
    let (s, upd) = admin
        .patch(&format!("/api/v1/teams/{id}"), json!({"name": "Payments"}))
        .await;
    assert_eq!((s, upd["name"].as_str()), (200, Some("Payments")));
    assert_eq!(upd["skills"], json!(["refunds"]), "absent fields stay");

    let (s, _) = admin
        .put(
            &format!("/api/v1/teams/{id}/members/{}", t.agent_id),
            Value::Null,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = admin
        .put(
            &format!("/api/v1/teams/{id}/members/{}", t.agent_id),
            Value::Null,
        )
        .await;
    assert_eq!(s, 204, "idempotent");
    let (s, members) = admin.get(&format!("/api/v1/teams/{id}/members")).await;
    assert_eq!(s, 200);
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(members[0]["user_id"], t.agent_id.to_string());
    let stranger = uuid::Uuid::now_v7();
    let (s, e) = admin
        .put(
            &format!("/api/v1/teams/{id}/members/{stranger}"),
            Value::Null,
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (404, "not_found"));
    let (s, _) = admin
        .delete(&format!("/api/v1/teams/{id}/members/{}", t.agent_id))
        .await;
    assert_eq!(s, 204);
    let (_, members) = admin.get(&format!("/api/v1/teams/{id}/members")).await;
    assert_eq!(members, json!([]));

    let (s, _) = admin.delete(&format!("/api/v1/teams/{id}")).await;
    assert_eq!(s, 204);
    assert_eq!(admin.get(&format!("/api/v1/teams/{id}")).await.0, 404);
    assert_eq!(admin.delete(&format!("/api/v1/teams/{id}")).await.0, 404);
    let log = audit(&admin).await;
    for action in [
        "team.created",
        "team.updated",
        "team.member_added",
        "team.member_removed",
        "team.deleted",
    ] {
        assert!(
            log.iter().any(|e| e["action"] == action),
            "{action} missing"
        );
    }
});

both_backends!(inboxes_crud_visibility_secret_and_tokens, |app| {
    let t = &app.tenant;
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (_, team) = admin.post("/api/v1/teams", json!({"name": "Sales"})).await;
    let team_id = team["id"].as_str().unwrap().to_string();

    let (s, e) = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "API", "channel": "api", "allowed_origins": ["shop.example.com"]}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (s, e) = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "API", "channel": "api", "default_team_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (s, e) = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "API", "channel": "pigeon"}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "invalid_body"));

    let (s, inbox) = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "Shop", "channel": "web_widget", "default_team_id": team_id,
                   "allowed_origins": ["https://Shop.Example.com/"], "settings": {"greeting": "你好"}}),
        )
        .await;
    assert_eq!(s, 201, "{inbox}");
    let id = inbox["id"].as_str().unwrap().to_string();
    assert_eq!(
        inbox["allowed_origins"],
        json!(["https://shop.example.com"])
    );
    assert_eq!(
        inbox["embed_snippet"],
        format!("<script src=\"http://127.0.0.1:8080/sdk.js\" data-inbox=\"{id}\" async></script>")
    );
    assert!(
        !inbox.to_string().contains("secret"),
        "no secret in {inbox}"
    );

    // Agents see their own inbox only, until they are made members.
    let (_, mine) = agent.get("/api/v1/inboxes").await;
    let ids: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, vec![t.inbox_id.to_string().as_str()]);
    let (s, _) = agent.get(&format!("/api/v1/inboxes/{id}")).await;
    assert_eq!(s, 404);
    assert_eq!(
        agent.get(&format!("/api/v1/inboxes/{id}/members")).await.0,
        404
    );
    let (s, _) = admin
        .put(
            &format!("/api/v1/inboxes/{id}/members/{}", t.agent_id),
            Value::Null,
        )
        .await;
    assert_eq!(s, 204);
    let (s, got) = agent.get(&format!("/api/v1/inboxes/{id}")).await;
    assert_eq!((s, got["name"].as_str()), (200, Some("Shop")));
    let (_, members) = admin.get(&format!("/api/v1/inboxes/{id}/members")).await;
    assert_eq!(members[0]["user_id"], t.agent_id.to_string());
    let (s, _) = admin
        .delete(&format!("/api/v1/inboxes/{id}/members/{}", t.agent_id))
        .await;
    assert_eq!(s, 204);
    assert_eq!(agent.get(&format!("/api/v1/inboxes/{id}")).await.0, 404);
    let (_, all) = admin.get("/api/v1/inboxes").await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    let (s, upd) = admin
        .patch(
            &format!("/api/v1/inboxes/{id}"),
            json!({"default_team_id": null, "require_identity": true, "name": "Shop CN"}),
        )
        .await;
    assert_eq!(s, 200, "{upd}");
    assert!(upd["default_team_id"].is_null());
    assert_eq!(
        (upd["require_identity"].as_bool(), upd["name"].as_str()),
        (Some(true), Some("Shop CN"))
    );
    assert_eq!(
        upd["allowed_origins"],
        json!(["https://shop.example.com"]),
        "absent fields stay"
    );
    let (s, e) = admin
        .patch(
            &format!("/api/v1/inboxes/{id}"),
            json!({"settings": "nope"}),
        )
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));

    // The secret: shown once per rotation, and the store holds it.
    let inbox_id: kefu_core::InboxId = id.parse().unwrap();
    let (s, r1) = admin
        .post(&format!("/api/v1/inboxes/{id}/secret"), Value::Null)
        .await;
    assert_eq!(s, 200, "{r1}");
    let secret = r1["secret"].as_str().unwrap();
    assert_eq!(
        app.store
            .inbox_secret(t.account_id, inbox_id)
            .await
            .unwrap(),
        secret
    );
    let (_, r2) = admin
        .post(&format!("/api/v1/inboxes/{id}/secret"), Value::Null)
        .await;
    assert_ne!(r2["secret"], r1["secret"]);
    let (_, got) = admin.get(&format!("/api/v1/inboxes/{id}")).await;
    assert!(!got.to_string().contains(secret));

    // An inbox token for a channel integration.
    let (s, tok) = admin
        .post(
            &format!("/api/v1/inboxes/{id}/tokens"),
            json!({"name": "shop backend"}),
        )
        .await;
    assert_eq!(s, 201, "{tok}");
    let secret = tok["secret"].as_str().unwrap();
    assert!(secret.starts_with("kefu_inb_"));
    assert_eq!(tok["token"]["kind"], "inbox");
    assert_eq!(tok["token"]["inbox_id"], id.as_str());
    let found = app
        .store
        .find_token(&secrets::sha256_hex(secret), kefu_core::Timestamp::now())
        .await
        .unwrap()
        .expect("stored by hash");
    assert_eq!(found.inbox_id, Some(inbox_id));
    let (_, all) = admin.get("/api/v1/tokens?all=true").await;
    assert!(
        all.to_string()
            .contains(tok["token"]["id"].as_str().unwrap())
    );
    assert!(!all.to_string().contains(secret));
    // An inbox token is not a personal token.
    let (s, _) = Client::with_bearer(&app.base, secret)
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(s, 401);

    let log = audit(&admin).await;
    assert!(has_action(&log, "inbox.secret_rotated", &id));
    assert!(has_action(
        &log,
        "token.created",
        tok["token"]["id"].as_str().unwrap()
    ));
    assert!(has_action(&log, "inbox.created", &id));
    assert!(has_action(&log, "inbox.member_added", &id));
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains(secret) && !text.contains(r2["secret"].as_str().unwrap()),
        "no secrets in the log"
    );
});

both_backends!(contacts_crud_search_and_paging, |app| {
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (s, c) = agent
        .post(
            "/api/v1/contacts",
            json!({"name": "Li Lei", "email": "Li.Lei@Example.com", "phone": "+86 138-0000-0000", "attributes": {"plan": "pro"}}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(
        (c["email"].as_str(), c["phone"].as_str()),
        (Some("li.lei@example.com"), Some("+8613800000000"))
    );
    let kinds: Vec<&str> = c["identities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"email") && kinds.contains(&"phone"),
        "{kinds:?}"
    );

    let (s, e) = admin
        .post("/api/v1/contacts", json!({"email": "li.lei@example.com"}))
        .await;
    assert_eq!((s, error_code(&e).as_str()), (409, "conflict"));
    let (s, e) = admin
        .post("/api/v1/contacts", json!({"email": "nope"}))
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (s, e) = admin
        .post("/api/v1/contacts", json!({"attributes": [1]}))
        .await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    for n in 0..3 {
        let (s, _) = admin
            .post(
                "/api/v1/contacts",
                json!({"name": format!("Han Meimei {n}")}),
            )
            .await;
        assert_eq!(s, 201);
    }

    let (s, got) = admin.get(&format!("/api/v1/contacts/{id}")).await;
    assert_eq!((s, got["name"].as_str()), (200, Some("Li Lei")));
    assert_eq!(got["identities"].as_array().unwrap().len(), 2);

    let (s, page) = admin.get("/api/v1/contacts?q=Li%20Lei").await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/contacts?limit=2&cursor={c}"),
            None => "/api/v1/contacts?limit=2".into(),
        };
        let (s, page) = admin.get(&path).await;
        assert_eq!(s, 200, "{page}");
        for c in page["items"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "every contact once: {seen:?}");
    let (s, e) = admin.get("/api/v1/contacts?cursor=garbage").await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (s, e) = admin.get("/api/v1/contacts?limit=many").await;
    assert_eq!((s, error_code(&e).as_str()), (400, "invalid_query"));

    let (s, upd) = agent
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({"phone": null, "email": "lilei@example.org", "attributes": {"plan": "team"}}),
        )
        .await;
    assert_eq!(s, 200, "{upd}");
    assert!(upd["phone"].is_null());
    assert_eq!(upd["name"], "Li Lei", "absent fields stay");
    assert_eq!(upd["attributes"], json!({"plan": "team"}));
    assert_eq!(
        upd["identities"].as_array().unwrap().len(),
        3,
        "the new email joins the identities"
    );
    assert_eq!(
        admin
            .get(&format!("/api/v1/contacts/{}", uuid::Uuid::now_v7()))
            .await
            .0,
        404
    );
});

both_backends!(personal_tokens_work_as_bearer_until_revoked, |app| {
    let t = &app.tenant;
    let admin = app.admin().await;
    let agent = app.agent().await;
    let (s, e) = admin.post("/api/v1/tokens", json!({"name": ""})).await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
    let (s, created) = admin
        .post("/api/v1/tokens", json!({"name": "nightly export"}))
        .await;
    assert_eq!(s, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let token_id = created["token"]["id"].as_str().unwrap().to_string();
    assert!(secret.starts_with("kefu_pat_") && secret.len() > 40);
    assert!(secret.starts_with(created["token"]["prefix"].as_str().unwrap()));
    assert_eq!(created["token"]["kind"], "personal");

    let bearer = Client::with_bearer(&app.base, &secret);
    let (s, me) = bearer.get("/api/v1/auth/me").await;
    assert_eq!((s, me["role"].as_str()), (200, Some("admin")));
    let (s, team) = bearer
        .post("/api/v1/teams", json!({"name": "Via token"}))
        .await;
    assert_eq!(s, 201, "tokens need no CSRF header: {team}");
    let (s, e) = bearer.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!((s, error_code(&e).as_str()), (400, "not_a_session"));

    let (_, list) = admin.get("/api/v1/tokens").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0]["last_used_at"].is_i64(), "use is recorded: {list}");
    assert!(!list.to_string().contains(&secret));

    // An agent's own tokens; someone else's token is not found to them.
    let (_, agent_tok) = agent.post("/api/v1/tokens", json!({"name": "mine"})).await;
    let agent_tok_id = agent_tok["token"]["id"].as_str().unwrap().to_string();
    let (_, theirs) = agent.get("/api/v1/tokens").await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(
        agent.delete(&format!("/api/v1/tokens/{token_id}")).await.0,
        404
    );
    let (_, all) = admin.get("/api/v1/tokens?all=true").await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    let (s, _) = admin.delete(&format!("/api/v1/tokens/{token_id}")).await;
    assert_eq!(s, 204);
    let (s, e) = bearer.get("/api/v1/auth/me").await;
    assert_eq!((s, error_code(&e).as_str()), (401, "unauthorized"));
    assert_eq!(
        admin.delete(&format!("/api/v1/tokens/{token_id}")).await.0,
        204,
        "twice is fine"
    );
    let (s, _) = admin
        .delete(&format!("/api/v1/tokens/{agent_tok_id}"))
        .await;
    assert_eq!(s, 204, "admins may revoke any token");
    let (s, _) = Client::with_bearer(&app.base, agent_tok["secret"].as_str().unwrap())
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(s, 401);

    let log = audit(&admin).await;
    let created = log
        .iter()
        .find(|e| e["action"] == "token.created" && e["target"] == token_id.as_str())
        .expect("token creation audited");
    assert_eq!(created["actor_user_id"], t.admin_id.to_string());
    assert!(has_action(&log, "token.revoked", &token_id));
    // The team made with the token names the token as the actor.
    let via_token = log.iter().find(|e| e["action"] == "team.created").unwrap();
    assert_eq!(via_token["actor"], format!("token:{token_id}"));
    assert!(!serde_json::to_string(&log).unwrap().contains(&secret));
});

both_backends!(audit_log_pages_newest_first, |app| {
    let admin = app.admin().await;
    for n in 0..5 {
        admin
            .post("/api/v1/teams", json!({"name": format!("T{n}")}))
            .await;
    }
    let (s, p1) = admin.get("/api/v1/audit-log?limit=2").await;
    assert_eq!(s, 200, "{p1}");
    let items = p1["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["details"]["name"], "T4", "newest first");
    let cursor = p1["next_cursor"].as_str().expect("more pages");
    let (_, p2) = admin
        .get(&format!("/api/v1/audit-log?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(p2["items"][0]["details"]["name"], "T2");
    let (s, e) = admin.get("/api/v1/audit-log?cursor=%21%21").await;
    assert_eq!((s, error_code(&e).as_str()), (422, "validation_failed"));
});

/// Rate limits and cookie flags need their own server settings.
async fn limited_app(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        HttpConfig {
            public_rate_burst: 3,
            public_rate_per_second: 0.001,
            secure_cookies: true,
            ..HttpConfig::default()
        },
    )
    .await
}

/// A client whose requests come from `ip` (any 127.x address reaches the
/// loopback listener), so per-address limits can be told apart.
fn from_ip(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .unwrap()
}

/// One login attempt: status, the header that matters (`Set-Cookie` on
/// success, `Retry-After` when limited) and the body.
async fn attempt(
    app: &TestApp,
    http: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, Option<String>, Value) {
    let res = http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let name = if status == 429 {
        "retry-after"
    } else {
        "set-cookie"
    };
    let header = res
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, header, res.json().await.unwrap_or(Value::Null))
}

async fn rate_limits(app: TestApp) {
    let t = app.tenant.clone();
    // Burst 3 per address: the fourth attempt from one address is refused,
    // even with the right password.
    let one = from_ip([127, 0, 0, 2]);
    for _ in 0..2 {
        let (s, _, _) = attempt(&app, &one, "someone@example.com", "wrong password").await;
        assert_eq!(s, 401);
    }
    let (s, cookie, _) = attempt(&app, &one, &t.admin_email, PASSWORD).await;
    assert_eq!(s, 200);
    assert!(
        cookie.unwrap().contains("; Secure"),
        "secure_cookies marks the cookie Secure"
    );
    let (s, retry, b) = attempt(&app, &one, &t.admin_email, PASSWORD).await;
    assert_eq!((s, error_code(&b).as_str()), (429, "rate_limited"));
    assert_eq!(retry.as_deref(), Some("1"), "Retry-After is set");

    // Per email: three tries on the agent from a second address use up the
    // agent's budget, so a third address is refused for the agent but
    // still served for others.
    let two = from_ip([127, 0, 0, 3]);
    for _ in 0..3 {
        let (s, _, _) = attempt(&app, &two, &t.agent_email, "wrong password").await;
        assert_eq!(s, 401);
    }
    let three = from_ip([127, 0, 0, 4]);
    let (s, _, b) = attempt(&app, &three, &t.agent_email, PASSWORD).await;
    assert_eq!((s, error_code(&b).as_str()), (429, "rate_limited"));
    let (s, _, _) = attempt(&app, &three, "other@example.com", "wrong password").await;
    assert_eq!(s, 401);

    // The failures were audited with the address they came from.
    let failed: Vec<_> = app
        .store
        .list_audit(
            t.account_id,
            &kefu_core::store::PageRequest {
                cursor: None,
                limit: 100,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.action == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), 3);
    assert!(
        failed.iter().all(|e| e.ip.as_deref() == Some("127.0.0.3")),
        "{failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_per_address_and_email_sqlite() {
    rate_limits(limited_app(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_per_address_and_email_postgres() {
    if let Some(app) = limited_app(Backend::Postgres).await {
        rate_limits(app).await;
    }
}

both_backends!(api_reference_page_lists_every_operation, |app| {
    let anon = app.anonymous();
    let (s, doc) = anon.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let res = reqwest::get(app.url("/api/docs")).await.unwrap();
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    let page = res.text().await.unwrap();
    assert!(
        !page.contains("<script") && !page.contains(" src="),
        "self-contained"
    );
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_string()),
                "operationId {id:?} of {method} {path} is not unique"
            );
        }
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        let escaped = kefu_http::routes::docs::html_escape(path);
        assert!(
            page.contains(&format!("<code>{escaped}</code>")),
            "{path} missing"
        );
        for (_method, op) in item.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                assert!(page.contains(&format!("id=\"op-{id}\"")), "{id} missing");
            }
        }
    }
    for section in ["authentication", "errors", "schemas"] {
        assert!(page.contains(&format!("id=\"{section}\"")), "{section}");
    }
});
