//! Tenant isolation, checked over the whole API as documented: tenant A
//! fills its account with one of everything, then tenant B calls every
//! operation in the OpenAPI document with A's ids in the path and the body,
//! with each of B's credentials. Nothing may answer with A's data, change
//! A's data, or fail with a 500. A new route is covered the moment it is
//! documented.
//!
//! Also: every operation refuses callers without credentials (401), except
//! the ones documented as public.

use std::collections::BTreeMap;

use kefu_core::model::{Attachment, MessageContent, MessageVisibility, Priority, Sender};
use kefu_core::state::Policy;
use kefu_core::store::{NewConversation, NewMessage};
use kefu_core::{AttachmentId, ContactId, ConversationId, InboxId, MessageId};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Client, PASSWORD, TestApp};

/// Tenant A's world: the ids B will aim at, and the text that must never
/// reach B.
struct World {
    ids: BTreeMap<&'static str, String>,
    /// Everything of A's that B must not see: ids, names, emails, secrets.
    secrets: Vec<String>,
    pat: String,
    inbox_token: String,
}

impl World {
    fn id(&self, what: &str) -> String {
        self.ids
            .get(what)
            .cloned()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
    }
}

/// Which of A's resources a path parameter names: by its own name
/// (`user_id`, `conversation_id`, ...) or, for `{id}`, by the segment
/// before it (`/teams/{id}`).
fn resource_for(path: &str, param: &str) -> &'static str {
    let by_name = match param.trim_end_matches("_id") {
        "user" | "agent" | "assignee" | "member" => Some("agent"),
        "team" => Some("team"),
        "inbox" => Some("inbox"),
        "contact" => Some("contact"),
        "conversation" => Some("conversation"),
        "message" => Some("message"),
        "attachment" => Some("attachment"),
        "token" => Some("token"),
        "account" => Some("account"),
        _ => None,
    };
    if let Some(r) = by_name {
        return r;
    }
    let before = path
        .split('/')
        .take_while(|seg| *seg != format!("{{{param}}}"))
        .last()
        .unwrap_or_default();
    match before {
        "users" => "admin",
        "teams" => "team",
        "inboxes" => "inbox",
        "contacts" => "contact",
        "conversations" => "conversation",
        "messages" => "message",
        "attachments" => "attachment",
        "tokens" => "token",
        "accounts" => "account",
        "canned_responses" => "canned",
        "entries" => "kb",
        _ => "unknown",
    }
}

fn concrete_path(path: &str, world: &World) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let param = &rest[start + 1..start + len];
        out.push_str(&world.id(resource_for(path, param)));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// A body for the operation: a valid-looking one where we know the
/// endpoint, otherwise the documented example with every id field aimed at
/// A's resources.
fn body_for(
    method: &str,
    path: &str,
    op: &Value,
    components: &Value,
    world: &World,
) -> Option<Value> {
    let known = match (method, path) {
        ("post", "/api/v1/auth/login") => {
            Some(json!({"email": world.secrets[1], "password": "wrong password"}))
        }
        ("post", "/api/v1/auth/password") => {
            Some(json!({"current_password": "not it", "new_password": "whatever it is"}))
        }
        ("post", "/api/v1/auth/switch-account") => Some(json!({"account_id": world.id("account")})),
        ("patch", "/api/v1/account") => Some(json!({"name": "Globex renamed"})),
        // A fresh email: adding an existing user by email is by design
        // possible across accounts (it joins them to B, and B then sees
        // their name), so it is not what this walk is about.
        ("post", "/api/v1/users") => Some(json!({
            "email": format!("walk-{}@example.com", uuid::Uuid::now_v7().simple()),
            "name": "New", "password": "long enough password", "role": "agent",
        })),
        ("patch", p) if p.starts_with("/api/v1/users/") => {
            Some(json!({"role": "agent", "name": "Hijacked", "availability": "away"}))
        }
        ("post", "/api/v1/inboxes") => {
            Some(json!({"name": "Stolen", "channel": "api", "default_team_id": world.id("team")}))
        }
        ("patch", p) if p.starts_with("/api/v1/inboxes/") => {
            Some(json!({"name": "Hijacked", "require_identity": false}))
        }
        ("patch", p) if p.starts_with("/api/v1/teams/") => Some(json!({"name": "Hijacked"})),
        ("patch", p) if p.starts_with("/api/v1/contacts/") => {
            Some(json!({"name": "Hijacked", "email": "stolen@example.com"}))
        }
        ("post", p) if p.ends_with("/tokens") => Some(json!({"name": "stolen"})),
        // A fresh short code each time: B's session and token are one member.
        ("post", "/api/v1/canned_responses") => Some(json!({
            "short_code": format!("walk-{}", uuid::Uuid::now_v7().simple()),
            "content": "B's own words",
        })),
        // A fresh question each time: B's calls are B's own entries.
        ("post", "/api/v1/bot/questions/resolve") => Some(json!({
            "message_ids": [world.id("message")], "resolution": "dismissed",
        })),
        ("post", "/api/v1/kb/entries") => Some(json!({
            "question": format!("walk {}?", uuid::Uuid::now_v7().simple()),
            "answer": "B's own answer",
            "locale": "en",
        })),
        ("patch", p) if p.starts_with("/api/v1/kb/entries/") => {
            Some(json!({"version": 1, "answer": "Hijacked", "enabled": false}))
        }
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    let schema = op.pointer("/requestBody/content/application~1json/schema")?;
    let mut example = kefu_http::routes::docs::example_value(schema, components);
    aim_ids(&mut example, world);
    Some(example)
}

/// Points every id-like field of a generated body at A's resources.
fn aim_ids(v: &mut Value, world: &World) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                let is_id = k == "id" || k.ends_with("_id");
                if is_id && val.is_string() {
                    *val = json!(world.id(resource_for("", k)));
                } else if is_id && val.is_array() {
                    *val = json!([world.id(resource_for("", k))]);
                } else {
                    aim_ids(val, world);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| aim_ids(x, world)),
        Value::String(s) if s == "string" => *s = "hello".into(),
        _ => {}
    }
}

