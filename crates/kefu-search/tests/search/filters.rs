use crate::common::*;
use kefu_core::ids::{AccountId, InboxId, UserId};
use kefu_core::time::Timestamp;
use kefu_search::{DocKind, Order, SearchQuery};

#[test]
fn filters_by_status_assignee_label_channel_date_and_kind() {
    let idx = index();
    let a = AccountId::new();
    let agent = UserId::new();
    let inbox = InboxId::new();
    let mut open = conversation(a, inbox, None);
    open.assignee = Some(agent);
    open.labels = vec!["vip".into(), "billing".into()];
    open.subject = Some("退款 subject".into());
    let mut closed = conversation(a, inbox, None);
    closed.status = "resolved".into();
    closed.channel = Some("email".into());
    let mo = seed(&idx, &open, &["退款 one"]);
    let mut mc = closed.clone();
    mc.created_at = Timestamp::from_millis(T0);
    idx.upsert_conversation(closed.clone()).unwrap();
    let late = message(&closed, "退款 two", T0 + 10 * DAY);
    idx.add_message(late.clone()).unwrap();
    idx.commit(None).unwrap();

    let q = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = messages(a, "退款");
        f(&mut q);
        message_ids(&idx, &q)
    };
    assert_eq!(q(&|q| q.status = Some("open".into())), vec![mo[0].id]);
    assert_eq!(q(&|q| q.status = Some("resolved".into())), vec![late.id]);
    assert_eq!(q(&|q| q.assignee = Some(agent)), vec![mo[0].id]);
    assert_eq!(q(&|q| q.assignee = Some(UserId::new())), vec![]);
    assert_eq!(q(&|q| q.label = Some("vip".into())), vec![mo[0].id]);
    assert_eq!(q(&|q| q.channel = Some("email".into())), vec![late.id]);
    assert_eq!(
        q(&|q| q.from = Some(Timestamp::from_millis(T0 + DAY))),
        vec![late.id]
    );
    assert_eq!(
        q(&|q| q.to = Some(Timestamp::from_millis(T0 + DAY))),
        vec![mo[0].id]
    );
    assert_eq!(q(&|q| q.inbox = Some(InboxId::new())), vec![]);
    let kinds = |kinds: Vec<DocKind>| {
        let q = SearchQuery {
            kinds,
            ..SearchQuery::new(a, "退款")
        };
        idx.search(&q)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(vec![DocKind::Conversation]),
        vec![DocKind::Conversation]
    );
    assert_eq!(kinds(vec![]).len(), 3);
}

#[test]
fn message_hits_follow_conversation_changes() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs = seed(&idx, &conv, &["发票 one", "发票 two"]);
    // A message added after the last commit must be rewritten too.
    let pending = message(&conv, "发票 three", T0 + 5000);
    idx.add_message(pending.clone()).unwrap();
    let mut changed = conv.clone();
    changed.status = "resolved".into();
    changed.labels = vec!["refund".into()];
    let agent = UserId::new();
    changed.assignee = Some(agent);
    idx.upsert_conversation(changed.clone()).unwrap();
    idx.commit(None).unwrap();

    let by = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = messages(a, "发票");
        f(&mut q);
        let mut ids = message_ids(&idx, &q);
        ids.sort();
        ids
    };
    let mut all = vec![msgs[0].id, msgs[1].id, pending.id];
    all.sort();
    assert_eq!(by(&|q| q.status = Some("resolved".into())), all);
    assert_eq!(by(&|q| q.status = Some("open".into())), vec![]);
    assert_eq!(by(&|q| q.label = Some("refund".into())), all);
    assert_eq!(by(&|q| q.assignee = Some(agent)), all);
    // No duplicates from the rewrite.
    assert_eq!(idx.search(&messages(a, "发票")).unwrap().total, 3);
    // Twice in one batch, then a label removed.
    changed.labels.clear();
    idx.upsert_conversation(changed.clone()).unwrap();
    changed.status = "open".into();
    idx.upsert_conversation(changed).unwrap();
    idx.commit(None).unwrap();
    assert_eq!(by(&|q| q.label = Some("refund".into())), vec![]);
    assert_eq!(by(&|q| q.status = Some("open".into())), all);
    assert_eq!(idx.search(&messages(a, "发票")).unwrap().total, 3);
}

#[test]
fn recency_and_relevance_orders() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs = seed(
        &idx,
        &conv,
        &[
            "退款 退款 退款 退款申请，退款进度",
            "订单发货了吗",
            "还有一个问题：退款多久到账，另外想问问物流和发票以及会员积分的事情",
        ],
    );
    let mut q = messages(a, "退款");
    q.order = Order::Relevance;
    let rel = message_ids(&idx, &q);
    assert_eq!(rel, vec![msgs[0].id, msgs[2].id]);
    q.order = Order::Recency;
    assert_eq!(message_ids(&idx, &q), vec![msgs[2].id, msgs[0].id]);
    let hits = idx.search(&q).unwrap().hits;
    assert!(hits[0].created_at > hits[1].created_at);
    // Empty text lists everything newest first; offset pages through.
    let mut all = messages(a, "");
    all.limit = 2;
    assert_eq!(message_ids(&idx, &all), vec![msgs[2].id, msgs[1].id]);
    all.offset = 2;
    assert_eq!(message_ids(&idx, &all), vec![msgs[0].id]);
    assert_eq!(idx.search(&all).unwrap().total, 3);
}
