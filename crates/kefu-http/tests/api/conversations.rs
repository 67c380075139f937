//! Conversations, messages, attachments, the widget and the inbox-token API
//! over HTTP, on both backends.

use std::collections::HashSet;
use std::io::Cursor;

use kefu_core::model::{ApiToken, Availability, Member, Role, TokenKind, User};
use kefu_core::{AccountId, ContactId, InboxId, Timestamp, TokenId, UserId};
use kefu_http::HttpConfig;
use kefu_http::auth::{password, secrets};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Client, PASSWORD, Tenant, TestApp, error_code};

// ---------------------------------------------------------------- fixtures

/// A personal API token for a member, made directly in the store.
pub async fn pat(app: &TestApp, account: AccountId, user: UserId) -> String {
    let secret = secrets::random_token("kefu_pat_");
    let t = ApiToken {
        id: TokenId::new(),
        account_id: account,
        kind: TokenKind::Personal,
        user_id: Some(user),
        inbox_id: None,
        name: "test".into(),
        prefix: secret[..12].to_string(),
        created_at: Timestamp::now(),
        last_used_at: None,
        revoked_at: None,
    };
    app.store
        .create_token(&t, &secrets::sha256_hex(&secret))
        .await
        .expect("token");
    secret
}

/// An inbox token for the tenant's widget inbox.
pub async fn inbox_token(app: &TestApp, tenant: &Tenant) -> String {
    let secret = secrets::random_token("kefu_inb_");
    let t = ApiToken {
        id: TokenId::new(),
        account_id: tenant.account_id,
        kind: TokenKind::Inbox,
        user_id: None,
        inbox_id: Some(tenant.inbox_id),
        name: "integration".into(),
        prefix: secret[..12].to_string(),
        created_at: Timestamp::now(),
        last_used_at: None,
        revoked_at: None,
    };
    app.store
        .create_token(&t, &secrets::sha256_hex(&secret))
        .await
        .expect("token");
    secret
}

/// A client acting as a member through a personal token.
pub async fn member_client(app: &TestApp, account: AccountId, user: UserId) -> Client {
    Client::with_bearer(&app.base, &pat(app, account, user).await)
}