async fn call(c: &Client, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let m: reqwest::Method = method.to_uppercase().parse().expect("method");
    let mut r = c.http.request(m, format!("{}{path}", c.base));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.expect("request");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

/// Fills tenant A: a team, a second inbox, a contact, tokens, a conversation
/// with a message and an attachment. Through the API where the routes exist;
/// through the store where they do not (yet).
async fn build_world(app: &TestApp, doc: &Value) -> World {
    let t = &app.tenant;
    let a = app.admin().await;
    let has = |method: &str, path: &str| doc["paths"][path][method].is_object();

    let (s, team) = a
        .post("/api/v1/teams", json!({"name": "Acme secret team"}))
        .await;
    assert_eq!(s, 201, "{team}");
    a.put(
        &format!(
            "/api/v1/teams/{}/members/{}",
            team["id"].as_str().unwrap(),
            t.agent_id
        ),
        Value::Null,
    )
    .await;
    let (s, inbox) = a
        .post(
            "/api/v1/inboxes",
            json!({"name": "Acme secret inbox", "channel": "api", "default_team_id": team["id"]}),
        )
        .await;
    assert_eq!(s, 201, "{inbox}");
    let (s, contact) = a
        .post(
            "/api/v1/contacts",
            json!({"name": "Acme secret customer", "email": "acme-customer@example.com"}),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    let (s, pat) = a
        .post("/api/v1/tokens", json!({"name": "Acme secret script"}))
        .await;
    assert_eq!(s, 201, "{pat}");
    let (s, inb_tok) = a
        .post(
            &format!("/api/v1/inboxes/{}/tokens", t.inbox_id),
            json!({"name": "Acme secret integration"}),
        )
        .await;
    assert_eq!(s, 201, "{inb_tok}");
    let (s, secret) = a
        .post(
            &format!("/api/v1/inboxes/{}/secret", t.inbox_id),
            Value::Null,
        )
        .await;
    assert_eq!(s, 200, "{secret}");

    let (s, canned) = a
        .post(
            "/api/v1/canned_responses",
            json!({"short_code": "acme", "content": "Acme secret canned text", "shared": true}),
        )
        .await;
    assert_eq!(s, 201, "{canned}");

    let (s, kb) = a
        .post(
            "/api/v1/kb/entries",
            json!({"question": "Acme secret question?", "answer": "Acme secret answer", "locale": "en"}),
        )
        .await;
    assert_eq!(s, 201, "{kb}");

    let contact_id: ContactId = contact["id"].as_str().unwrap().parse().unwrap();

    // The conversation, its message and an attachment.
    let mut conversation: Option<String> = None;
    if has("post", "/api/v1/conversations") {
        let (s, c) = a
            .post("/api/v1/conversations", json!({"inbox_id": t.inbox_id, "contact_id": contact_id, "subject": "Acme secret subject"}))
            .await;
        if (200..300).contains(&s) {
            conversation = c["id"]
                .as_str()
                .or(c["conversation"]["id"].as_str())
                .map(str::to_string);
        } else {
            eprintln!("POST /conversations answered {s}: {c}; using the store");
        }
    }
    let conversation = match conversation {
        Some(c) => c,
        None => {
            let applied = app
                .store
                .create_conversation(
                    &NewConversation {
                        id: ConversationId::new(),
                        account_id: t.account_id,
                        inbox_id: t.inbox_id,
                        contact_id,
                        kind: kefu_core::model::ConversationKind::Chat,
                        priority: Priority::Normal,
                        subject: Some("Acme secret subject".into()),
                        labels: vec![],
                        ticket_type: None,
                        custom_fields: Default::default(),
                        follow_up_of: None,
                        actor: Sender::agent(t.admin_id),
                        now: kefu_core::Timestamp::now(),
                    },
                    &Policy {
                        bot_enabled: false,
                        default_team: None,
                        bot_while_queued: false,
                    },
                )
                .await
                .expect("conversation");
            applied.conversation.id.to_string()
        }
    };
    let conversation_id: ConversationId = conversation.parse().unwrap();

    let mut message: Option<String> = None;
    let messages_path = "/api/v1/conversations/{id}/messages";
    if has("post", messages_path) {
        let (s, m) = a
            .post(
                &format!("/api/v1/conversations/{conversation}/messages"),
                json!({"text": "Acme secret message"}),
            )
            .await;
        if (200..300).contains(&s) {
            message = m["message"]["id"]
                .as_str()
                .or(m["id"].as_str())
                .map(str::to_string);
        } else {
            eprintln!("POST {messages_path} answered {s}: {m}; using the store");
        }
    }
    let message = match message {
        Some(m) => m,
        None => app
            .store
            .append_message(
                &NewMessage {
                    id: MessageId::new(),
                    account_id: t.account_id,
                    conversation_id,
                    sender: Sender::contact(contact_id),
                    content: MessageContent::text("Acme secret message"),
                    visibility: MessageVisibility::Public,
                    external_id: None,
                    client_id: None,
                    mentions: vec![],
                    now: kefu_core::Timestamp::now(),
                },
                &Policy {
                    bot_enabled: false,
                    default_team: None,
                    bot_while_queued: false,
                },
            )
            .await
            .expect("message")
            .message
            .id
            .to_string(),
    };

    let mut attachment: Option<String> = None;
    if has("post", "/api/v1/attachments") {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("acme-secret.png"),
            )
            .text("conversation_id", conversation.clone());
        let res = a
            .http
            .post(app.url("/api/v1/attachments"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let s = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&s) {
            attachment = body["id"]
                .as_str()
                .or(body["attachment"]["id"].as_str())
                .map(str::to_string);
        } else {
            eprintln!("POST /attachments answered {s}: {body}; using the store");
        }
    }
    let attachment = match attachment {
        Some(a) => a,
        None => {
            let id = AttachmentId::new();
            let key = format!("att-{}", id.0.simple());
            app.state.blobs.put(&key, PNG).await.expect("blob");
            app.store
                .create_attachment(&Attachment {
                    id,
                    account_id: t.account_id,
                    conversation_id: Some(conversation_id),
                    file_name: "acme-secret.png".into(),
                    content_type: "image/png".into(),
                    size: PNG.len() as i64,
                    sha256: "0".repeat(64),
                    storage_key: key,
                    thumbnail_key: None,
                    width: Some(1),
                    height: Some(1),
                    created_at: kefu_core::Timestamp::now(),
                })
                .await
                .expect("attachment");
            id.to_string()
        }
    };

    let mut ids = BTreeMap::new();
    ids.insert("account", t.account_id.to_string());
    ids.insert("admin", t.admin_id.to_string());
    ids.insert("agent", t.agent_id.to_string());
    ids.insert("team", team["id"].as_str().unwrap().to_string());
    ids.insert("inbox", t.inbox_id.to_string());
    ids.insert("inbox2", inbox["id"].as_str().unwrap().to_string());
    ids.insert("contact", contact_id.to_string());
    ids.insert("token", pat["token"]["id"].as_str().unwrap().to_string());
    ids.insert(
        "inbox_token",
        inb_tok["token"]["id"].as_str().unwrap().to_string(),
    );
    ids.insert("conversation", conversation);
    ids.insert("message", message);
    ids.insert("attachment", attachment);
    ids.insert("canned", canned["id"].as_str().unwrap().to_string());
    ids.insert("kb", kb["id"].as_str().unwrap().to_string());
    // A question A's bot could not answer, for the learning loop's routes.
    app.store
        .record_bot_question(&kefu_core::model::NewBotQuestion {
            account_id: t.account_id,
            conversation_id: ids["conversation"].parse().unwrap(),
            message_id: ids["message"].parse().unwrap(),
            text: "Acme secret unanswered question".into(),
            outcome: "candidates".into(),
            now: kefu_core::Timestamp::now(),
        })
        .await
        .unwrap();

    let pat_secret = pat["secret"].as_str().unwrap().to_string();
    let inbox_token = inb_tok["secret"].as_str().unwrap().to_string();
    let mut secrets = vec![
        "Acme".to_string(),
        t.admin_email.clone(),
        t.agent_email.clone(),
        "acme-customer@example.com".into(),
        pat_secret.clone(),
        inbox_token.clone(),
        secret["secret"].as_str().unwrap().to_string(),
    ];
    secrets.extend(ids.values().cloned());
    World {
        ids,
        secrets,
        pat: pat_secret,
        inbox_token,
    }
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Statuses that refuse without telling anything.
fn refused(status: u16) -> bool {
    matches!(status, 400 | 401 | 403 | 404 | 405 | 415 | 422 | 426)
}

/// What A can observe about its own state, to compare before and after.
async fn snapshot(app: &TestApp, world: &World) -> Value {
    let a = Client::with_bearer(&app.base, &world.pat);
    let mut out = serde_json::Map::new();
    for path in [
        "/api/v1/account".to_string(),
        "/api/v1/users".into(),
        "/api/v1/teams".into(),
        format!("/api/v1/teams/{}/members", world.id("team")),
        "/api/v1/inboxes".into(),
        format!("/api/v1/inboxes/{}/members", world.id("inbox")),
        format!("/api/v1/contacts/{}", world.id("contact")),
        "/api/v1/tokens?all=true".into(),
        "/api/v1/canned_responses".into(),
        "/api/v1/kb/entries".into(),
        "/api/v1/kb/revision".into(),
        "/api/v1/bot/questions".into(),
    ] {
        let (s, mut b) = a.get(&path).await;
        assert_eq!(s, 200, "A reads {path}: {b}");
        strip_volatile(&mut b);
        out.insert(path, b);
    }
    let t = &app.tenant;
    let inbox: InboxId = world.id("inbox").parse().unwrap();
    out.insert(
        "inbox_secret".into(),
        json!(app.store.inbox_secret(t.account_id, inbox).await.unwrap()),
    );
    let conv = app
        .store
        .get_conversation(t.account_id, world.id("conversation").parse().unwrap())
        .await
        .unwrap();
    out.insert(
        "conversation".into(),
        json!({"version": conv.version, "status": conv.status, "last_seq": conv.last_seq}),
    );
    Value::Object(out)
}

/// Fields that change by being looked at.
fn strip_volatile(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("last_used_at");
            m.values_mut().for_each(strip_volatile);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

async fn walk(app: TestApp) {
    let anon = app.anonymous();
    let (s, doc) = anon.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let components = doc["components"].clone();
    let world = build_world(&app, &doc).await;
    let before = snapshot(&app, &world).await;

    // Tenant B and each of its credentials.
    let b = app.new_tenant("Globex").await;
    let b_session = app.login(&b.admin_email).await;
    let (_, pat) = b_session
        .post("/api/v1/tokens", json!({"name": "b script"}))
        .await;
    let b_pat = Client::with_bearer(&app.base, pat["secret"].as_str().unwrap());
    let (_, inb) = b_session
        .post(
            &format!("/api/v1/inboxes/{}/tokens", b.inbox_id),
            json!({"name": "b integration"}),
        )
        .await;
    let b_inbox = Client::with_bearer(&app.base, inb["secret"].as_str().unwrap());
    let callers = [
        ("B session", &b_session),
        ("B personal token", &b_pat),
        ("B inbox token", &b_inbox),
    ];

    let mut ops: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.clone(), path.clone(), op.clone()));
        }
    }
    // Signing out would end B's session halfway: last.
    ops.sort_by_key(|(m, p, _)| (p.ends_with("/auth/logout"), p.clone(), m.clone()));
    assert!(
        ops.len() >= 38,
        "the directory alone documents 38 operations"
    );

    let mut failures = Vec::new();
    let mut count = 0;
    let mut statuses: BTreeMap<(&str, u16), usize> = BTreeMap::new();
    for (who, client) in callers {
        for (method, path, op) in &ops {
            if path.ends_with("/ws") {
                continue; // sockets have their own isolation tests
            }
            let url = concrete_path(path, &world);
            let body = body_for(method, path, op, &components, &world);
            let sent = format!(
                "{url} {}",
                body.as_ref().map(Value::to_string).unwrap_or_default()
            );
            let (status, text) = call(client, method, &url, body).await;
            count += 1;
            *statuses.entry((who, status)).or_insert(0) += 1;
            let line = format!(
                "{who}: {} {url} -> {status} {}",
                method.to_uppercase(),
                truncate(&text)
            );
            if status >= 500 {
                failures.push(format!("5xx  {line}"));
                continue;
            }
            if !(200..300).contains(&status) && !refused(status) {
                failures.push(format!("status {line}"));
            }
            // Whatever the status, nothing of A's may come back unless the
            // caller sent it.
            for s in &world.secrets {
                if text.contains(s.as_str()) && !sent.contains(s.as_str()) {
                    failures.push(format!("LEAK of {s:?}  {line}"));
                }
            }
        }
    }
    eprintln!("{count} calls by caller and status: {statuses:?}");
    assert!(
        failures.is_empty(),
        "{count} calls; failures:\n{}",
        failures.join("\n")
    );

    // A's world is as it was; A's credentials still work.
    let after = snapshot(&app, &world).await;
    assert_eq!(before, after, "B's calls changed A's data");
    let still = app
        .store
        .find_token(
            &kefu_http::auth::secrets::sha256_hex(&world.inbox_token),
            kefu_core::Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(still.is_some(), "A's inbox token still works");
    let (s, me) = Client::with_bearer(&app.base, &world.pat)
        .get("/api/v1/auth/me")
        .await;
    assert_eq!((s, me["role"].as_str()), (200, Some("admin")));
    let (s, _, _) = login(&app, &app.tenant.admin_email).await;
    assert_eq!(s, 200, "A's admin can still sign in");
}

async fn login(app: &TestApp, email: &str) -> (u16, Option<String>, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, cookie, res.json().await.unwrap_or(Value::Null))
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}

