//! The learning loop's store: questions the bot could not answer, recorded
//! once per customer message, listed newest first, resolved by admins.

use kefu_core::model::*;
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    questions_are_recorded_once_and_listed_newest_first,
    resolved_questions_leave_the_list,
    questions_stay_in_their_account,
);

fn question(fx: &Fx, c: &Conversation, text: &str, at: i64) -> NewBotQuestion {
    NewBotQuestion {
        account_id: fx.account,
        conversation_id: c.id,
        message_id: MessageId::new(),
        text: text.into(),
        outcome: "candidates".into(),
        now: ts(at),
    }
}

async fn questions_are_recorded_once_and_listed_newest_first(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let old = question(&fx, &c, "can I pay by invoice?", 1_000);
    let new = question(&fx, &c, "能开发票吗", 2_000);
    s.record_bot_question(&old).await.unwrap();
    s.record_bot_question(&new).await.unwrap();
    // A turn that runs twice records its question once.
    s.record_bot_question(&new).await.unwrap();
    let open = s.open_bot_questions(fx.account, ts(0), 10).await.unwrap();
    let texts: Vec<&str> = open.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, ["能开发票吗", "can I pay by invoice?"]);
    assert_eq!(open[0].status, "open");
    assert_eq!(open[0].conversation_id, c.id);
    assert_eq!(open[0].outcome, "candidates");
    // The window and the limit hold.
    let recent = s
        .open_bot_questions(fx.account, ts(1_500), 10)
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    let one = s.open_bot_questions(fx.account, ts(0), 1).await.unwrap();
    assert_eq!(one[0].message_id, new.message_id);
}

async fn resolved_questions_leave_the_list(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let a = question(&fx, &c, "a", 1_000);
    let b = question(&fx, &c, "b", 1_001);
    s.record_bot_question(&a).await.unwrap();
    s.record_bot_question(&b).await.unwrap();
    let n = s
        .resolve_bot_questions(
            fx.account,
            &[a.message_id, MessageId::new()],
            BotQuestionResolution::Added,
            fx.admin,
            ts(5_000),
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "unknown ids are skipped");
    // Already resolved: nothing changes.
    let again = s
        .resolve_bot_questions(
            fx.account,
            &[a.message_id],
            BotQuestionResolution::Dismissed,
            fx.admin,
            ts(6_000),
        )
        .await
        .unwrap();
    assert_eq!(again, 0);
    let open = s.open_bot_questions(fx.account, ts(0), 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].message_id, b.message_id);
}

async fn questions_stay_in_their_account(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let other = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let q = question(&fx, &c, "secret", 1_000);
    s.record_bot_question(&q).await.unwrap();
    assert!(
        s.open_bot_questions(other.account, ts(0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let n = s
        .resolve_bot_questions(
            other.account,
            &[q.message_id],
            BotQuestionResolution::Dismissed,
            other.admin,
            ts(2_000),
        )
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A question must belong to a conversation of its account.
    let foreign = NewBotQuestion {
        account_id: other.account,
        ..question(&fx, &c, "x", 1)
    };
    assert!(matches!(
        s.record_bot_question(&foreign).await,
        Err(StoreError::NotFound(_))
    ));
}