/// One more member of the tenant, working in its widget inbox.
pub async fn new_member(app: &TestApp, tenant: &Tenant, role: Role) -> UserId {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let user = User {
        id: UserId::new(),
        email: format!("member-{tag}@example.com"),
        name: format!("Member {}", &tag[..6]),
        created_at: Timestamp::now(),
    };
    app.store
        .create_user(&user, &password::hash_blocking(PASSWORD))
        .await
        .unwrap();
    app.store
        .upsert_member(&Member {
            account_id: tenant.account_id,
            user_id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            role,
            // Offline: an online member with capacity would be offered the
            // tests' queued conversations by routing, racing their steps.
            availability: Availability::Offline,
            capacity: 5,
            skills: vec![],
            channel_capacity: Default::default(),
            last_assigned_at: None,
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    app.store
        .set_inbox_member(tenant.account_id, tenant.inbox_id, user.id, true)
        .await
        .unwrap();
    user.id
}

/// A widget visitor of an inbox.
pub struct VisitorFixture {
    pub client: Client,
    pub token: String,
    pub contact_id: ContactId,
}

pub async fn visitor(app: &TestApp, inbox: InboxId) -> VisitorFixture {
    let (s, body) = app
        .anonymous()
        .post("/api/v1/widget/sessions", json!({"inbox_id": inbox}))
        .await;
    assert_eq!(s, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("kefu_vis_"));
    VisitorFixture {
        client: Client::with_bearer(&app.base, &token),
        token,
        contact_id: body["contact_id"].as_str().unwrap().parse().unwrap(),
    }
}

impl VisitorFixture {
    /// Posts a text message and returns the response body.
    pub async fn says(&self, text: &str) -> Value {
        let (s, body) = self
            .client
            .post("/api/v1/widget/messages", json!({"text": text}))
            .await;
        assert_eq!(s, 201, "{body}");
        body
    }
}

/// A visitor with a conversation; returns the conversation id.
pub async fn conversation(app: &TestApp, inbox: InboxId) -> (VisitorFixture, String) {
    let v = visitor(app, inbox).await;
    let body = v.says("hello").await;
    let id = body["conversation"]["id"].as_str().unwrap().to_string();
    (v, id)
}

/// A PNG of noise, which does not compress: its size is about 3·w·h bytes.
fn noise_png(w: u32, h: u32) -> Vec<u8> {
    let mut x: u32 = 12345;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let b = x.to_le_bytes();
        image::Rgb([b[1], b[2], b[3]])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

pub async fn upload(
    client: &Client,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
    conv: Option<&str>,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        // A lie on purpose: the server must not believe it.
        .mime_str("image/png")
        .unwrap();
    let mut form = reqwest::multipart::Form::new().part("file", part);
    if let Some(c) = conv {
        form = form.text("conversation_id", c.to_string());
    }
    let res = client
        .http
        .post(format!("{}{path}", client.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

// ------------------------------------------------------------------- tests

both_backends!(visitor_agent_visitor_flow, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let v = visitor(&app, t.inbox_id).await;

    let (s, body) = v.client.get("/api/v1/widget/conversation").await;
    assert_eq!(s, 200);
    assert!(body["conversation"].is_null());

    // The visitor writes: a conversation starts and (no bot) is queued.
    let first = v.says("我的订单还没到").await;
    let conv = first["conversation"]["id"].as_str().unwrap().to_string();
    assert_eq!(first["conversation"]["status"], "queued");
    assert_eq!(first["message"]["sender"]["kind"], "contact");
    assert!(
        first["conversation"].get("assignee_id").is_none(),
        "visitors see no internals"
    );

    // The agent finds it in the queue and reads it.
    let (s, page) = agent.get("/api/v1/conversations?status=queued").await;
    assert_eq!(s, 200, "{page}");
    assert!(ids(&page["items"]).contains(&conv));
    let (s, c) = agent.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(s, 200);
    assert_eq!(c["contact_id"], json!(v.contact_id));
    let (s, msgs) = agent
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(msgs["items"][0]["content"]["text"], "我的订单还没到");

    // The agent replies, which claims the conversation.
    let (s, reply) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"content": {"type": "text", "text": "我来查一下"}}),
        )
        .await;
    assert_eq!(s, 201, "{reply}");
    assert_eq!(reply["conversation"]["status"], "assigned");
    assert_eq!(reply["conversation"]["assignee_id"], json!(t.agent_id));

    // The visitor sees the reply.
    let (s, seen) = v.client.get("/api/v1/widget/messages").await;
    assert_eq!(s, 200);
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["sender"]["kind"], "agent");
    assert_eq!(items[1]["content"]["text"], "我来查一下");
    assert!(items[1]["sender"].get("id").is_none());
    let (s, _) = v
        .client
        .post("/api/v1/widget/read", json!({"seq": items[1]["seq"]}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/read"),
            json!({"seq": items[1]["seq"]}),
        )
        .await;
    assert_eq!(s, 200);

    // Resolved, then reopened by the visitor writing again.
    let (s, r) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "resolved");
    let (s, r) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!((s, error_code(&r).as_str()), (409, "conversation_resolved"));
    let again = v.says("还是没到").await;
    assert_eq!(
        again["conversation"]["id"],
        json!(conv),
        "the same conversation"
    );
    // No bot in this inbox: a returning customer goes to the queue.
    assert_eq!(again["conversation"]["status"], "queued");
    let (s, ev) = agent
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for k in [
        "conversation.created",
        "message.created",
        "conversation.assigned",
        "conversation.resolved",
        "conversation.reopened",
        "conversation.read",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let seqs: Vec<i64> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gap-free sequence"
    );

    // The account stream pages by cursor. On PostgreSQL an event is handed
    // out only once every older transaction (anywhere on the server) has
    // finished, so a poller may need a moment to see the newest ones.
    let mut cursor = String::new();
    let mut streamed = HashSet::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (s, page) = agent
            .get(&format!("/api/v1/events?limit=3&cursor={cursor}"))
            .await;
        assert_eq!(s, 200, "{page}");
        for e in page["items"].as_array().unwrap() {
            assert!(
                streamed.insert(e["id"].as_str().unwrap().to_string()),
                "duplicate {e}"
            );
        }
        cursor = page["next_cursor"].as_str().unwrap().to_string();
        if !page["has_more"].as_bool().unwrap() {
            if streamed.len() >= seqs.len() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} < {}",
                streamed.len(),
                seqs.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let (s, page) = agent.get(&format!("/api/v1/events?cursor={cursor}")).await;
    assert_eq!(s, 200);
    assert!(page["items"].as_array().unwrap().is_empty());
    assert_eq!(page["next_cursor"], json!(cursor));
    let (s, bad) = agent.get("/api/v1/events?cursor=nonsense").await;
    assert_eq!((s, error_code(&bad).as_str()), (400, "invalid_cursor"));
});

both_backends!(filters_visibility_and_pagination, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let admin = app.admin().await;
    let mut convs = Vec::new();
    for _ in 0..5 {
        convs.push(conversation(&app, t.inbox_id).await.1);
    }
    // The agent takes two; one gets a label.
    for c in &convs[..2] {
        let (s, b) = agent
            .post(
                &format!("/api/v1/conversations/{c}/assign"),
                json!({"assignee_id": t.agent_id}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, b) = agent
        .patch(
            &format!("/api/v1/conversations/{}", convs[0]),
            json!({"labels": ["VIP", "退款"], "priority": "high", "subject": "Late parcel"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["labels"], json!(["vip", "退款"]));
    assert_eq!(b["priority"], "high");
    let (s, b) = agent
        .patch(
            &format!("/api/v1/conversations/{}", convs[0]),
            json!({"subject": null}),
        )
        .await;
    assert_eq!(s, 200);
    assert!(b["subject"].is_null());
    let (s, b) = agent
        .patch(
            &format!("/api/v1/conversations/{}", convs[0]),
            json!({"labels": ["a b"]}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "validation_failed"));

    let list = |q: &str| {
        let agent = agent.clone();
        let q = q.to_string();
        async move {
            let (s, b) = agent.get(&format!("/api/v1/conversations?{q}")).await;
            assert_eq!(s, 200, "{q}: {b}");
            ids(&b["items"]).into_iter().collect::<HashSet<_>>()
        }
    };
    let mine = list("assignee_id=me").await;
    assert_eq!(mine, convs[..2].iter().cloned().collect());
    assert_eq!(list(&format!("assignee_id={}", t.agent_id)).await, mine);
    assert_eq!(
        list("unassigned=true").await,
        convs[2..].iter().cloned().collect()
    );
    assert_eq!(
        list("status=queued").await,
        convs[2..].iter().cloned().collect()
    );
    assert_eq!(list("status=assigned").await, mine);
    assert_eq!(list("label=vip").await, HashSet::from([convs[0].clone()]));
    assert_eq!(list("label=退款").await, HashSet::from([convs[0].clone()]));
    assert!(list("kind=ticket").await.is_empty());
    assert_eq!(list(&format!("inbox_id={}", t.inbox_id)).await.len(), 5);
    assert!(
        list(&format!(
            "updated_since={}",
            Timestamp::now().millis() + 60_000
        ))
        .await
        .is_empty()
    );
    let (s, b) = agent.get("/api/v1/conversations?assignee_id=nobody").await;
    assert_eq!((s, error_code(&b).as_str()), (400, "invalid_query"));
    let (s, b) = agent.get("/api/v1/conversations?status=sleeping").await;
    assert_eq!((s, error_code(&b).as_str()), (400, "invalid_query"));

    // A ticket opened by the agent goes to the queue, not the bot.
    let (v, _) = conversation(&app, t.inbox_id).await;
    let (s, ticket) = agent
        .post("/api/v1/conversations", json!({"inbox_id": t.inbox_id, "contact_id": v.contact_id, "subject": "Refund follow-up", "labels": ["refund"]}))
        .await;
    assert_eq!(s, 201, "{ticket}");
    assert_eq!(ticket["kind"], "ticket");
    assert_eq!(ticket["status"], "queued");
    assert_eq!(
        list("kind=ticket").await,
        HashSet::from([ticket["id"].as_str().unwrap().to_string()])
    );
    let all = list("").await;
    assert_eq!(all.len(), 7);

    // Pages of two, by cursor: every conversation exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/v1/conversations?limit=2&cursor={c}"),
            None => "/api/v1/conversations?limit=2".into(),
        };
        let (s, page) = agent.get(&q).await;
        assert_eq!(s, 200, "{page}");
        let got = ids(&page["items"]);
        assert!(got.len() <= 2);
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), all);

    // An inbox the agent is not a member of stays invisible to them.
    let now = Timestamp::now();
    let hidden = kefu_core::model::Inbox {
        id: InboxId::new(),
        account_id: t.account_id,
        name: "VIP line".into(),
        channel: kefu_core::model::ChannelKind::WebWidget,
        bot_enabled: false,
        default_team_id: None,
        allowed_origins: vec![],
        require_identity: false,
        settings: json!({}),
        created_at: now,
        updated_at: now,
    };
    app.store.create_inbox(&hidden, "secret").await.unwrap();
    let (_, secret_conv) = conversation(&app, hidden.id).await;
    assert!(!list("").await.contains(&secret_conv));
    let (s, b) = agent
        .get(&format!("/api/v1/conversations/{secret_conv}"))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
    let (s, _) = agent
        .post(
            &format!("/api/v1/conversations/{secret_conv}/messages"),
            json!({"text": "hi"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = agent
        .get(&format!("/api/v1/conversations/{secret_conv}/events"))
        .await;
    assert_eq!(s, 404);
    let (s, _) = agent
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": hidden.id, "contact_id": v.contact_id}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, page) = admin.get("/api/v1/conversations").await;
    assert_eq!(s, 200);
    assert!(
        ids(&page["items"]).contains(&secret_conv),
        "admins see every inbox"
    );

    // Another tenant's conversation does not exist for us.
    let other = app.new_tenant("Other").await;
    let (_, foreign) = conversation(&app, other.inbox_id).await;
    let (s, _) = admin.get(&format!("/api/v1/conversations/{foreign}")).await;
    assert_eq!(s, 404);
    let (s, _) = admin
        .post(
            &format!("/api/v1/conversations/{foreign}/resolve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 404);
});

both_backends!(idempotent_client_id, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let v = visitor(&app, t.inbox_id).await;
    let (s, a) = v
        .client
        .post(
            "/api/v1/widget/messages",
            json!({"text": "once", "client_id": "c-1"}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/messages",
            json!({"text": "once", "client_id": "c-1"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    assert_eq!(b["message"]["client_id"], "c-1");
    let conv = a["conversation"]["id"].as_str().unwrap().to_string();

    let path = format!("/api/v1/conversations/{conv}/messages");
    let (s, a) = agent
        .post(&path, json!({"text": "reply", "client_id": "r-1"}))
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, b) = agent
        .post(&path, json!({"text": "reply", "client_id": "r-1"}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    let (_, msgs) = agent.get(&path).await;
    assert_eq!(msgs["items"].as_array().unwrap().len(), 2, "{msgs}");

    // Bad bodies.
    for (body, code) in [
        (json!({}), "validation_failed"),
        (
            json!({"text": "a", "content": {"type": "text", "text": "b"}}),
            "validation_failed",
        ),
        (json!({"text": "   "}), "validation_failed"),
        (
            json!({"content": {"type": "system", "text": "I am the system"}}),
            "validation_failed",
        ),
        (json!({"content": {"type": "hologram"}}), "invalid_body"),
        (json!({"text": "x", "client_id": ""}), "validation_failed"),
        (json!({"text": "x".repeat(20_000)}), "validation_failed"),
    ] {
        let (s, b) = agent.post(&path, body.clone()).await;
        assert_eq!(s, 422, "{body}: {b}");
        assert_eq!(error_code(&b), code, "{body}");
    }
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/messages",
            json!({"content": {"type": "card", "title": "fake"}}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "validation_failed"));
});

both_backends!(only_the_owner_speaks, |app| {
    let t = app.tenant.clone();
    let a = app.agent().await;
    let b_id = new_member(&app, &t, Role::Agent).await;
    let b = member_client(&app, t.account_id, b_id).await;
    let admin = app.admin().await;
    let (_, conv) = conversation(&app, t.inbox_id).await;
    let path = format!("/api/v1/conversations/{conv}/messages");

    let (s, r) = a.post(&path, json!({"text": "mine"})).await;
    assert_eq!(s, 201, "{r}");
    let (s, r) = b.post(&path, json!({"text": "no, mine"})).await;
    assert_eq!(
        (s, error_code(&r).as_str()),
        (409, "assigned_to_other_agent")
    );
    // Notes are always allowed.
    let (s, r) = b
        .post(&path, json!({"text": "FYI: VIP", "visibility": "internal"}))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["conversation"]["assignee_id"], json!(t.agent_id));
    // Taking it is not: self-assign over a colleague, or assigning others.
    let assign = format!("/api/v1/conversations/{conv}/assign");
    let (s, r) = b.post(&assign, json!({"assignee_id": b_id})).await;
    assert_eq!(
        (s, error_code(&r).as_str()),
        (409, "assigned_to_other_agent")
    );
    let (s, r) = a.post(&assign, json!({"assignee_id": b_id})).await;
    assert_eq!((s, error_code(&r).as_str()), (403, "forbidden"));
    let (s, r) = b.post(&assign, json!({"assignee_id": null})).await;
    assert_eq!((s, error_code(&r).as_str()), (403, "forbidden"));
    let (s, r) = b
        .post(
            &format!("/api/v1/conversations/{conv}/transfer"),
            json!({"agent_id": b_id}),
        )
        .await;
    assert_eq!(
        (s, error_code(&r).as_str()),
        (409, "assigned_to_other_agent")
    );
    // A supervisor may reassign; a stale version is refused.
    let (_, c) = admin.get(&format!("/api/v1/conversations/{conv}")).await;
    let version = c["version"].as_i64().unwrap();
    let (s, r) = admin
        .post(
            &assign,
            json!({"assignee_id": b_id, "expected_version": version - 1}),
        )
        .await;
    assert_eq!((s, error_code(&r).as_str()), (409, "version_conflict"));
    let (s, r) = admin
        .post(
            &assign,
            json!({"assignee_id": b_id, "expected_version": version}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["assignee_id"], json!(b_id));
    let (s, r) = a.post(&path, json!({"text": "still mine?"})).await;
    assert_eq!(
        (s, error_code(&r).as_str()),
        (409, "assigned_to_other_agent")
    );
    // Not a member: cannot be assigned.
    let (s, r) = admin
        .post(&assign, json!({"assignee_id": UserId::new()}))
        .await;
    assert_eq!((s, error_code(&r).as_str()), (422, "validation_failed"));
    let (s, r) = admin.post(&assign, json!({})).await;
    assert_eq!((s, error_code(&r).as_str()), (422, "validation_failed"));

    // B hands it to a team with a note; the note stays internal.
    let team = kefu_core::model::Team {
        id: kefu_core::TeamId::new(),
        account_id: t.account_id,
        name: "Billing".into(),
        skills: vec![],
        created_at: Timestamp::now(),
    };
    app.store.create_team(&team).await.unwrap();
    let (s, r) = b
        .post(
            &format!("/api/v1/conversations/{conv}/transfer"),
            json!({"team_id": team.id, "note": "refund over 1000"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "queued");
    assert_eq!(r["team_id"], json!(team.id));
    assert!(r["assignee_id"].is_null());
    let (_, msgs) = a.get(&path).await;
    let last = msgs["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            last["visibility"].as_str(),
            last["content"]["text"].as_str()
        ),
        (Some("internal"), Some("refund over 1000"))
    );
    let (s, r) = b
        .post(&format!("/api/v1/conversations/{conv}/transfer"), json!({}))
        .await;
    assert_eq!((s, error_code(&r).as_str()), (422, "validation_failed"));
    // Now anyone may take it again, by replying.
    let (s, r) = a.post(&path, json!({"text": "back to me"})).await;
    assert_eq!(s, 201, "{r}");

    // Snooze schedules a durable wake-up, once per conversation.
    let until = Timestamp::now().millis() + 3_600_000;
    let (s, r) = a
        .post(
            &format!("/api/v1/conversations/{conv}/snooze"),
            json!({"until": until}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "snoozed");
    let (s, _) = a
        .post(
            &format!("/api/v1/conversations/{conv}/snooze"),
            json!({"until": until + 1000}),
        )
        .await;
    assert_eq!(s, 200);
    let (pending, _) = app.store.count_jobs("conversation.unsnooze").await.unwrap();
    assert_eq!(pending, 1);
    let (s, r) = a
        .post(
            &format!("/api/v1/conversations/{conv}/snooze"),
            json!({"until": 1}),
        )
        .await;
    assert_eq!((s, error_code(&r).as_str()), (422, "validation_failed"));
    let (s, r) = a
        .post(&format!("/api/v1/conversations/{conv}/reopen"), json!({}))
        .await;
    assert_eq!(
        (s, error_code(&r).as_str()),
        (409, "conversation_not_resolved")
    );
    let (s, r) = a
        .post(
            &format!("/api/v1/conversations/{conv}/typing"),
            json!({"typing": true}),
        )
        .await;
    assert_eq!(s, 204, "{r}");
});

both_backends!(concurrent_claim_has_one_winner, |app| {
    let t = app.tenant.clone();
    let a = app.agent().await;
    let b_id = new_member(&app, &t, Role::Agent).await;
    let b = member_client(&app, t.account_id, b_id).await;
    for round in 0..5 {
        let (_, conv) = conversation(&app, t.inbox_id).await;
        let path = format!("/api/v1/conversations/{conv}/messages");
        let (ra, rb) = tokio::join!(
            a.post(&path, json!({"text": format!("A {round}")})),
            b.post(&path, json!({"text": format!("B {round}")}))
        );
        let mut statuses = [ra.0, rb.0];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "round {round}: {ra:?} {rb:?}");
        let loser = if ra.0 == 409 { &ra.1 } else { &rb.1 };
        assert_eq!(error_code(loser), "assigned_to_other_agent");
        let winner = if ra.0 == 201 { t.agent_id } else { b_id };
        let (_, c) = a.get(&format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(c["assignee_id"], json!(winner));
        let (_, msgs) = a.get(&path).await;
        assert_eq!(
            msgs["items"].as_array().unwrap().len(),
            2,
            "exactly one reply stored"
        );
    }
});

both_backends!(internal_notes_never_reach_the_widget, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let (s, _) = agent
        .post(
            &path,
            json!({"text": "customer is rude", "visibility": "internal"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = agent.post(&path, json!({"text": "How can I help?"})).await;
    assert_eq!(s, 201);
    let (_, all) = agent.get(&path).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let (s, seen) = v.client.get("/api/v1/widget/messages").await;
    assert_eq!(s, 200);
    let texts: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hello", "How can I help?"]);
    assert!(!seen.to_string().contains("rude"));
    // Paging after a seq skips notes too.
    let first_seq = seen["items"][0]["seq"].as_i64().unwrap();
    let (_, after) = v
        .client
        .get(&format!("/api/v1/widget/messages?after_seq={first_seq}"))
        .await;
    assert!(!after.to_string().contains("rude"));
    assert_eq!(after["items"].as_array().unwrap().len(), 1);
    // Agents cannot be impersonated through the widget, nor the widget used without a token.
    let (s, b) = app.anonymous().get("/api/v1/widget/messages").await;
    assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    let (s, _) = Client::with_bearer(&app.base, "kefu_vis_forged.sig")
        .get("/api/v1/widget/messages")
        .await;
    assert_eq!(s, 401);
});

both_backends!(attachments, |app| {
    let t = app.tenant.clone();
    let agent = app.agent().await;
    let (v, conv) = conversation(&app, t.inbox_id).await;

    // A real PNG: stored, measured, previewed.
    let bytes = png(800, 600);
    let (s, a) = upload(
        &agent,
        "/api/v1/attachments",
        "photo.png",
        bytes.clone(),
        Some(&conv),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["content_type"], "image/png");
    assert_eq!(
        (a["width"].as_i64(), a["height"].as_i64()),
        (Some(800), Some(600))
    );
    assert_eq!(a["size"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(a["conversation_id"], json!(conv));
    assert!(a.get("storage_key").is_none());
    let id = a["id"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let res = http
        .get(app.url(a["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), &bytes[..]);
    let res = http
        .get(app.url(a["thumbnail_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let thumb = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));

    // Sent in a message; the visitor can fetch it through the widget.
    let (s, m) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"content": {"type": "attachment", "attachment_id": id, "text": "your receipt"}}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let (s, w) = v
        .client
        .get(&format!("/api/v1/widget/attachments/{id}"))
        .await;
    assert_eq!(s, 200, "{w}");
    let res = http
        .get(app.url(w["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Lies about the type are refused whatever the name and content type say.
    for (name, body) in [
        ("photo.png", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec()),
        ("photo.png", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00".to_vec()),
        ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec()),
        ("broken.png", png(10, 10)[..60].to_vec()),
    ] {
        let (s, b) = upload(&agent, "/api/v1/attachments", name, body, None).await;
        assert_eq!((s, error_code(&b).as_str()), (415, "unsupported_file_type"), "{name}");
    }
    // Plain text and PDFs pass, served as downloads.
    let (s, txt) = upload(
        &agent,
        "/api/v1/attachments",
        "notes.txt",
        "order 42\n谢谢".as_bytes().to_vec(),
        None,
    )
    .await;
    assert_eq!(s, 201, "{txt}");
    assert_eq!(txt["content_type"], "text/plain; charset=utf-8");
    assert!(txt["thumbnail_url"].is_null());
    let res = http
        .get(app.url(txt["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );

    // Tampered and expired links.
    let url = a["url"].as_str().unwrap().to_string();
    let tampered = url.replace("sig=", "sig=A");
    let res = http.get(app.url(&tampered)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "invalid_signature");
    let thumb_as_original = a["thumbnail_url"]
        .as_str()
        .unwrap()
        .replace("&variant=thumbnail", "");
    assert_eq!(
        http.get(app.url(&thumb_as_original))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let keys = kefu_http::Keys::derive(b"test master secret");
    let stored = app
        .store
        .get_attachment(t.account_id, id.parse().unwrap())
        .await
        .unwrap();
    let past = Timestamp::now().millis() - 1000;
    let expired = kefu_http::routes::attachments::signing::link(
        &keys,
        &stored,
        kefu_http::routes::attachments::signing::Variant::Original,
        past,
    );
    let res = http.get(app.url(&expired)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "invalid_signature");
    let fresh = kefu_http::routes::attachments::signing::link(
        &keys,
        &stored,
        kefu_http::routes::attachments::signing::Variant::Original,
        past + 3_600_000,
    );
    assert_eq!(
        http.get(app.url(&fresh)).send().await.unwrap().status(),
        200,
        "the same link, unexpired, works"
    );

    // Another tenant can neither see nor fetch it.
    let other = app.new_tenant("Other").await;
    let stranger = member_client(&app, other.account_id, other.admin_id).await;
    let (s, b) = stranger.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
    let forged = url.replace(&t.account_id.to_string(), &other.account_id.to_string());
    assert_eq!(
        http.get(app.url(&forged)).send().await.unwrap().status(),
        403
    );
    let (s, _) = stranger
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"content": {"type": "attachment", "attachment_id": id}}),
        )
        .await;
    assert_eq!(s, 404);
    let (_, foreign_conv) = conversation(&app, other.inbox_id).await;
    let (s, b) = stranger
        .post(
            &format!("/api/v1/conversations/{foreign_conv}/messages"),
            json!({"content": {"type": "attachment", "attachment_id": id}}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (404, "not_found"),
        "another tenant's file cannot be sent"
    );
    let (s, _) = agent.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(s, 200);

    // The visitor uploads into their own conversation and sends it.
    let (s, va) = upload(
        &v.client,
        "/api/v1/widget/attachments",
        "screenshot.png",
        png(100, 50),
        None,
    )
    .await;
    assert_eq!(s, 201, "{va}");
    assert_eq!(va["conversation_id"], json!(conv));
    let (s, m) = v
        .client
        .post(
            "/api/v1/widget/messages",
            json!({"content": {"type": "attachment", "attachment_id": va["id"]}}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    // …but cannot send a file that is not theirs.
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/messages",
            json!({"content": {"type": "attachment", "attachment_id": txt["id"]}}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
    let (s, _) = v
        .client
        .get(&format!(
            "/api/v1/widget/attachments/{}",
            txt["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 404);

    // Not multipart, or no file.
    let (s, b) = agent
        .post("/api/v1/attachments", json!({"file": "x"}))
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (415, "unsupported_media_type")
    );
    let form = reqwest::multipart::Form::new().text("conversation_id", conv.clone());
    let res = agent
        .http
        .post(app.url("/api/v1/attachments"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
});

both_backends!(uploads_over_the_limit_are_refused, |app| {
    let small = TestApp::spawn_with(
        app.backend,
        HttpConfig {
            max_upload_bytes: 64 * 1024,
            public_rate_burst: 10_000,
            public_rate_per_second: 10_000.0,
            ..HttpConfig::default()
        },
    )
    .await
    .unwrap();
    let agent = member_client(&small, small.tenant.account_id, small.tenant.agent_id).await;
    // Over the limit but within what the server drains, so the client reads
    // a clean 413 rather than a reset connection.
    let big = noise_png(200, 200);
    assert!(
        big.len() > 64 * 1024 && big.len() < 2 * 64 * 1024,
        "{}",
        big.len()
    );
    let (s, b) = upload(&agent, "/api/v1/attachments", "big.png", big.clone(), None).await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (413, "payload_too_large"),
        "{b}"
    );
    let v = visitor(&small, small.tenant.inbox_id).await;
    let (s, b) = upload(
        &v.client,
        "/api/v1/widget/attachments",
        "big.png",
        big,
        None,
    )
    .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (413, "payload_too_large"),
        "{b}"
    );
    let (s, _) = upload(&agent, "/api/v1/attachments", "ok.png", png(20, 20), None).await;
    assert_eq!(s, 201);
    drop(app);
});

both_backends!(inbox_token_api, |app| {
    let t = app.tenant.clone();
    let token = inbox_token(&app, &t).await;
    let integration = Client::with_bearer(&app.base, &token);
    let body = json!({"contact": {"identifier": "crm-42", "name": "Li Lei", "email": "LI@example.com"}, "text": "Where is my order?", "external_id": "msg-1"});
    let (s, first) = integration
        .post("/api/v1/inbox/messages", body.clone())
        .await;
    assert_eq!(s, 201, "{first}");
    let (s, again) = integration.post("/api/v1/inbox/messages", body).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(first["message"]["id"], again["message"]["id"]);
    assert_eq!(first["conversation"]["id"], again["conversation"]["id"]);
    let contact: ContactId = first["conversation"]["contact_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let c = app.store.get_contact(t.account_id, contact).await.unwrap();
    assert_eq!(
        (c.name.as_deref(), c.email.as_deref()),
        (Some("Li Lei"), Some("li@example.com"))
    );
    let found = app
        .store
        .find_contact_by_identity(t.account_id, "external", "crm-42")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(contact));

    // A second message joins the open conversation.
    let (s, second) = integration
        .post("/api/v1/inbox/messages", json!({"contact": {"identifier": "crm-42"}, "content": {"type": "text", "text": "Hello?"}, "external_id": "msg-2"}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(second["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(
        second["message"]["seq"].as_i64().unwrap(),
        first["conversation"]["last_seq"].as_i64().unwrap() + 1
    );

    // Once resolved, the next message starts a new conversation; a late
    // redelivery of an old one still returns the original.
    let agent = app.agent().await;
    let conv = first["conversation"]["id"].as_str().unwrap();
    let (s, _) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200);
    let (s, late) = integration
        .post("/api/v1/inbox/messages", json!({"contact": {"identifier": "crm-42"}, "text": "Where is my order?", "external_id": "msg-1"}))
        .await;
    assert_eq!(s, 200, "{late}");
    assert_eq!(late["message"]["id"], first["message"]["id"]);
    let (s, new) = integration
        .post("/api/v1/inbox/messages", json!({"contact": {"identifier": "crm-42"}, "text": "New question", "external_id": "msg-3"}))
        .await;
    assert_eq!(s, 201);
    assert_ne!(new["conversation"]["id"], first["conversation"]["id"]);
    let (_, queued) = agent.get("/api/v1/conversations?status=queued").await;
    assert_eq!(
        ids(&queued["items"]),
        vec![new["conversation"]["id"].as_str().unwrap().to_string()],
        "no empty conversation left behind"
    );

    // Bad tokens and bodies.
    for bad in ["kefu_inb_nope", "kefu_pat_nope"] {
        let (s, b) = Client::with_bearer(&app.base, bad)
            .post(
                "/api/v1/inbox/messages",
                json!({"contact": {"identifier": "x"}, "text": "hi"}),
            )
            .await;
        assert_eq!((s, error_code(&b).as_str()), (401, "unauthorized"));
    }
    let pat = member_client(&app, t.account_id, t.agent_id).await;
    let (s, _) = pat
        .post(
            "/api/v1/inbox/messages",
            json!({"contact": {"identifier": "x"}, "text": "hi"}),
        )
        .await;
    assert_eq!(s, 401, "a personal token is not an inbox token");
    let (s, b) = integration
        .post(
            "/api/v1/inbox/messages",
            json!({"contact": {"identifier": ""}, "text": "hi"}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "validation_failed"));
    let (s, b) = integration
        .post(
            "/api/v1/inbox/messages",
            json!({"contact": {"identifier": "x", "email": "nope"}, "text": "hi"}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "validation_failed"));
});

both_backends!(identity_verification, |app| {
    let t = app.tenant.clone();
    let secret = app
        .store
        .inbox_secret(t.account_id, t.inbox_id)
        .await
        .unwrap();
    let hash = |id: &str| hex::encode(secrets::hmac_sha256(secret.as_bytes(), id.as_bytes()));
    let anon = app.anonymous();

    let (s, a) = anon
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id, "identifier": "user-7", "identifier_hash": hash("user-7"), "name": "Han Meimei"}))
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["verified"], true);
    let contact: ContactId = a["contact_id"].as_str().unwrap().parse().unwrap();
    let ids = app
        .store
        .identities_of(t.account_id, contact)
        .await
        .unwrap();
    assert!(
        ids.iter()
            .any(|i| i.kind == "external" && i.value == "user-7" && i.verified),
        "{ids:?}"
    );
    // The same user on another device is the same contact.
    let (s, b) = anon
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id, "identifier": "user-7", "identifier_hash": hash("user-7")}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["contact_id"], a["contact_id"]);

    // A forged hash, or half an identity, is refused.
    let (s, b) = anon
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id, "identifier": "user-8", "identifier_hash": hash("user-7")}))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (401, "invalid_identity"));
    let (s, b) = anon
        .post(
            "/api/v1/widget/sessions",
            json!({"inbox_id": t.inbox_id, "identifier": "user-8"}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "validation_failed"));

    // An anonymous visitor resumes with their token; one who then signs in
    // keeps their conversation.
    let v = visitor(&app, t.inbox_id).await;
    let first = v.says("before signing in").await;
    let (s, r) = anon
        .post(
            "/api/v1/widget/sessions",
            json!({"inbox_id": t.inbox_id, "visitor_token": v.token}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["contact_id"], json!(v.contact_id));
    assert_eq!(r["conversation"]["id"], first["conversation"]["id"]);
    let (s, r) = anon
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id, "visitor_token": v.token, "identifier": "user-9", "identifier_hash": hash("user-9")}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["contact_id"], json!(v.contact_id));
    assert_eq!(r["verified"], true);
    // A verified token is not resumed without the identity (signed out).
    let verified_token = r["token"].as_str().unwrap();
    let (s, r) = anon
        .post(
            "/api/v1/widget/sessions",
            json!({"inbox_id": t.inbox_id, "visitor_token": verified_token}),
        )
        .await;
    assert_eq!(s, 200);
    assert_ne!(r["contact_id"], json!(v.contact_id));
    assert!(r["conversation"].is_null());

    // An inbox that requires identity refuses anonymous visitors, also
    // those whose tokens predate the setting.
    // (Changed through the API, as an admin would: the widget endpoints
    // cache inboxes, and this node's updates clear that cache.)
    let (s, b) = app
        .admin()
        .await
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"require_identity": true}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = anon
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id}))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (401, "identity_required"));
    let (s, b) = v
        .client
        .post("/api/v1/widget/messages", json!({"text": "still here?"}))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (401, "identity_required"));
    let (s, _) = anon
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id, "identifier": "user-7", "identifier_hash": hash("user-7")}))
        .await;
    assert_eq!(s, 200);
    let (s, b) = anon
        .post(
            "/api/v1/widget/sessions",
            json!({"inbox_id": InboxId::new()}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"));
});

both_backends!(widget_cors, |app| {
    let t = app.tenant.clone();
    let http = reqwest::Client::new();
    let preflight = |path: &'static str, origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    for path in [
        "/api/v1/widget/sessions",
        "/api/v1/widget/messages",
        "/api/v1/widget/attachments",
    ] {
        let res = preflight(path, "https://shop.example.com").await.unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let h = res.headers();
        assert_eq!(h["access-control-allow-origin"], "https://shop.example.com");
        assert!(
            h["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("POST")
        );
        assert!(
            h["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("authorization")
        );
        assert!(
            h.get("access-control-allow-credentials").is_none(),
            "never credentials"
        );
    }
    // Agent routes get no CORS at all.
    let res = http
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/conversations"))
        .header("origin", "https://shop.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // Any site may frame an open inbox's widget...
    let csp = |res: &reqwest::Response| {
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let page = format!("/widget?inbox={}", t.inbox_id);
    let res = http.get(app.url(&page)).send().await.unwrap();
    assert!(csp(&res).contains("frame-ancestors *"), "{}", csp(&res));

    // With allowed origins set, other origins are refused.
    let mut inbox = app.store.get_inbox(t.account_id, t.inbox_id).await.unwrap();
    inbox.allowed_origins = vec!["https://shop.example.com".into()];
    app.store.update_inbox(&inbox).await.unwrap();
    // ...and only those sites may frame it.
    let res = http.get(app.url(&page)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        csp(&res).ends_with("frame-ancestors 'self' https://shop.example.com"),
        "{}",
        csp(&res)
    );
    let session = |origin: &'static str| {
        http.post(app.url("/api/v1/widget/sessions"))
            .header("origin", origin)
            .json(&json!({"inbox_id": t.inbox_id}))
            .send()
    };
    let res = session("https://shop.example.com").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    let res = session("https://evil.example.net").await.unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "origin_not_allowed");
    let res = http
        .post(app.url("/api/v1/widget/messages"))
        .header("origin", "https://evil.example.net")
        .bearer_auth(&token)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http
        .post(app.url("/api/v1/widget/messages"))
        .header("origin", "https://SHOP.example.com/")
        .bearer_auth(&token)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
});

both_backends!(widget_sees_inbox_changes_at_once, |app| {
    // The public endpoints cache inboxes; a change through the API must
    // still apply to the very next visitor request.
    let t = app.tenant.clone();
    let http = reqwest::Client::new();
    let res = http
        .post(app.url("/api/v1/widget/sessions"))
        .json(&json!({"inbox_id": t.inbox_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    let send = |origin: &'static str, text: &'static str| {
        http.post(app.url("/api/v1/widget/messages"))
            .header("origin", origin)
            .bearer_auth(&token)
            .json(&json!({ "text": text }))
            .send()
    };
    assert_eq!(
        send("https://old.example.com", "one")
            .await
            .unwrap()
            .status(),
        201
    );
    let admin = app.admin().await;
    let (status, _) = admin
        .patch(
            &format!("/api/v1/inboxes/{}", t.inbox_id),
            json!({"allowed_origins": ["https://new.example.com"]}),
        )
        .await;
    assert_eq!(status, 200);
    let res = send("https://old.example.com", "two").await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        send("https://new.example.com", "three")
            .await
            .unwrap()
            .status(),
        201
    );
});

both_backends!(widget_sessions_are_rate_limited, |app| {
    let limited = TestApp::spawn_with(
        app.backend,
        HttpConfig {
            public_rate_burst: 3,
            public_rate_per_second: 0.01,
            ..HttpConfig::default()
        },
    )
    .await
    .unwrap();
    let anon = limited.anonymous();
    let body = json!({"inbox_id": limited.tenant.inbox_id});
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(anon.post("/api/v1/widget/sessions", body.clone()).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let (_, b) = anon.post("/api/v1/widget/sessions", body).await;
    assert_eq!(error_code(&b), "rate_limited");
    drop(app);
});
