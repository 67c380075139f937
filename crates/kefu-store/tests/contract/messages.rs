//! Messages: the append unit of work, idempotency, "only the owner speaks",
//! listing, delivery, read positions and attachments.

use kefu_core::event::EventType;
use kefu_core::model::*;
use kefu_core::state::{Input, Status, TransitionError};
use kefu_core::store::NewMessage;
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    append_writes_message_state_and_events,
    idempotent_by_client_id,
    idempotent_by_external_id,
    only_the_owner_speaks,
    listing_and_notes,
    delivery_and_read_cursors,
    attachments,
    append_to_latest_finds_the_contacts_newest_chat,
);

async fn append_writes_message_state_and_events(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    // No bot: the first contact message hands the conversation to the queue.
    let m = fx.msg(c.id, Sender::contact(fx.contact), "我要退款");
    let a = s.append_message(&m, &fx.no_bot()).await.unwrap();
    assert!(!a.duplicate);
    assert_eq!(a.message.seq, 2);
    assert_eq!(a.message.delivery, DeliveryState::Pending);
    assert_eq!(a.message.inbox_id, fx.inbox);
    let kinds: Vec<_> = a.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventType::MessageCreated,
            EventType::ConversationStatusChanged,
            EventType::BotHandedOff
        ]
    );
    assert_eq!(
        a.events.iter().map(|e| e.seq.unwrap()).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(
        a.events[0].data["message"],
        serde_json::to_value(&a.message).unwrap()
    );
    let conv = &a.conversation;
    assert_eq!(
        (conv.status, conv.team_id, conv.last_seq),
        (Status::Queued, Some(fx.team), 4)
    );
    // Activity moves at most once a second: a message within a second of
    // the last activity leaves it (and the list indexes) alone.
    let activity = if m.now.0 - c.last_activity_at.0 < 1000 {
        c.last_activity_at
    } else {
        m.now // (a slow machine took a second between the two)
    };
    assert_eq!(
        (conv.version, conv.last_activity_at, conv.updated_at),
        (c.version + 1, activity, m.now)
    );
    assert_eq!(s.get_conversation(fx.account, c.id).await.unwrap(), *conv);
    assert_eq!(s.get_message(fx.account, m.id).await.unwrap(), a.message);
    // Stream cursors increase within the unit.
    let cursors: Vec<_> = a.events.iter().map(|e| e.cursor.unwrap()).collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]));

    // A message a second or more later moves it.
    let mut later = fx.msg(c.id, Sender::contact(fx.contact), "还在吗？");
    later.now = ts(c.last_activity_at.0 + 1500);
    let moved = s.append_message(&later, &fx.no_bot()).await.unwrap();
    assert_eq!(moved.conversation.last_activity_at, later.now);
    assert_eq!(
        s.get_conversation(fx.account, c.id)
            .await
            .unwrap()
            .last_activity_at,
        later.now
    );

    // An agent's reply claims the queued conversation.
    let r = s
        .append_message(&fx.msg(c.id, Sender::agent(fx.agent), "您好"), &fx.no_bot())
        .await
        .unwrap();
    assert_eq!(
        (r.conversation.status, r.conversation.assignee_id),
        (Status::Assigned, Some(fx.agent))
    );
    assert!(
        r.events
            .iter()
            .any(|e| e.kind == EventType::ConversationAssigned)
    );
    // Invalid content is a validation error and writes nothing.
    let mut bad = fx.msg(c.id, Sender::agent(fx.agent), "   ");
    bad.content = MessageContent::text("   ");
    let err = s.append_message(&bad, &fx.no_bot()).await.unwrap_err();
    assert_eq!(err.code(), "validation_failed");
    assert!(matches!(
        s.get_message(fx.account, bad.id).await,
        Err(StoreError::NotFound("message"))
    ));
    assert_eq!(
        s.get_conversation(fx.account, c.id).await.unwrap(),
        r.conversation
    );
    // Unknown conversation.
    let ghost = fx.msg(ConversationId::new(), Sender::contact(fx.contact), "hi");
    assert!(matches!(
        s.append_message(&ghost, &fx.policy()).await,
        Err(StoreError::NotFound("conversation"))
    ));
}

