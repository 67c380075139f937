//! Per-account sentiment retraining over the API on both backends: a
//! reviewer's verdicts on sentiment hits become labels, an admin retrains
//! the account's model on them, and the account's sentiment rules then
//! judge the same kind of message the way its reviewers did — only that
//! account's; going back to the shipped model undoes it.
//!
//! The messages are routine returns and cancellations that the shipped
//! lexicon model finds negative ("我要退货" says "return", the lexicon hears
//! "reject"), and plainly angry ones. Needs the lexicons (scripts/fetch-models),
//! as every sentiment test does.

use kefu_core::{ConversationId, Timestamp};
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::conversation;
use crate::support::{Client, TestApp, error_code};

/// Returns and cancellations a reviewer of an online shop rejects as
/// "not upset".
const ROUTINE: [&str; 10] = [
    "我要退货",
    "我要退货，尺码不合适",
    "我要退货，颜色不喜欢",
    "我要退货，麻烦处理一下",
    "这件我要退货",
    "我要取消订单",
    "我要取消订单，不需要了",
    "我要取消订单，地址填错了",
    "能不能退款",
    "我要退货，和图片不一样",
];

/// Messages a reviewer confirms as upset.
const ANGRY: [&str; 10] = [
    "我要投诉，你们太差劲了",
    "太垃圾了，气死我了",
    "我非常生气，你们骗人",
    "我再也不会买了，太失望了",
    "你们的服务太差了，我非常失望",
    "太差劲了，非常生气",
    "简直是垃圾，非常愤怒",
    "态度恶劣，我非常生气",
    "垃圾产品，再也不会买了",
    "客服太差劲了，我非常失望",
];

/// Not among the labels: one routine, one angry.
const PROBE_ROUTINE: &str = "我要退货，麻烦尽快";
const PROBE_ANGRY: &str = "我非常失望，太差劲了";

fn rule() -> Value {
    json!({"id": "upset", "name": "Upset customer", "type": "sentiment", "level": "negative"})
}

fn settings() -> Value {
    json!({
        "rules": [rule()],
        "scorecards": [{"id": "chat", "name": "Chat", "pass_score": 80, "items": [
            {"rule_id": "upset", "label": "Customer upset", "effect": "deduct", "points": 5, "per_hit": true}
        ]}]
    })
}

