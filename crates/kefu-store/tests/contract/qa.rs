//! Quality inspection storage: settings per account, and a conversation's
//! scores replaced whole with their `qa.scored` event; live alerts once
//! per rule and message.

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
    reviews_check_the_version_and_lists_filter,
    alerts_are_recorded_once_and_listed_newest_first,
    sentiment_labels_come_with_reviews_and_models_mark_the_settings,
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
        sample_rate: 0.25,
        sentiment_model: None,
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
        id: uuid::Uuid::now_v7(),
        conversation_id: conv,
        scorecard_id: card.into(),
        total,
        passed,
        critical_failed: if passed { vec![] } else { vec!["f".into()] },
        items: vec![json!({"rule_id": "f", "hits": 1, "points": -100.0})],
        hits: vec![json!({"rule_id": "f", "message_index": 2, "start": 3, "end": 4})],
        status: QaStatus::Auto,
        agent_id: None,
        sampled: !passed,
        adjustment: 0.0,
        review: json!({}),
        version: 1,
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

async fn reviews_check_the_version_and_lists_filter(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let a = fx.queued(s).await;
    let b = fx.queued(s).await;
    let mut failed = score(a.id, "chat", 40.0, false);
    failed.agent_id = Some(fx.agent);
    let mut passed = score(b.id, "chat", 95.0, true);
    passed.agent_id = Some(fx.agent2);
    s.record_qa_scores(
        fx.account,
        a.id,
        std::slice::from_ref(&failed),
        ts(fx_now()),
    )
    .await
    .unwrap();
    s.record_qa_scores(fx.account, b.id, &[passed], ts(fx_now() + 1000))
        .await
        .unwrap();
    let page = kefu_core::store::PageRequest {
        cursor: None,
        limit: 50,
    };
    let list = |f: kefu_core::store::QaScoreFilter| {
        let page = page.clone();
        async move {
            s.list_qa_scores(fx.account, &f, &page)
                .await
                .unwrap()
                .items
                .iter()
                .map(|x| x.conversation_id)
                .collect::<Vec<_>>()
        }
    };
    use kefu_core::store::QaScoreFilter;
    assert_eq!(
        list(QaScoreFilter::default()).await,
        vec![b.id, a.id],
        "newest first"
    );
    let queue = QaScoreFilter {
        needs_review: true,
        ..Default::default()
    };
    assert_eq!(list(queue).await, vec![a.id], "failed (or sampled) only");
    let mine = QaScoreFilter {
        agent_id: Some(fx.agent2),
        ..Default::default()
    };
    assert_eq!(list(mine).await, vec![b.id]);

    // A review at the version read is saved and bumps it; a stale one is refused.
    let mut reviewed = s.qa_scores(fx.account, a.id).await.unwrap().remove(0);
    assert_eq!(reviewed.version, 1);
    reviewed.status = QaStatus::Reviewed;
    reviewed.total = 100.0;
    reviewed.passed = true;
    reviewed.critical_failed = vec![];
    reviewed.review = json!({"reviewer_id": fx.admin});
    let e = s
        .save_qa_review(fx.account, &reviewed, &[], ts(fx_now()))
        .await
        .unwrap();
    assert_eq!(
        (e.kind, e.data["reason"].as_str()),
        (EventType::QaScored, Some("reviewed"))
    );
    let stored = s.qa_scores(fx.account, a.id).await.unwrap().remove(0);
    assert_eq!(
        (stored.status, stored.version, stored.total),
        (QaStatus::Reviewed, 2, 100.0)
    );
    assert_eq!(stored.critical_failed, Vec::<String>::new());
    let stale = s
        .save_qa_review(fx.account, &reviewed, &[], ts(fx_now()))
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict(_))),
        "{stale:?}"
    );
    let status = QaScoreFilter {
        status: Some(QaStatus::Reviewed),
        ..Default::default()
    };
    assert_eq!(list(status).await, vec![a.id]);
    // Another account's list is empty.
    let other = Fx::new(s).await;
    let theirs = s
        .list_qa_scores(other.account, &QaScoreFilter::default(), &page)
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
}

