use crate::common::*;
use kefu_core::ids::{AccountId, InboxId};

fn highlighted(idx: &kefu_search::SearchIndex, a: AccountId, q: &str) -> Vec<String> {
    let hits = idx.search(&messages(a, q)).unwrap().hits;
    assert_eq!(hits.len(), 1, "{q}");
    let s = &hits[0].snippet;
    s.highlights
        .iter()
        .map(|&(b, e)| s.text[b..e].to_string())
        .collect()
}

#[test]
fn highlights_cover_exactly_the_matched_words() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    seed(
        &idx,
        &conv,
        &[
            "我想申请退款，订单还没到",
            "请查看ＩＰＨＯＮＥ的保修 and the Warranty",
        ],
    );
    assert_eq!(highlighted(&idx, a, "退款"), vec!["退款"]);
    assert_eq!(highlighted(&idx, a, "申请退款"), vec!["申请退款"]);
    assert_eq!(highlighted(&idx, a, "iphone"), vec!["ＩＰＨＯＮＥ"]);
    assert_eq!(
        highlighted(&idx, a, "warranty 保修"),
        vec!["保修", "Warranty"]
    );
}

#[test]
fn long_text_gives_a_short_snippet_around_the_match() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let body = format!(
        "{}发票{}",
        "天气很好。".repeat(100),
        "我们出去玩吧。".repeat(100)
    );
    seed(&idx, &conv, &[&body]);
    let hits = idx.search(&messages(a, "发票")).unwrap().hits;
    let s = &hits[0].snippet;
    assert!(s.text.chars().count() <= 150, "{}", s.text.chars().count());
    assert_eq!(s.highlights.len(), 1);
    let (b, e) = s.highlights[0];
    assert_eq!(&s.text[b..e], "发票");
    assert!(b > 0, "some context before the match");
}
