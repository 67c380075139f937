use crate::common::*;
use kefu_core::ids::{AccountId, InboxId};
use kefu_search::{DocKind, SearchQuery};

#[test]
fn each_account_sees_only_its_own_documents() {
    let idx = index();
    let (a, b) = (AccountId::new(), AccountId::new());
    let ca = conversation(a, InboxId::new(), None);
    let cb = conversation(b, InboxId::new(), None);
    let ma = seed(&idx, &ca, &["同样的退款文本 same refund text"]);
    let mb = seed(&idx, &cb, &["同样的退款文本 same refund text"]);
    for text in ["退款", "refund", ""] {
        assert_eq!(
            message_ids(&idx, &messages(a, text)),
            vec![ma[0].id],
            "{text}"
        );
        assert_eq!(
            message_ids(&idx, &messages(b, text)),
            vec![mb[0].id],
            "{text}"
        );
    }
    // Deleting one account leaves the other intact.
    idx.delete_account(a).unwrap();
    idx.commit(None).unwrap();
    assert!(message_ids(&idx, &messages(a, "refund")).is_empty());
    assert_eq!(message_ids(&idx, &messages(b, "refund")), vec![mb[0].id]);
}

#[test]
fn agents_see_only_allowed_inboxes_for_every_kind() {
    let idx = index();
    let acct = AccountId::new();
    let (ia, ib) = (InboxId::new(), InboxId::new());
    let alice = contact(acct, "Alice 退款客户", "alice@example.com", "13900000001");
    let bob = contact(acct, "Bob 退款客户", "bob@example.com", "13900000002");
    idx.upsert_contact(alice.clone()).unwrap();
    idx.upsert_contact(bob.clone()).unwrap();
    let mut conv_a = conversation(acct, ia, Some(alice.id));
    conv_a.subject = Some("退款 subject".into());
    let mut conv_b = conversation(acct, ib, Some(bob.id));
    conv_b.subject = Some("退款 subject".into());
    let ma = seed(&idx, &conv_a, &["退款 refund"]);
    seed(&idx, &conv_b, &["退款 refund"]);

    let agent = |text: &str| SearchQuery {
        inboxes: Some(vec![ia]),
        ..SearchQuery::new(acct, text)
    };
    for text in ["退款", "refund", "subject", ""] {
        let hits = idx.search(&agent(text)).unwrap().hits;
        assert!(!hits.is_empty(), "{text}");
        for h in &hits {
            match h.kind {
                DocKind::Message | DocKind::Conversation => {
                    assert_eq!(h.inbox_id, Some(ia), "{text}")
                }
                DocKind::Contact => assert_eq!(h.contact_id, Some(alice.id), "{text}"),
            }
        }
    }
    let hits = idx.search(&agent("退款客户")).unwrap().hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].contact_id, Some(alice.id));
    assert!(idx.search(&agent("bob")).unwrap().hits.is_empty());
    assert_eq!(
        message_ids(
            &idx,
            &SearchQuery {
                kinds: vec![DocKind::Message],
                ..agent("refund")
            }
        ),
        vec![ma[0].id]
    );
    // A supervisor sees both; an agent with no inboxes sees nothing.
    assert_eq!(
        idx.search(&SearchQuery::new(acct, "bob"))
            .unwrap()
            .hits
            .len(),
        1
    );
    let none = SearchQuery {
        inboxes: Some(vec![]),
        ..SearchQuery::new(acct, "退款")
    };
    assert_eq!(idx.search(&none).unwrap().total, 0);

    // Moving Bob's conversation into inbox A makes Bob visible there, and
    // removes him from inbox B.
    let mut moved = conv_b.clone();
    moved.inbox = ia;
    idx.upsert_conversation(moved).unwrap();
    idx.commit(None).unwrap();
    assert_eq!(idx.search(&agent("bob")).unwrap().hits.len(), 1);
    let agent_b = SearchQuery {
        inboxes: Some(vec![ib]),
        ..SearchQuery::new(acct, "")
    };
    assert_eq!(idx.search(&agent_b).unwrap().total, 0);
}