async fn alerts_are_recorded_once_and_listed_newest_first(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let m = s
        .append_message(
            &fx.msg(c.id, Sender::contact(fx.contact), "我要投诉"),
            &fx.no_bot(),
        )
        .await
        .unwrap()
        .message;
    let alert = |rule: &str, reason: QaAlertReason| QaAlert {
        id: uuid::Uuid::now_v7(),
        conversation_id: c.id,
        inbox_id: fx.inbox,
        rule_id: rule.into(),
        rule_name: format!("Rule {rule}"),
        reason,
        message_id: m.id,
        start: 2,
        end: 4,
        excerpt: "我要投诉".into(),
        speaker: "customer".into(),
        created_at: ts(fx_now()),
    };
    let e = s
        .record_qa_alert(fx.account, &alert("esc", QaAlertReason::Rule), ts(fx_now()))
        .await
        .unwrap()
        .expect("a new alert");
    assert_eq!(e.kind, EventType::QaAlert);
    assert_eq!(
        (e.conversation_id, e.inbox_id),
        (Some(c.id), Some(fx.inbox))
    );
    assert_eq!(e.data["rule_id"], "esc");
    assert_eq!(e.data["message_id"], json!(m.id));
    assert_eq!(
        (e.data["start"].as_i64(), e.data["end"].as_i64()),
        (Some(2), Some(4))
    );
    // The same rule on the same message again (another node, a retry): no
    // second alert, no second event.
    let again = s
        .record_qa_alert(
            fx.account,
            &alert("esc", QaAlertReason::Rule),
            ts(fx_now() + 1),
        )
        .await
        .unwrap();
    assert!(again.is_none());
    // Another reason or another rule is another alert.
    s.record_qa_alert(
        fx.account,
        &alert("esc", QaAlertReason::Silence),
        ts(fx_now() + 2),
    )
    .await
    .unwrap()
    .expect("a silence");
    s.record_qa_alert(
        fx.account,
        &alert("other", QaAlertReason::Rule),
        ts(fx_now() + 3),
    )
    .await
    .unwrap()
    .expect("another rule");
    let page = s
        .list_qa_alerts(fx.account, None, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|a| (a.rule_id.as_str(), a.reason))
            .collect::<Vec<_>>(),
        vec![
            ("other", QaAlertReason::Rule),
            ("esc", QaAlertReason::Silence),
            ("esc", QaAlertReason::Rule)
        ]
    );
    assert_eq!(page.items[2].excerpt, "我要投诉");
    let none = s
        .list_qa_alerts(fx.account, Some(&[]), &Default::default())
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let other = Fx::new(s).await;
    assert!(
        s.list_qa_alerts(other.account, None, &Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let events = s
        .conversation_events(fx.account, c.id, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventType::QaAlert)
            .count(),
        3
    );
}

async fn sentiment_labels_come_with_reviews_and_models_mark_the_settings(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let mut messages = Vec::new();
    for text in ["太差劲了", "谢谢，没问题"] {
        let m = s
            .append_message(
                &fx.msg(c.id, Sender::contact(fx.contact), text),
                &fx.no_bot(),
            )
            .await
            .unwrap()
            .message;
        messages.push(m);
    }
    s.record_qa_scores(
        fx.account,
        c.id,
        &[score(c.id, "chat", 50.0, false)],
        ts(fx_now()),
    )
    .await
    .unwrap();
    let label = |i: usize, negative: bool, at: i64| SentimentLabel {
        message_id: messages[i].id,
        text: messages[i]
            .content
            .plain_text()
            .unwrap_or_default()
            .to_string(),
        negative,
        rule_id: "upset".into(),
        labelled_by: fx.admin,
        labelled_at: ts(at),
    };
    let mut reviewed = s.qa_scores(fx.account, c.id).await.unwrap().remove(0);
    reviewed.status = QaStatus::Reviewed;
    s.save_qa_review(
        fx.account,
        &reviewed,
        &[label(0, true, fx_now()), label(1, true, fx_now() + 1)],
        ts(fx_now()),
    )
    .await
    .unwrap();
    // A stale review stores no labels either.
    let stale = s
        .save_qa_review(
            fx.account,
            &reviewed,
            &[label(0, false, fx_now() + 5)],
            ts(fx_now()),
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict(_))),
        "{stale:?}"
    );
    // A later verdict on the same message replaces its label.
    reviewed.version += 1;
    s.save_qa_review(
        fx.account,
        &reviewed,
        &[label(1, false, fx_now() + 2)],
        ts(fx_now()),
    )
    .await
    .unwrap();
    let labels = s.sentiment_labels(fx.account, 100).await.unwrap();
    assert_eq!(
        labels,
        vec![label(1, false, fx_now() + 2), label(0, true, fx_now())]
    );
    assert_eq!(s.sentiment_labels(fx.account, 1).await.unwrap().len(), 1);
    let other = Fx::new(s).await;
    assert!(
        s.sentiment_labels(other.account, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // A model marks the settings (created if the account had none) and
    // saving the settings keeps the mark; reverting clears both.
    assert_eq!(s.sentiment_model(fx.account).await.unwrap(), None);
    let model = AccountSentimentModel {
        trained_at: ts(fx_now() + 10),
        trained_by: fx.admin,
        examples: vec![LabelledText {
            text: "太差劲了".into(),
            negative: true,
        }],
        report: json!({"labels": 1}),
    };
    s.put_sentiment_model(fx.account, Some(&model), ts(fx_now()))
        .await
        .unwrap();
    assert_eq!(
        s.sentiment_model(fx.account).await.unwrap(),
        Some(model.clone())
    );
    let settings = s.qa_settings(fx.account).await.unwrap();
    assert_eq!(settings.sentiment_model, Some(model.trained_at));
    assert!(settings.rules.is_empty());
    let saved = QaSettings {
        sample_rate: 0.5,
        ..QaSettings::default()
    };
    s.put_qa_settings(fx.account, &saved, ts(fx_now()))
        .await
        .unwrap();
    assert_eq!(
        s.qa_settings(fx.account).await.unwrap().sentiment_model,
        Some(model.trained_at)
    );
    assert_eq!(s.sentiment_model(other.account).await.unwrap(), None);
    assert_eq!(
        s.qa_settings(other.account).await.unwrap().sentiment_model,
        None
    );
    s.put_sentiment_model(fx.account, None, ts(fx_now()))
        .await
        .unwrap();
    assert_eq!(s.sentiment_model(fx.account).await.unwrap(), None);
    let after = s.qa_settings(fx.account).await.unwrap();
    assert_eq!((after.sentiment_model, after.sample_rate), (None, 0.5));
}
