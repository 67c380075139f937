//! Quality inspection storage: settings per account, and a conversation's
//! scores replaced whole with their `qa.scored` event.

use kefu_core::event::EventType;
use kefu_core::model::*;
use kefu_core::*;
use serde_json::json;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    settings_are_per_account,
    scores_are_replaced_with_their_event,
);

async fn settings_are_per_account(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let other = Fx::new(s).await;
    assert_eq!(
        s.qa_settings(fx.account).await.unwrap(),
        QaSettings::default()
    );
    let settings = QaSettings {
        rules: vec![json!({"id": "f", "name": "禁语", "type": "forbidden", "words": ["滚"]})],
        scorecards: vec![json!({"id": "c", "name": "Chat", "pass_score": 80, "items": []})],
    };
    s.put_qa_settings(fx.account, &settings, fx.now)
        .await
        .unwrap();
    assert_eq!(s.qa_settings(fx.account).await.unwrap(), settings);
    assert_eq!(
        s.qa_settings(other.account).await.unwrap(),
        QaSettings::default()
    );
    let replaced = QaSettings::default();
    s.put_qa_settings(fx.account, &replaced, fx.now)
        .await
        .unwrap();
    assert_eq!(s.qa_settings(fx.account).await.unwrap(), replaced);
}

fn score(conv: ConversationId, card: &str, total: f64, passed: bool) -> QaScore {
    QaScore {
        conversation_id: conv,
        scorecard_id: card.into(),
        total,
        passed,
        critical_failed: if passed { vec![] } else { vec!["f".into()] },
        items: vec![json!({"rule_id": "f", "hits": 1, "points": -100.0})],
        hits: vec![json!({"rule_id": "f", "message_index": 2, "start": 3, "end": 4})],
        created_at: ts(fx_now()),
    }
}

fn fx_now() -> i64 {
    1_764_000_000_000
}

async fn scores_are_replaced_with_their_event(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    assert!(s.qa_scores(fx.account, c.id).await.unwrap().is_empty());
    let first = [score(c.id, "a", 0.0, false), score(c.id, "b", 87.5, true)];
    let e = s
        .record_qa_scores(fx.account, c.id, &first, ts(fx_now()))
        .await
        .unwrap();
    assert_eq!(e.kind, EventType::QaScored);
    assert_eq!(e.conversation_id, Some(c.id));
    assert_eq!(e.data["scores"][1]["total"], 87.5);
    assert_eq!(s.qa_scores(fx.account, c.id).await.unwrap(), first.to_vec());
    // Inspected again: one set of scores, the new one.
    let again = [score(c.id, "b", 92.25, true)];
    s.record_qa_scores(fx.account, c.id, &again, ts(fx_now()))
        .await
        .unwrap();
    assert_eq!(s.qa_scores(fx.account, c.id).await.unwrap(), again.to_vec());
    // The event moved the conversation's sequence like any other.
    let after = s.get_conversation(fx.account, c.id).await.unwrap();
    assert_eq!(after.last_seq, c.last_seq + 2);
    // Another account sees no such conversation.
    let other = Fx::new(s).await;
    assert!(matches!(
        s.qa_scores(other.account, c.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.record_qa_scores(other.account, c.id, &again, ts(fx_now()))
            .await,
        Err(StoreError::NotFound(_))
    ));
}
