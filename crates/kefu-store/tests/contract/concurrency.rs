//! Units of work under concurrency: claims, sequence numbers, and the
//! account stream that a reconnecting client resumes from.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use kefu_core::event::{Event, EventType, StreamCursor};
use kefu_core::model::*;
use kefu_core::state::{Status, TransitionError};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::{Backend, Ctx};

contract!(
    concurrent_claim_has_one_winner,
    seq_is_gap_free_under_concurrency,
    reader_misses_no_event,
    commits_wake_the_relay,
);

async fn concurrent_claim_has_one_winner(cx: Ctx) {
    let s = cx.store.clone();
    let fx = Arc::new(Fx::new(&*s).await);
    let c = fx.queued(&*s).await;
    let agents: Vec<UserId> = (0..20).map(|_| UserId::new()).collect();
    let mut tasks = vec![];
    for agent in agents.clone() {
        let (s, fx) = (s.clone(), fx.clone());
        tasks.push(tokio::spawn(async move {
            let m = fx.msg(c.id, Sender::agent(agent), "我来处理");
            (agent, s.append_message(&m, &fx.no_bot()).await)
        }));
    }
    let mut winners = vec![];
    for t in tasks {
        let (agent, r) = t.await.unwrap();
        match r {
            Ok(a) => winners.push((agent, a)),
            Err(StoreError::Domain(CoreError::Transition(TransitionError::AssignedToOther))) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one agent claims the conversation"
    );
    let (winner, a) = &winners[0];
    assert_eq!(a.conversation.assignee_id, Some(*winner));
    let conv = s.get_conversation(fx.account, c.id).await.unwrap();
    assert_eq!(
        (conv.status, conv.assignee_id),
        (Status::Assigned, Some(*winner))
    );
    let messages = s
        .list_messages(fx.account, c.id, 0, 100, true)
        .await
        .unwrap();
    assert_eq!(messages.len(), 2, "the contact's and the winner's");
}

async fn seq_is_gap_free_under_concurrency(cx: Ctx) {
    let s = cx.store.clone();
    let fx = Arc::new(Fx::new(&*s).await);
    let c = fx.conversation(&*s).await;
    let mut tasks = vec![];
    for t in 0..8 {
        let (s, fx) = (s.clone(), fx.clone());
        tasks.push(tokio::spawn(async move {
            let mut seqs = vec![];
            for i in 0..25 {
                let sender = if (t + i) % 4 == 0 {
                    Sender::system()
                } else {
                    Sender::contact(fx.contact)
                };
                let m = fx.msg(c.id, sender, &format!("{t}-{i}"));
                seqs.push(
                    s.append_message(&m, &fx.policy())
                        .await
                        .unwrap()
                        .message
                        .seq,
                );
            }
            seqs
        }));
    }
    let mut message_seqs = HashSet::new();
    for t in tasks {
        for seq in t.await.unwrap() {
            assert!(message_seqs.insert(seq), "seq {seq} handed out twice");
        }
    }
    let conv = s.get_conversation(fx.account, c.id).await.unwrap();
    let log = s
        .conversation_events(fx.account, c.id, 0, 1000)
        .await
        .unwrap();
    let seqs: Vec<i64> = log.iter().map(|e| e.seq.unwrap()).collect();
    assert_eq!(seqs, (1..=conv.last_seq).collect::<Vec<_>>(), "gap-free");
    assert_eq!(conv.last_seq, 1 + 200);
    let messages = s
        .list_messages(fx.account, c.id, 0, 1000, true)
        .await
        .unwrap();
    assert_eq!(messages.len(), 200);
    assert!(messages.iter().all(|m| message_seqs.contains(&m.seq)));
}

/// Many writers commit while a reader polls `account_events_after` from its
/// last cursor. The reader must end with every event exactly once, in stream
/// order: what a client that reconnects with its cursor relies on.
async fn reader_misses_no_event(cx: Ctx) {
    let s = cx.store.clone();
    let fx = Arc::new(Fx::new(&*s).await);
    let start = s.stream_head().await.unwrap();

    // The writers report what they wrote; the reader keeps reading until it
    // has all of it. Its cursor only moves forward, so an event it skipped
    // would never arrive and the reader would time out instead.
    let (written_tx, written_rx) =
        tokio::sync::watch::channel(None::<HashMap<EventId, StreamCursor>>);
    let reader = {
        let (s, account, mut written_rx) = (s.clone(), fx.account, written_rx);
        tokio::spawn(async move {
            let mut cursor = start;
            let mut got: Vec<Event> = vec![];
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            loop {
                let batch = s.account_events_after(account, cursor, 37).await.unwrap();
                if batch.is_empty() {
                    let target = written_rx.borrow_and_update().clone();
                    if let Some(target) = target {
                        let have: HashSet<EventId> = got.iter().map(|e| e.id).collect();
                        let mut missing: Vec<StreamCursor> = target
                            .iter()
                            .filter(|(id, _)| !have.contains(id))
                            .map(|(_, c)| *c)
                            .collect();
                        if missing.is_empty() {
                            break got;
                        }
                        missing.sort();
                        // Behind the cursor means skipped for good: a bug.
                        // Ahead of it means not delivered yet: on PostgreSQL
                        // any older writing transaction in the cluster (even
                        // another program's) holds the stream back.
                        let skipped: Vec<String> = missing
                            .iter()
                            .filter(|c| **c < cursor)
                            .map(|c| c.to_string())
                            .collect();
                        assert!(skipped.is_empty(), "reader at {cursor} skipped {skipped:?}");
                        let head = s.stream_head().await.unwrap();
                        assert!(
                            tokio::time::Instant::now() < deadline,
                            "{} written events not delivered after 120 s; reader at {cursor}, \
                             stream head {head}, first missing {}",
                            missing.len(),
                            missing[0]
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    continue;
                }
                let cursors: Vec<String> = batch
                    .iter()
                    .map(|e| e.cursor.unwrap().to_string())
                    .collect();
                for e in batch {
                    let c = e.cursor.expect("committed events have a cursor");
                    assert!(
                        c > cursor,
                        "cursor went backwards: {c} after {cursor}; batch {cursors:?}"
                    );
                    cursor = c;
                    got.push(e);
                }
            }
        })
    };

    let mut writers = vec![];
    for w in 0..8 {
        let (s, fx) = (s.clone(), fx.clone());
        writers.push(tokio::spawn(async move {
            let mut ids = vec![];
            // Each writer alternates between two conversations of its own.
            let convs = [fx.conversation(&*s).await, fx.conversation(&*s).await];
            for conv in &convs {
                let log = s
                    .conversation_events(fx.account, conv.id, 0, 10)
                    .await
                    .unwrap();
                ids.extend(log.iter().map(|e| (e.id, e.cursor.unwrap())));
            }
            for i in 0..200 {
                let conv = &convs[i % 2];
                let m = fx.msg(conv.id, Sender::contact(fx.contact), &format!("w{w} m{i}"));
                let a = s.append_message(&m, &fx.policy()).await.unwrap();
                ids.extend(a.events.iter().map(|e| (e.id, e.cursor.unwrap())));
            }
            ids
        }));
    }
    let mut written_at: HashMap<EventId, StreamCursor> = HashMap::new();
    for w in writers {
        written_at.extend(w.await.unwrap());
    }
    written_tx.send_replace(Some(written_at.clone()));
    let written: HashSet<EventId> = written_at.keys().copied().collect();
    let got = reader.await.unwrap();

    let ids: Vec<EventId> = got.iter().map(|e| e.id).collect();
    let unique: HashSet<EventId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no event delivered twice");
    assert!(written.is_subset(&unique));
    assert!(got.iter().all(|e| e.account_id == fx.account));
    // Besides what the writers wrote, only events that committed before the
    // start may show up (PostgreSQL's head is conservative): the fixture's.
    let extra: Vec<_> = got.iter().filter(|e| !written.contains(&e.id)).collect();
    assert!(
        extra.iter().all(|e| e.kind == EventType::ContactCreated),
        "{extra:?}"
    );
    let got: Vec<Event> = got
        .into_iter()
        .filter(|e| written.contains(&e.id))
        .collect();
    let ids: Vec<EventId> = got.iter().map(|e| e.id).collect();
    // Per conversation the stream order is the seq order, gap-free.
    let mut last: HashMap<ConversationId, i64> = HashMap::new();
    for e in &got {
        let conv = e.conversation_id.unwrap();
        let seq = e.seq.unwrap();
        let prev = last.insert(conv, seq).unwrap_or(0);
        assert_eq!(
            seq,
            prev + 1,
            "conversation {conv:?} jumped from {prev} to {seq}"
        );
    }
    // A second reader from the start sees the same sequence.
    let mut cursor = start;
    let mut again = vec![];
    loop {
        let batch = s
            .account_events_after(fx.account, cursor, 1000)
            .await
            .unwrap();
        let Some(last) = batch.last() else { break };
        cursor = last.cursor.unwrap();
        again.extend(
            batch
                .into_iter()
                .map(|e| e.id)
                .filter(|id| written.contains(id)),
        );
    }
    assert_eq!(again, ids);
    // The all-accounts stream agrees.
    let relay: Vec<EventId> = s
        .stream_after(start, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .filter(|id| written.contains(id))
        .collect();
    assert_eq!(relay, ids[..relay.len()].to_vec());
}

async fn commits_wake_the_relay(cx: Ctx) {
    let s = cx.store.clone();
    let fx = Fx::new(&*s).await;
    let c = fx.conversation(&*s).await;
    let head = s.stream_head().await.unwrap();
    let after_head = s.stream_after(head, 100).await.unwrap();
    match cx.backend {
        Backend::Sqlite => assert!(after_head.is_empty(), "head is past everything"),
        // PostgreSQL's head is the oldest transaction still running anywhere
        // in the cluster (other tests' schemas included), so events that
        // committed just before it may follow it, as `stream_head` documents;
        // they still come in stream order from the head on.
        Backend::Postgres => assert!(
            after_head.iter().all(|e| e.cursor.unwrap() > head),
            "nothing before the head"
        ),
    }

    let notified = cx.committed.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    // Drain a possible stored permit from earlier commits.
    let _ = tokio::time::timeout(Duration::from_millis(10), notified.as_mut()).await;
    let notified = cx.committed.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    let writer = {
        let s = s.clone();
        let m = fx.msg(c.id, Sender::contact(fx.contact), "ping");
        let p = fx.policy();
        tokio::spawn(async move { s.append_message(&m, &p).await.unwrap() })
    };
    tokio::time::timeout(Duration::from_secs(30), notified)
        .await
        .expect("a commit with events wakes the relay");
    let a = writer.await.unwrap();
    // Soon after the wake the new events are readable from the head. On
    // PostgreSQL the head may also let through events that committed just
    // before it was taken (never one less): here only the setup's.
    let want: Vec<EventId> = a.events.iter().map(|e| e.id).collect();
    let mut seen = vec![];
    for _ in 0..STREAM_WAIT_POLLS {
        seen = s.stream_after(head, 100).await.unwrap();
        if want.iter().all(|id| seen.iter().any(|e| e.id == *id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (new, early): (Vec<_>, Vec<_>) = seen.iter().partition(|e| want.contains(&e.id));
    assert_eq!(new.iter().map(|e| e.id).collect::<Vec<_>>(), want);
    assert!(
        early.iter().all(|e| matches!(
            e.kind,
            EventType::ContactCreated | EventType::ConversationCreated
        )),
        "{early:?}"
    );
    if cx.backend == Backend::Sqlite {
        assert!(early.is_empty(), "SQLite's head is exact");
    }
    let _ = StreamCursor::START;
}

/// PostgreSQL orders the stream by the writing transaction's id. The events
/// query also selects that id as text under the same name, and a bare
/// `ORDER BY tx` would sort the text: transaction 100 before 98. Transaction
/// ids cross a power of ten rarely, so the rows are written here directly.
#[tokio::test]
async fn stream_orders_transaction_ids_as_numbers() {
    crate::harness::run(Backend::Postgres, |cx| async move {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&cx.url).await.unwrap();
        let account = AccountId::new();
        let actor = serde_json::to_string(&Sender::system()).unwrap();
        // Inserted out of order, so `pos` order differs from `tx` order too.
        for tx in [100i64, 101, 98, 99] {
            sqlx::query(
                "INSERT INTO events (tx, id, account_id, type, schema_version, actor, data, \
                 created_at) VALUES ($1::text::xid8, $2, $3, 'conversation.created', 1, $4, \
                 '{}', 0)",
            )
            .bind(tx.to_string())
            .bind(uuid::Uuid::now_v7())
            .bind(account.0)
            .bind(&actor)
            .execute(&mut c)
            .await
            .unwrap();
        }
        let start = StreamCursor { tx: 0, pos: 0 };
        let all = cx.store.stream_after(start, 10).await.unwrap();
        let txs: Vec<u64> = all.iter().map(|e| e.cursor.unwrap().tx).collect();
        assert_eq!(txs, [98, 99, 100, 101]);
        let mine = cx
            .store
            .account_events_after(account, start, 10)
            .await
            .unwrap();
        let txs: Vec<u64> = mine.iter().map(|e| e.cursor.unwrap().tx).collect();
        assert_eq!(txs, [98, 99, 100, 101]);
        // Resuming after the second yields the rest, in order.
        let rest = cx
            .store
            .stream_after(all[1].cursor.unwrap(), 10)
            .await
            .unwrap();
        let txs: Vec<u64> = rest.iter().map(|e| e.cursor.unwrap().tx).collect();
        assert_eq!(txs, [100, 101]);
    })
    .await;
}
