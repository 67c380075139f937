//! Full-text search over the API on both backends, with the node's index
//! kept current by its indexer from the event stream: Chinese words inside
//! longer sentences and English words in any case find the right
//! conversations, messages and contacts; an agent never sees another
//! account's documents or an inbox they are not a member of; erasing a
//! contact removes them from the index files too.

use kefu_core::{InboxId, Timestamp};
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::conversation;
use crate::support::{Client, error_code, eventually, files_text};

/// The conversation ids of the message hits of a search.
async fn message_hits(client: &Client, query: &str) -> Vec<String> {
    let (s, b) = client
        .get(&format!(
            "/api/v1/search?kind=message&q={}",
            urlencode(query)
        ))
        .await;
    assert_eq!(s, 200, "{b}");
    let mut ids: Vec<String> = b["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["conversation_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

both_backends!(search_finds_words_within_what_the_agent_may_see, |app| {
    let t = app.tenant.clone();
    let index_dir = app.enable_search();
    let admin = app.admin().await;
    let agent = app.agent().await;

    // Inbox B, which the agent is not a member of.
    let (s, b) = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "VIP", "channel": "web_widget"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let vip: InboxId = b["id"].as_str().unwrap().parse().unwrap();

    let (v1, refund) = conversation(&app, t.inbox_id).await;
    v1.says("我想申请退款，订单号还没收到").await;
    let (v2, invoice) = conversation(&app, t.inbox_id).await;
    v2.says("My invoice is missing the VAT number").await;
    let (v3, hidden) = conversation(&app, vip).await;
    v3.says("VIP客户也要退款，invoice 重开").await;
    let (s, b) = admin
        .patch(
            &format!("/api/v1/contacts/{}", v1.contact_id),
            json!({"name": "王小明", "email": "xiaoming.search@example.com"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // Another account saying the same.
    let other = app.new_tenant("Other").await;
    let (ov, other_conv) = conversation(&app, other.inbox_id).await;
    ov.says("我想申请退款 invoice").await;

    // Indexing is asynchronous: wait until the last message is searchable.
    let other_admin = app.login(&other.admin_email).await;
    eventually("indexing", || async {
        (message_hits(&other_admin, "退款").await.len() == 1
            && message_hits(&admin, "invoice").await.len() == 2)
            .then_some(())
    })
    .await;

    // A two-character word inside a longer sentence; supervisors and admins
    // see every inbox, the agent only theirs, nobody another account's.
    assert_eq!(
        message_hits(&admin, "退款").await,
        sorted(vec![refund.clone(), hidden.clone()])
    );
    assert_eq!(message_hits(&agent, "退款").await, vec![refund.clone()]);
    assert_eq!(message_hits(&agent, "订单").await, vec![refund.clone()]);
    assert_eq!(
        message_hits(&other_admin, "退款").await,
        vec![other_conv.clone()]
    );
    // English in any case and width.
    assert_eq!(message_hits(&agent, "INVOICE").await, vec![invoice.clone()]);
    assert_eq!(
        message_hits(&agent, "ｉｎｖｏｉｃｅ").await,
        vec![invoice.clone()]
    );
    assert_eq!(
        message_hits(&admin, "invoice").await,
        sorted(vec![invoice.clone(), hidden.clone()])
    );
    assert!(message_hits(&agent, "发票").await.is_empty());

    // The snippet marks exactly the matched word.
    let (_, b) = agent
        .get(&format!("/api/v1/search?q={}", urlencode("退款")))
        .await;
    let hit = b["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "message")
        .unwrap_or_else(|| panic!("{b}"));
    let marked: Vec<&str> = hit["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["mark"] == true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["退款"], "{hit}");
    assert_eq!(hit["inbox_id"], json!(t.inbox_id));

    // Contacts by name, visible through an inbox the agent sees.
    let (_, b) = agent
        .get(&format!(
            "/api/v1/search?kind=contact&q={}",
            urlencode("小明")
        ))
        .await;
    let contacts: Vec<&Value> = b["hits"].as_array().unwrap().iter().collect();
    assert_eq!(contacts.len(), 1, "{b}");
    assert_eq!(contacts[0]["contact_id"], json!(v1.contact_id));
    let (_, b) = agent
        .get("/api/v1/search?kind=contact&q=xiaoming.search%40example.com")
        .await;
    assert_eq!(b["total"], 1, "{b}");

    // Filters: status changes reach the index.
    let (_, b) = admin
        .get("/api/v1/search?kind=message&status=resolved&q=invoice")
        .await;
    assert_eq!(b["total"], 0, "{b}");
    let (s, _) = agent
        .post(
            &format!("/api/v1/conversations/{invoice}/resolve"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    eventually("the status reaches the index", || async {
        let (_, b) = admin
            .get("/api/v1/search?kind=message&status=resolved&q=invoice")
            .await;
        (b["total"] == 1).then_some(())
    })
    .await;
    let (_, b) = admin
        .get(&format!("/api/v1/search?q=invoice&inbox={vip}"))
        .await;
    assert_eq!(b["total"], 1, "{b}");
    let (_, b) = admin
        .get(&format!(
            "/api/v1/search?kind=message&q=invoice&from={}",
            Timestamp::now().0 + 60_000
        ))
        .await;
    assert_eq!(b["total"], 0, "{b}");

    // Bad parameters are clear errors.
    for bad in [
        "/api/v1/search?q=x&kind=ticket".to_string(),
        "/api/v1/search?q=x&limit=0".to_string(),
        "/api/v1/search?q=x&order=random".to_string(),
        format!("/api/v1/search?q={}", "a".repeat(600)),
    ] {
        let (s, b) = agent.get(&bad).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "validation_failed"),
            "{bad}: {b}"
        );
    }
    let (s, _) = app.anonymous().get("/api/v1/search?q=x").await;
    assert_eq!(s, 401);

    // Erasing the contact removes them from the index, files included.
    let before = files_text(&index_dir);
    for s in ["王小明", "xiaoming.search@example.com", "订单号还没收到"] {
        assert!(
            before.contains(s),
            "{s} not in the index files before erasure"
        );
    }
    kefu_http::privacy::erase_contact(
        &*app.store,
        &*app.state.blobs,
        t.account_id,
        v1.contact_id,
        None,
        Timestamp::now(),
    )
    .await
    .unwrap();
    eventually("the erasure reaches the index", || async {
        message_hits(&admin, "订单").await.is_empty().then_some(())
    })
    .await;
    let (_, b) = admin
        .get(&format!("/api/v1/search?q={}", urlencode("王小明")))
        .await;
    assert_eq!(b["total"], 0, "{b}");
    // The contact's own erasure may land a batch after their messages'.
    let erased = ["王小明", "xiaoming.search@example.com", "订单号还没收到"];
    eventually("the index files are purged", || async {
        let text = files_text(&index_dir);
        erased.iter().all(|s| !text.contains(s)).then_some(())
    })
    .await;
    // Others are still found.
    assert_eq!(message_hits(&admin, "退款").await, vec![hidden.clone()]);
});

both_backends!(search_without_an_index_says_so, |app| {
    let agent = app.agent().await;
    let (s, b) = agent.get("/api/v1/search?q=x").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (503, "search_unavailable"),
        "{b}"
    );
});
