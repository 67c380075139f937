use crate::common::*;
use kefu_core::ids::{AccountId, InboxId};
use kefu_search::SearchIndex;

#[test]
fn cursor_and_documents_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs;
    {
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.cursor(), None);
        idx.upsert_conversation(conv.clone()).unwrap();
        msgs = vec![message(&conv, "退款 persisted", T0)];
        idx.add_message(msgs[0].clone()).unwrap();
        idx.commit(Some("evt-42")).unwrap();
        assert_eq!(idx.cursor().as_deref(), Some("evt-42"));
        // A commit without a cursor keeps the previous one.
        idx.commit(None).unwrap();
        assert_eq!(idx.cursor().as_deref(), Some("evt-42"));
    }
    let idx = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(idx.cursor().as_deref(), Some("evt-42"));
    assert_eq!(
        message_ids(&idx, &messages(a, "persisted")),
        vec![msgs[0].id]
    );
    // Uncommitted changes are not visible.
    idx.add_message(message(&conv, "退款 later", T0 + 1))
        .unwrap();
    assert_eq!(idx.search(&messages(a, "退款")).unwrap().total, 1);
}

#[test]
fn re_adding_a_message_replaces_it() {
    let idx = index();
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    let msgs = seed(&idx, &conv, &["first version 退款"]);
    let mut again = msgs[0].clone();
    idx.add_message(again.clone()).unwrap();
    idx.add_message(again.clone()).unwrap();
    idx.commit(None).unwrap();
    assert_eq!(idx.search(&messages(a, "退款")).unwrap().total, 1);
    again.body = "edited 发票".into();
    idx.add_message(again.clone()).unwrap();
    idx.commit(None).unwrap();
    assert_eq!(idx.search(&messages(a, "退款")).unwrap().total, 0);
    assert_eq!(message_ids(&idx, &messages(a, "发票")), vec![again.id]);
}

#[test]
fn delete_conversation_removes_its_messages_and_clear_empties() {
    let idx = index();
    let a = AccountId::new();
    let keep = conversation(a, InboxId::new(), None);
    let gone = conversation(a, InboxId::new(), None);
    let kept = seed(&idx, &keep, &["退款 keep"]);
    seed(&idx, &gone, &["退款 gone", "退款 gone too"]);
    idx.delete_conversation(a, gone.id).unwrap();
    // Re-upserting the deleted conversation in the same batch must not
    // resurrect its committed messages.
    idx.upsert_conversation(gone.clone()).unwrap();
    idx.commit(None).unwrap();
    assert_eq!(message_ids(&idx, &messages(a, "退款")), vec![kept[0].id]);
    // Another account cannot delete it.
    idx.delete_conversation(AccountId::new(), keep.id).unwrap();
    idx.commit(None).unwrap();
    assert_eq!(message_ids(&idx, &messages(a, "退款")), vec![kept[0].id]);
    idx.clear().unwrap();
    idx.commit(Some("rebuilt")).unwrap();
    assert_eq!(idx.num_docs(), 0);
    assert_eq!(idx.cursor().as_deref(), Some("rebuilt"));
}

#[test]
fn searches_run_while_another_thread_writes() {
    use std::sync::Arc;
    let idx = Arc::new(index());
    let a = AccountId::new();
    let conv = conversation(a, InboxId::new(), None);
    idx.upsert_conversation(conv.clone()).unwrap();
    let writer = {
        let idx = Arc::clone(&idx);
        let conv = conv.clone();
        std::thread::spawn(move || {
            for i in 0..200 {
                idx.add_message(message(&conv, &format!("退款 {i}"), T0 + i))
                    .unwrap();
                if i % 20 == 19 {
                    idx.commit(Some(&format!("c{i}"))).unwrap();
                }
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let idx = Arc::clone(&idx);
            std::thread::spawn(move || {
                let mut last = 0;
                for _ in 0..200 {
                    let total = idx.search(&messages(a, "退款")).unwrap().total;
                    assert!(total >= last, "results never go backwards");
                    last = total;
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(idx.search(&messages(a, "退款")).unwrap().total, 200);
    assert_eq!(idx.cursor().as_deref(), Some("c199"));
}
