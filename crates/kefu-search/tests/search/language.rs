use crate::common::*;
use kefu_core::ids::{AccountId, InboxId};

#[test]
fn chinese_word_inside_a_sentence_is_found() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs = seed(
        &idx,
        &conv,
        &[
            "我想申请退款，订单还没到",
            "请帮我开发票，公司抬头已发给你",
            "物流信息一直没有更新",
            "乒乓球拍卖完了吗",
        ],
    );
    // Jieba cuts this as 乒乓球 / 拍卖 / 完 (even in search mode there is no
    // 球拍), so only the character bigrams make "球拍" (paddle) findable.
    assert_eq!(message_ids(&idx, &messages(a, "球拍")), vec![msgs[3].id]);
    assert_eq!(
        message_ids(&idx, &messages(a, "乒乓球拍")),
        vec![msgs[3].id]
    );
    assert_eq!(message_ids(&idx, &messages(a, "退款")), vec![msgs[0].id]);
    assert_eq!(message_ids(&idx, &messages(a, "发票")), vec![msgs[1].id]);
    // A longer query word matches as a phrase of its bigrams.
    assert_eq!(
        message_ids(&idx, &messages(a, "申请退款")),
        vec![msgs[0].id]
    );
    assert_eq!(
        message_ids(&idx, &messages(a, "物流 更新")),
        vec![msgs[2].id]
    );
    // AND semantics: both words must be there.
    assert!(message_ids(&idx, &messages(a, "退款 物流")).is_empty());
}

#[test]
fn english_word_matches_across_case_and_width() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs = seed(
        &idx,
        &conv,
        &[
            "My REFUND has not arrived yet",
            "请查看ＩＰＨＯＮＥ的保修",
            "nothing to see here",
        ],
    );
    assert_eq!(message_ids(&idx, &messages(a, "refund")), vec![msgs[0].id]);
    assert_eq!(
        message_ids(&idx, &messages(a, "Ｒｅｆｕｎｄ")),
        vec![msgs[0].id]
    );
    assert_eq!(message_ids(&idx, &messages(a, "iPhone")), vec![msgs[1].id]);
    assert_eq!(
        message_ids(&idx, &messages(a, "iphone 保修")),
        vec![msgs[1].id]
    );
}

#[test]
fn mixed_text_is_found_by_either_part() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs = seed(&idx, &conv, &["iphone充不进电怎么办", "ipad 屏幕碎了"]);
    assert_eq!(message_ids(&idx, &messages(a, "iphone")), vec![msgs[0].id]);
    assert_eq!(
        message_ids(&idx, &messages(a, "充不进电")),
        vec![msgs[0].id]
    );
    assert_eq!(
        message_ids(&idx, &messages(a, "iphone充不进电")),
        vec![msgs[0].id]
    );
    assert_eq!(message_ids(&idx, &messages(a, "屏幕")), vec![msgs[1].id]);
}

#[test]
fn a_query_that_matches_nothing_returns_nothing() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    seed(&idx, &conv, &["我想申请退款", "where is my parcel"]);
    for q in ["发票", "invoice", "😀", "!!!", "退款 invoice"] {
        let r = idx.search(&messages(a, q)).unwrap();
        assert_eq!(r.total, 0, "{q}");
        assert!(r.hits.is_empty(), "{q}");
    }
}

#[test]
fn conversations_and_contacts_are_found_by_their_text() {
    let idx = index();
    let a = AccountId::new();
    let inbox = InboxId::new();
    let c = contact(
        a,
        "王小明 Ming Wang",
        "ming.wang@example.com",
        "+86 138-0013-8000",
    );
    idx.upsert_contact(c.clone()).unwrap();
    let mut conv = conversation(a, inbox, Some(c.id));
    conv.subject = Some("发票抬头修改 invoice title".into());
    seed(&idx, &conv, &["hello"]);
    let hits = idx
        .search(&kefu_search::SearchQuery::new(a, "小明"))
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].contact_id, Some(c.id));
    assert_eq!(hits[0].kind, kefu_search::DocKind::Contact);
    for q in [
        "ming.wang@example.com",
        "MING.WANG@EXAMPLE.COM",
        "13800138000",
        "wang",
    ] {
        let hits = idx
            .search(&kefu_search::SearchQuery::new(a, q))
            .unwrap()
            .hits;
        assert!(
            hits.iter()
                .any(|h| h.contact_id == Some(c.id) && h.kind == kefu_search::DocKind::Contact),
            "{q}"
        );
    }
    let hits = idx
        .search(&kefu_search::SearchQuery::new(a, "抬头"))
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, kefu_search::DocKind::Conversation);
    assert_eq!(hits[0].conversation_id, Some(conv.id));
}

#[test]
fn hostile_input_is_an_error_or_empty_never_a_panic() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    seed(&idx, &conv, &["退款 refund"]);
    let long = "退".repeat(kefu_search::MAX_QUERY_CHARS + 1);
    assert!(matches!(
        idx.search(&messages(a, &long)),
        Err(kefu_search::SearchError::QueryTooLong)
    ));
    for q in [
        "\u{0}\u{FFFF}\u{202E}",
        "AND OR NOT \"unclosed",
        "field:value +-*?~^[]{}()",
        "\u{0301}\u{0301}e\u{0301}",
        "ｒｅｆｕｎｄ\t\n退款",
        "𠀀𠀁𠀂",
    ] {
        idx.search(&messages(a, q)).unwrap();
    }
    let mut q = messages(a, "refund");
    q.limit = 0;
    assert_eq!(idx.search(&q).unwrap().total, 1);
    q.limit = 1_000_000;
    assert_eq!(idx.search(&q).unwrap().hits.len(), 1);
    q.offset = 1_000_000;
    assert!(idx.search(&q).is_err());
}
