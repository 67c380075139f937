//! @mentions in private notes: written with the note or not at all, once
//! per note even when it is retried, listed newest first for the mentioned
//! member only, and marked read by them.

use kefu_core::event::EventType;
use kefu_core::model::*;
use kefu_core::store::{NewMessage, PageRequest, Store};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    a_note_mentions_each_member_once_even_when_retried,
    mentions_need_a_private_note_by_an_agent_and_a_member,
    mentions_page_newest_first_and_are_marked_read_by_their_member,
);

fn note(fx: &Fx, conversation: ConversationId, text: &str, mentions: Vec<UserId>) -> NewMessage {
    NewMessage {
        visibility: MessageVisibility::Internal,
        mentions,
        ..fx.msg(conversation, Sender::agent(fx.agent), text)
    }
}

async fn mine(s: &dyn Store, fx: &Fx, user: UserId, unread: bool) -> Vec<Mention> {
    s.list_mentions(
        fx.account,
        user,
        unread,
        None,
        &PageRequest {
            cursor: None,
            limit: 50,
        },
    )
    .await
    .unwrap()
    .items
}

async fn count(s: &dyn Store, fx: &Fx, conversation: ConversationId) -> usize {
    s.list_messages(fx.account, conversation, 0, 100, true)
        .await
        .unwrap()
        .len()
}

async fn a_note_mentions_each_member_once_even_when_retried(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let mut n = note(
        &fx,
        c.id,
        "@agent2 @admin can you check the refund?",
        vec![fx.agent2, fx.admin, fx.agent2],
    );
    n.client_id = Some("note-1".into());
    let a = s.append_message(&n, &fx.no_bot()).await.unwrap();
    assert!(!a.duplicate);
    let mentioned: Vec<_> = a
        .events
        .iter()
        .filter(|e| e.kind == EventType::ConversationMentioned)
        .collect();
    assert_eq!(mentioned.len(), 2, "one event per member: {:?}", a.events);
    assert_eq!(mentioned[0].data["user_id"], serde_json::json!(fx.agent2));
    assert_eq!(
        mentioned[0].data["message_id"],
        serde_json::json!(a.message.id)
    );
    assert_eq!(mentioned[0].data["author"], serde_json::json!(fx.agent));
    assert_eq!(
        mentioned[0].data["excerpt"],
        "@agent2 @admin can you check the refund?"
    );
    assert_eq!(mentioned[0].inbox_id, Some(fx.inbox));

    // The retry (same client id, a fresh message id) is the original again,
    // and mentions nobody twice.
    let mut retry = n.clone();
    retry.id = MessageId::new();
    let again = s.append_message(&retry, &fx.no_bot()).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.id, a.message.id);
    assert!(again.events.is_empty());

    let theirs = mine(s, &fx, fx.agent2, false).await;
    assert_eq!(theirs.len(), 1);
    let m = &theirs[0];
    assert_eq!(
        (
            m.user_id,
            m.author_id,
            m.message_id,
            m.conversation_id,
            m.inbox_id
        ),
        (fx.agent2, fx.agent, a.message.id, c.id, fx.inbox)
    );
    assert_eq!(m.read_at, None);
    assert_eq!(mine(s, &fx, fx.admin, false).await.len(), 1);
    assert!(mine(s, &fx, fx.agent, false).await.is_empty(), "the author");
}

async fn mentions_need_a_private_note_by_an_agent_and_a_member(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let before = count(s, &fx, c.id).await;

    let mut public = note(&fx, c.id, "hello", vec![fx.agent2]);
    public.visibility = MessageVisibility::Public;
    let e = s.append_message(&public, &fx.no_bot()).await.unwrap_err();
    assert_eq!(e.code(), "validation_failed", "{e}");

    // A user of another account: the note is refused with the mention.
    let other = account("Other");
    s.create_account(&other).await.unwrap();
    let stranger = user("stranger");
    s.create_user(&stranger, "hash").await.unwrap();
    s.upsert_member(&member(other.id, &stranger, Role::Agent))
        .await
        .unwrap();
    let e = s
        .append_message(
            &note(&fx, c.id, "psst", vec![fx.agent2, stranger.id]),
            &fx.no_bot(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound(_)), "{e}");

    assert_eq!(count(s, &fx, c.id).await, before, "no half-applied note");
    assert!(mine(s, &fx, fx.agent2, false).await.is_empty());
    let in_other = s
        .list_mentions(other.id, stranger.id, false, None, &PageRequest::default())
        .await
        .unwrap();
    assert!(in_other.items.is_empty());
}

async fn mentions_page_newest_first_and_are_marked_read_by_their_member(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c1 = fx.queued(s).await;
    let c2 = fx.queued(s).await;
    let mut ids = vec![];
    for (i, c) in [c1.id, c1.id, c2.id].into_iter().enumerate() {
        let mut n = note(&fx, c, &format!("note {i}"), vec![fx.agent2]);
        n.now = ts(fx.now.0 + 10 + i as i64);
        s.append_message(&n, &fx.no_bot()).await.unwrap();
        ids.push(n.id);
    }
    let page = |cursor: Option<String>| PageRequest { cursor, limit: 2 };
    let first = s
        .list_mentions(fx.account, fx.agent2, false, None, &page(None))
        .await
        .unwrap();
    let excerpts: Vec<&str> = first.items.iter().map(|m| m.excerpt.as_str()).collect();
    assert_eq!(excerpts, ["note 2", "note 1"]);
    let second = s
        .list_mentions(fx.account, fx.agent2, false, None, &page(first.next_cursor))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].excerpt, "note 0");
    assert_eq!(second.next_cursor, None);

    // Only inboxes the member still sees.
    let none = s
        .list_mentions(fx.account, fx.agent2, false, Some(&[]), &page(None))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let elsewhere = [InboxId::new()];
    let none = s
        .list_mentions(fx.account, fx.agent2, false, Some(&elsewhere), &page(None))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let here = [fx.inbox];
    let all = s
        .list_mentions(fx.account, fx.agent2, false, Some(&here), &page(None))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);

    // Someone else's mention is not theirs to mark.
    let newest = first.items[0].id;
    let read = MentionsToRead::Ids(vec![newest]);
    let at = ts(fx.now.0 + 100);
    assert_eq!(
        s.mark_mentions_read(fx.account, fx.agent, &read, at)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.mark_mentions_read(fx.account, fx.agent2, &read, at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.mark_mentions_read(fx.account, fx.agent2, &read, at)
            .await
            .unwrap(),
        0,
        "already read"
    );
    let unread = mine(s, &fx, fx.agent2, true).await;
    assert_eq!(unread.len(), 2);
    assert!(unread.iter().all(|m| m.id != newest));

    let by_conv = MentionsToRead::Conversation(c1.id);
    assert_eq!(
        s.mark_mentions_read(fx.account, fx.agent2, &by_conv, at)
            .await
            .unwrap(),
        2
    );
    assert!(mine(s, &fx, fx.agent2, true).await.is_empty());
    let all = mine(s, &fx, fx.agent2, false).await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|m| m.read_at == Some(at)));
}