async fn idempotent_by_client_id(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let mut m = fx.msg(c.id, Sender::contact(fx.contact), "first");
    m.client_id = Some("tab-1:42".into());
    let first = s.append_message(&m, &fx.policy()).await.unwrap();
    let last_seq = first.conversation.last_seq;
    // The retry has a new message id but the same client id.
    let mut retry = fx.msg(c.id, Sender::contact(fx.contact), "first (retry)");
    retry.client_id = m.client_id.clone();
    let again = s.append_message(&retry, &fx.policy()).await.unwrap();
    assert!(again.duplicate);
    assert!(again.events.is_empty());
    assert_eq!(again.message, first.message);
    assert_eq!(again.conversation.last_seq, last_seq, "nothing written");
    assert!(matches!(
        s.get_message(fx.account, retry.id).await,
        Err(StoreError::NotFound(_))
    ));
    // Even after the conversation moved on, the retry gets its original back.
    s.apply(
        fx.account,
        c.id,
        Input::Resolve,
        Sender::system(),
        &fx.policy(),
        None,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let late = s.append_message(&retry, &fx.policy()).await.unwrap();
    assert!(late.duplicate);
    assert_eq!(late.message.id, m.id);
    // The same client id in another conversation is a different message.
    let c2 = fx.conversation(s).await;
    let mut other = fx.msg(c2.id, Sender::contact(fx.contact), "first");
    other.client_id = m.client_id.clone();
    assert!(
        !s.append_message(&other, &fx.policy())
            .await
            .unwrap()
            .duplicate
    );
    // Resending the very same message (same id) is a duplicate too.
    let same = s.append_message(&other, &fx.policy()).await.unwrap();
    assert!(same.duplicate);
    assert_eq!(
        s.list_messages(fx.account, c2.id, 0, 100, true)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn idempotent_by_external_id(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c1 = fx.conversation(s).await;
    let c2 = fx.conversation(s).await;
    let mut m = fx.msg(c1.id, Sender::contact(fx.contact), "email body");
    m.external_id = Some("<abc@mail.example>".into());
    let first = s.append_message(&m, &fx.policy()).await.unwrap();
    // The channel redelivers it, even into another conversation of the inbox.
    let mut redelivered = fx.msg(c2.id, Sender::contact(fx.contact), "email body");
    redelivered.external_id = m.external_id.clone();
    let again = s.append_message(&redelivered, &fx.policy()).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message, first.message);
    assert!(
        s.list_messages(fx.account, c2.id, 0, 100, true)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.get_conversation(fx.account, c2.id)
            .await
            .unwrap()
            .last_seq,
        1
    );
    // Another inbox may reuse the external id.
    let other = inbox(fx.account, "Mail 2", true, None);
    s.create_inbox(&other, "s").await.unwrap();
    let mut n = fx.new_conversation(Timestamp::now());
    n.inbox_id = other.id;
    let c3 = s
        .create_conversation(&n, &fx.policy())
        .await
        .unwrap()
        .conversation;
    let mut elsewhere = fx.msg(c3.id, Sender::contact(fx.contact), "email body");
    elsewhere.external_id = m.external_id.clone();
    assert!(
        !s.append_message(&elsewhere, &fx.policy())
            .await
            .unwrap()
            .duplicate
    );
}

async fn only_the_owner_speaks(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let p = fx.policy();
    let c = fx.conversation(s).await;
    // The bot may speak while it owns the conversation.
    s.append_message(&fx.msg(c.id, Sender::bot(), "Hi! How can I help?"), &p)
        .await
        .unwrap();
    let owned = s
        .apply(
            fx.account,
            c.id,
            Input::Assign { agent: fx.agent },
            Sender::system(),
            &p,
            None,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .conversation;
    let events_before = s
        .conversation_events(fx.account, c.id, 0, 1000)
        .await
        .unwrap();
    let messages_before = s
        .list_messages(fx.account, c.id, 0, 1000, true)
        .await
        .unwrap();

    let bot = fx.msg(c.id, Sender::bot(), "I can still help!");
    let err = s.append_message(&bot, &p).await.unwrap_err();
    assert!(matches!(
        err,
        StoreError::Domain(CoreError::Transition(TransitionError::BotNotOwner))
    ));
    let other = fx.msg(c.id, Sender::agent(fx.agent2), "Let me take this");
    let err = s.append_message(&other, &p).await.unwrap_err();
    assert!(matches!(
        err,
        StoreError::Domain(CoreError::Transition(TransitionError::AssignedToOther))
    ));
    assert_eq!(err.code(), "assigned_to_other_agent");

    // Nothing of either attempt was written.
    assert_eq!(s.get_conversation(fx.account, c.id).await.unwrap(), owned);
    assert_eq!(
        s.conversation_events(fx.account, c.id, 0, 1000)
            .await
            .unwrap(),
        events_before
    );
    assert_eq!(
        s.list_messages(fx.account, c.id, 0, 1000, true)
            .await
            .unwrap(),
        messages_before
    );
    for id in [bot.id, other.id] {
        assert!(matches!(
            s.get_message(fx.account, id).await,
            Err(StoreError::NotFound(_))
        ));
    }
    // Notes are exempt: the other agent may leave one.
    let mut note = fx.msg(c.id, Sender::agent(fx.agent2), "FYI: VIP customer");
    note.visibility = MessageVisibility::Internal;
    let a = s.append_message(&note, &p).await.unwrap();
    assert_eq!(a.conversation.assignee_id, Some(fx.agent));
    // The owner speaks.
    s.append_message(&fx.msg(c.id, Sender::agent(fx.agent), "您好"), &p)
        .await
        .unwrap();
}

async fn listing_and_notes(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await; // seq 2 is the contact's hello
    let mut seqs = vec![];
    for i in 0..10 {
        let mut m = fx.msg(c.id, Sender::agent(fx.agent), &format!("m{i}"));
        if i % 3 == 0 {
            m.visibility = MessageVisibility::Internal;
        }
        seqs.push(
            s.append_message(&m, &fx.no_bot())
                .await
                .unwrap()
                .message
                .seq,
        );
    }
    let all = s
        .list_messages(fx.account, c.id, 0, 100, true)
        .await
        .unwrap();
    assert_eq!(all.len(), 11);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let public = s
        .list_messages(fx.account, c.id, 0, 100, false)
        .await
        .unwrap();
    assert_eq!(public.len(), 11 - 4);
    assert!(
        public
            .iter()
            .all(|m| m.visibility == MessageVisibility::Public)
    );
    let page = s
        .list_messages(fx.account, c.id, seqs[4], 3, true)
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|m| m.seq).collect::<Vec<_>>(),
        seqs[5..8].to_vec()
    );
    let latest = s.latest_messages(fx.account, c.id, 3, true).await.unwrap();
    assert_eq!(
        latest.iter().map(|m| m.seq).collect::<Vec<_>>(),
        seqs[7..].to_vec()
    );
    let latest_public = s.latest_messages(fx.account, c.id, 2, false).await.unwrap();
    assert_eq!(latest_public.len(), 2);
    assert!(latest_public[0].seq < latest_public[1].seq);
    // Limits are bounded, never zero or unbounded.
    assert_eq!(
        s.list_messages(fx.account, c.id, 0, 0, true)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.latest_messages(fx.account, c.id, u32::MAX, true)
            .await
            .unwrap()
            .len(),
        11
    );
}

async fn delivery_and_read_cursors(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let reply = s
        .append_message(&fx.msg(c.id, Sender::agent(fx.agent), "hi"), &fx.no_bot())
        .await
        .unwrap();
    let now = Timestamp::now();
    let e = s
        .set_delivery(fx.account, reply.message.id, DeliveryState::Delivered, now)
        .await
        .unwrap();
    assert_eq!(e.kind, EventType::MessageDeliveryUpdated);
    assert_eq!(e.seq, Some(reply.conversation.last_seq + 1));
    assert_eq!(e.data["delivery"], "delivered");
    assert_eq!(
        s.get_message(fx.account, reply.message.id)
            .await
            .unwrap()
            .delivery,
        DeliveryState::Delivered
    );
    assert!(matches!(
        s.set_delivery(fx.account, MessageId::new(), DeliveryState::Read, now)
            .await,
        Err(StoreError::NotFound("message"))
    ));

    let visitor = Sender::contact(fx.contact);
    let rc = s
        .set_read_cursor(fx.account, c.id, visitor, reply.message.seq, now)
        .await
        .unwrap();
    assert_eq!((rc.participant, rc.seq), (visitor, reply.message.seq));
    let conv = s.get_conversation(fx.account, c.id).await.unwrap();
    let log = s
        .conversation_events(fx.account, c.id, conv.last_seq - 1, 10)
        .await
        .unwrap();
    assert_eq!(log.last().unwrap().kind, EventType::ReadCursorMoved);
    // Backwards is a no-op; beyond the newest message is clamped to it, so
    // reading "up to" a read event writes nothing new.
    let back = s
        .set_read_cursor(fx.account, c.id, visitor, 1, now)
        .await
        .unwrap();
    assert_eq!(back.seq, reply.message.seq);
    let ahead = s
        .set_read_cursor(fx.account, c.id, visitor, conv.last_seq + 50, now)
        .await
        .unwrap();
    assert_eq!(ahead.seq, reply.message.seq);
    assert_eq!(
        s.get_conversation(fx.account, c.id).await.unwrap().last_seq,
        conv.last_seq
    );
    let agent = Sender::agent(fx.agent);
    s.set_read_cursor(fx.account, c.id, agent, 2, now)
        .await
        .unwrap();
    let bot = s
        .set_read_cursor(fx.account, c.id, Sender::bot(), 2, now)
        .await
        .unwrap();
    assert_eq!(bot.participant, Sender::bot());
    let mut cursors = s.read_cursors(fx.account, c.id).await.unwrap();
    cursors.sort_by_key(|r| r.participant.kind.as_str());
    let got: Vec<_> = cursors.iter().map(|r| (r.participant, r.seq)).collect();
    assert_eq!(
        got,
        vec![(agent, 2), (Sender::bot(), 2), (visitor, reply.message.seq)]
    );
}

async fn attachments(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let a = Attachment {
        id: AttachmentId::new(),
        account_id: fx.account,
        conversation_id: None,
        file_name: "截图.png".into(),
        content_type: "image/png".into(),
        size: 1234,
        sha256: "ab".repeat(32),
        storage_key: "blobs/ab/cd".into(),
        thumbnail_key: Some("thumbs/ab".into()),
        width: Some(640),
        height: Some(480),
        created_at: Timestamp::now(),
    };
    s.create_attachment(&a).await.unwrap();
    assert_eq!(s.get_attachment(fx.account, a.id).await.unwrap(), a);
    assert!(matches!(
        s.create_attachment(&a).await,
        Err(StoreError::Conflict(_))
    ));
    // A message with the attachment attaches it to its conversation.
    let mut m = fx.msg(c.id, Sender::contact(fx.contact), "x");
    m.content = MessageContent::Attachment {
        v: 1,
        attachment_id: a.id,
        text: None,
    };
    s.append_message(&m, &fx.policy()).await.unwrap();
    assert_eq!(
        s.get_attachment(fx.account, a.id)
            .await
            .unwrap()
            .conversation_id,
        Some(c.id)
    );
    // ...and cannot then be sent into another conversation.
    let c2 = fx.conversation(s).await;
    let mut m2 = fx.msg(c2.id, Sender::contact(fx.contact), "x");
    m2.content = m.content.clone();
    assert!(matches!(
        s.append_message(&m2, &fx.policy()).await,
        Err(StoreError::NotFound("attachment"))
    ));
    assert_eq!(
        s.get_conversation(fx.account, c2.id)
            .await
            .unwrap()
            .last_seq,
        1
    );

    let b = Attachment {
        id: AttachmentId::new(),
        conversation_id: None,
        ..a.clone()
    };
    s.create_attachment(&b).await.unwrap();
    s.attach_to_conversation(fx.account, b.id, c2.id)
        .await
        .unwrap();
    assert_eq!(
        s.get_attachment(fx.account, b.id)
            .await
            .unwrap()
            .conversation_id,
        Some(c2.id)
    );
    assert!(matches!(
        s.attach_to_conversation(fx.account, b.id, ConversationId::new())
            .await,
        Err(StoreError::NotFound("conversation"))
    ));
    assert!(matches!(
        s.attach_to_conversation(fx.account, AttachmentId::new(), c2.id)
            .await,
        Err(StoreError::NotFound("attachment"))
    ));
    let orphan = Attachment {
        id: AttachmentId::new(),
        conversation_id: Some(ConversationId::new()),
        ..a
    };
    assert!(matches!(
        s.create_attachment(&orphan).await,
        Err(StoreError::NotFound("conversation"))
    ));
}

/// The chat hot path on SQLite — find the visitor's conversation, append,
/// read the stream and the history — reuses its prepared statements: SQLite
/// must never need to re-plan one (a re-plan is a full parse on every call,
/// e.g. for a bare `LIMIT ?`, and cost 13% of the server's CPU once).
#[tokio::test]
async fn sqlite_hot_path_keeps_its_query_plans() {
    use kefu_core::store::{ConversationFilter, PageRequest};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/kefu.db", dir.path().display());
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    let store = kefu_store::SqliteStore::open(&url, &crate::harness::Ctx::options(), notify)
        .await
        .unwrap();
    let s: &dyn kefu_core::store::Store = &store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let filter = ConversationFilter {
        inbox_id: Some(fx.inbox),
        contact_id: Some(fx.contact),
        kind: Some(ConversationKind::Chat),
        ..Default::default()
    };
    let mut cursor = s.stream_head().await.unwrap();
    for i in 0..5u32 {
        let page = PageRequest {
            cursor: None,
            limit: 1 + i,
        };
        let found = s
            .list_conversations(fx.account, &filter, &page)
            .await
            .unwrap();
        assert_eq!(found.items[0].id, c.id);
        s.append_message(
            &fx.msg(c.id, Sender::contact(fx.contact), "在吗"),
            &fx.no_bot(),
        )
        .await
        .unwrap();
        let latest = s
            .append_to_latest(
                fx.inbox,
                fx.contact,
                &fx.msg(c.id, Sender::contact(fx.contact), "还在吗"),
                &fx.no_bot(),
            )
            .await
            .unwrap();
        assert_eq!(latest.unwrap().conversation.id, c.id);
        let events = s.stream_after(cursor, 10 + i).await.unwrap();
        cursor = events.last().unwrap().cursor.unwrap();
        s.account_events_after(fx.account, cursor, 5 + i)
            .await
            .unwrap();
        s.list_messages(fx.account, c.id, 0, 20 + i, true)
            .await
            .unwrap();
    }
    assert_eq!(store.replanned_statements(), 0);
}

async fn append_to_latest_finds_the_contacts_newest_chat(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let mut m = fx.msg(ConversationId::new(), Sender::contact(fx.contact), "hello?");
    m.client_id = Some("k1".into());
    let (inbox, contact, policy) = (fx.inbox, fx.contact, fx.no_bot());
    let latest = |m: NewMessage| async move {
        s.append_to_latest(inbox, contact, &m, &policy)
            .await
            .unwrap()
    };
    assert!(latest(m.clone()).await.is_none(), "no conversation yet");

    let _old = s
        .create_conversation(&fx.new_conversation(ts(fx.now.0 - 60_000)), &fx.policy())
        .await
        .unwrap();
    let newer = fx.conversation(s).await;
    // A ticket of the same contact is not a chat to write to.
    let mut ticket = fx.new_conversation(ts(fx.now.0 + 60_000));
    ticket.kind = ConversationKind::Ticket;
    s.create_conversation(&ticket, &fx.policy()).await.unwrap();

    let a = latest(m.clone()).await.unwrap();
    assert!(!a.duplicate);
    assert_eq!(a.message.conversation_id, newer.id);
    assert_eq!(a.conversation.status, Status::Queued);
    let stored = s.get_message(fx.account, m.id).await.unwrap();
    assert_eq!(stored.conversation_id, newer.id);
    // A retry is the same message, once.
    let mut retry = m.clone();
    retry.id = MessageId::new();
    let again = latest(retry).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.id, m.id);
}