/// The texts the upset rule flags in the conversation, in order.
async fn flagged(app: &TestApp, admin: &Client, conv: &str) -> Vec<String> {
    let (s, p) = admin
        .post(
            "/api/v1/qa/preview",
            json!({"conversation_id": conv, "rules": [rule()]}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let mut out = Vec::new();
    for h in p["hits"].as_array().unwrap() {
        let id = h["message_id"].as_str().unwrap().parse().unwrap();
        let m = app
            .store
            .get_message(app.tenant.account_id, id)
            .await
            .unwrap();
        out.push(m.content.plain_text().unwrap().to_string());
    }
    out
}

both_backends!(reviewed_sentiment_hits_retrain_the_account_model, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;

    // Before any review: the shipped model, no labels, nothing to retrain on.
    let (s, st) = admin.get("/api/v1/qa/sentiment").await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["source"], "shipped", "{st}");
    assert_eq!(st["labels"], json!({"total": 0, "negative": 0}));
    let (s, b) = admin.post("/api/v1/qa/sentiment/retrain", json!({})).await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "not_enough_labels"),
        "{b}"
    );
    let (s, _) = agent.get("/api/v1/qa/sentiment").await;
    assert_eq!(s, 403, "agents do not see the model");
    let (s, _) = agent.post("/api/v1/qa/sentiment/retrain", json!({})).await;
    assert_eq!(s, 403, "only admins retrain");

    let (s, b) = admin.put("/api/v1/qa/settings", settings()).await;
    assert_eq!(s, 200, "{b}");

    // A probe conversation: the shipped model flags both probes.
    let (v, probe) = conversation(&app, t.inbox_id).await;
    v.says(PROBE_ROUTINE).await;
    v.says(PROBE_ANGRY).await;
    assert_eq!(
        flagged(&app, &admin, &probe).await,
        [PROBE_ROUTINE, PROBE_ANGRY]
    );

    // A conversation with every labelled message, inspected: one hit each.
    let (v, conv) = conversation(&app, t.inbox_id).await;
    for text in ROUTINE.iter().chain(&ANGRY) {
        v.says(text).await;
    }
    // An agent took part (bot-only conversations are not scored by the card).
    let (s, b) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": "您好，我来处理"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id: ConversationId = conv.parse().unwrap();
    kefu_http::qa::inspect_conversation(&*app.store, t.account_id, id, Timestamp::now())
        .await
        .unwrap();
    let (_, scores) = admin.get(&format!("/api/v1/conversations/{conv}/qa")).await;
    let hits = scores[0]["hits"].as_array().unwrap();
    let texts = flagged(&app, &admin, &conv).await;
    assert_eq!(texts.len(), 20, "the shipped model flags each: {texts:?}");
    assert_eq!(hits.len(), 20, "{scores}");
    // The reviewer rejects the routine ones: ten labels each way.
    let rejected: Vec<usize> = (0..texts.len())
        .filter(|&i| ROUTINE.contains(&texts[i].as_str()))
        .collect();
    assert_eq!(rejected.len(), 10);
    let (s, r) = admin
        .post(
            &format!("/api/v1/conversations/{conv}/qa/chat/review"),
            json!({"version": 1, "rejected_hits": rejected}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, st) = admin.get("/api/v1/qa/sentiment").await;
    assert_eq!(st["labels"], json!({"total": 20, "negative": 10}), "{st}");

    // Retrained: the account's model, measured on held-out labels.
    let (s, st) = admin.post("/api/v1/qa/sentiment/retrain", json!({})).await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["source"], "account", "{st}");
    assert_eq!(st["trained_on"], json!({"total": 20, "negative": 10}));
    assert_eq!(st["report"]["labels"], 20, "{st}");
    assert!(st["report"]["held_out"].as_u64().unwrap() >= 1, "{st}");
    let trained_at = st["trained_at"].clone();
    assert!(trained_at.is_number(), "{st}");

    // The account's rules now judge like its reviewer: the routine probe is
    // no longer flagged, the angry one still is.
    assert_eq!(flagged(&app, &admin, &probe).await, [PROBE_ANGRY]);
    // The settings carry the model's mark, and saving them keeps it.
    let (_, stored) = admin.get("/api/v1/qa/settings").await;
    assert_eq!(stored["sentiment_model"], trained_at);
    let mut resaved = settings();
    resaved["sentiment_model"] = json!(null);
    let (s, b) = admin.put("/api/v1/qa/settings", resaved).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["sentiment_model"], trained_at, "{b}");
    assert_eq!(flagged(&app, &admin, &probe).await, [PROBE_ANGRY]);

    // Only this account's: another account has no labels and the shipped
    // model flags its routine return.
    let other = app.new_tenant("Other shop").await;
    let other_admin = app.login(&other.admin_email).await;
    let (_, st) = other_admin.get("/api/v1/qa/sentiment").await;
    assert_eq!(st["source"], "shipped", "{st}");
    assert_eq!(st["labels"]["total"], 0, "{st}");
    let (s, b) = other_admin.put("/api/v1/qa/settings", settings()).await;
    assert_eq!(s, 200, "{b}");
    let (ov, oconv) = conversation(&app, other.inbox_id).await;
    ov.says(PROBE_ROUTINE).await;
    let (s, p) = other_admin
        .post(
            "/api/v1/qa/preview",
            json!({"conversation_id": oconv, "rules": [rule()]}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["hits"].as_array().unwrap().len(), 1, "{p}");

    // Back to the shipped model: the labels stay, the probe is flagged again.
    let (s, _) = agent.delete("/api/v1/qa/sentiment/model").await;
    assert_eq!(s, 403);
    let (s, st) = admin.delete("/api/v1/qa/sentiment/model").await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["source"], "shipped", "{st}");
    assert_eq!(st["labels"]["total"], 20, "{st}");
    let (_, stored) = admin.get("/api/v1/qa/settings").await;
    assert_eq!(stored["sentiment_model"], json!(null));
    assert_eq!(
        flagged(&app, &admin, &probe).await,
        [PROBE_ROUTINE, PROBE_ANGRY]
    );
});
