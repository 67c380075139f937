use std::sync::OnceLock;

use crate::common::*;
use kefu_core::ids::{AccountId, InboxId};
use kefu_search::tokenizer::tokenize;
use kefu_search::{SearchIndex, SearchQuery};
use proptest::prelude::*;

fn shared() -> &'static (SearchIndex, AccountId) {
    static IDX: OnceLock<(SearchIndex, AccountId)> = OnceLock::new();
    IDX.get_or_init(|| {
        let idx = index();
        let a = AccountId::new();
        let conv = conversation(a, InboxId::new(), None);
        seed(
            &idx,
            &conv,
            &[
                "我想申请退款 refund ＡＢＣ iphone充不进电",
                "发票 invoice 123",
            ],
        );
        (idx, a)
    })
}

/// Text with Han, full-width, combining marks, emoji, controls and ASCII.
fn odd_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '退', '款', '发', '票', 'Ａ', '１', '\u{0301}', '😀', '，', ' ', 'a', '9',
                '\u{F900}', '𠀀'
            ]),
        ],
        0..80,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn token_offsets_are_valid_slices_of_the_input(text in odd_text()) {
        for t in tokenize(&text) {
            prop_assert!(t.offset_from < t.offset_to && t.offset_to <= text.len());
            prop_assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
            prop_assert!(!t.text.is_empty());
        }
    }

    #[test]
    fn any_query_text_gives_a_result_or_a_clear_error(text in odd_text()) {
        let (idx, a) = shared();
        let r = idx.search(&SearchQuery::new(*a, text));
        prop_assert!(r.is_ok());
        for h in r.unwrap().hits {
            for (b, e) in h.snippet.highlights {
                prop_assert!(h.snippet.text.is_char_boundary(b) && h.snippet.text.is_char_boundary(e) && b < e);
            }
        }
    }
}

#[test]
fn queries_and_hits_pass_through_json() {
    let a = AccountId::new();
    let q: SearchQuery = serde_json::from_value(serde_json::json!({
        "account": a, "inboxes": null, "text": "退款", "kinds": ["message"], "order": "recency"
    }))
    .unwrap();
    assert_eq!(q.limit, 20);
    assert_eq!(q.kinds, vec![kefu_search::DocKind::Message]);
    assert_eq!(q.order, kefu_search::Order::Recency);
    let (idx, acct) = shared();
    let r = idx.search(&SearchQuery::new(*acct, "发票")).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["hits"][0]["kind"], "message");
    assert_eq!(
        v["hits"][0]["snippet"]["highlights"][0],
        serde_json::json!([0, 6])
    );
}