both_backends!(tenant_b_cannot_reach_tenant_a_anywhere, |app| {
    // With the search index on, as `kefu serve` runs: B's searches must
    // find nothing of A's.
    app.enable_search();
    walk(app).await;
});

/// Public operations are the ones documented with an empty security
/// requirement (or none at all).
fn is_public(op: &Value) -> bool {
    match op.get("security").and_then(Value::as_array) {
        None => true,
        Some(reqs) => {
            reqs.is_empty()
                || reqs
                    .iter()
                    .any(|r| r.as_object().is_some_and(|m| m.is_empty()))
        }
    }
}

both_backends!(every_operation_needs_credentials_unless_public, |app| {
    let anon = app.anonymous();
    let (s, doc) = anon.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let components = doc["components"].clone();
    let world = build_world(&app, &doc).await;
    let mut failures = Vec::new();
    let mut public = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let url = concrete_path(path, &world);
            let body = body_for(method, path, op, &components, &world);
            let sent = format!(
                "{url} {}",
                body.as_ref().map(Value::to_string).unwrap_or_default()
            );
            let (status, text) = call(&anon, method, &url, body).await;
            let line = format!(
                "{} {url} -> {status} {}",
                method.to_uppercase(),
                truncate(&text)
            );
            if status >= 500 {
                failures.push(format!("5xx {line}"));
            } else if is_public(op) {
                public.push(format!("{} {path}", method.to_uppercase()));
                for s in &world.secrets {
                    if text.contains(s.as_str()) && !sent.contains(s.as_str()) {
                        failures.push(format!("LEAK of {s:?} {line}"));
                    }
                }
            } else if status != 401 {
                failures.push(line);
            } else {
                let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if body["error"]["code"] != "unauthorized" {
                    failures.push(format!("code {line}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "without credentials:\n{}",
        failures.join("\n")
    );
    assert!(
        public.contains(&"POST /api/v1/auth/login".to_string()),
        "{public:?}"
    );
    eprintln!("public operations: {public:?}");
});
