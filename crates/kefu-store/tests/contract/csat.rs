//! The customer's side of a conversation: a request for a human (hand-off
//! with a note), the queue position, and the satisfaction survey on resolve.

use kefu_core::event::EventType;
use kefu_core::model::*;
use kefu_core::state::{HandoffReason, Input, Status};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    handoff_with_a_note_is_idempotent,
    queue_positions,
    resolving_asks_for_a_rating_once_answered,
);

const NOTE: &str = "The customer asked for a human agent";

fn handoff() -> Input {
    Input::HandOff {
        reason: HandoffReason::Requested,
    }
}

async fn handoff_with_a_note_is_idempotent(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let who = Sender::contact(fx.contact);
    let a = s
        .apply_noted(
            fx.account,
            c.id,
            handoff(),
            who,
            &fx.policy(),
            &MessageContent::system_coded("handoff_requested", NOTE),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(a.conversation.status, Status::Queued);
    assert_eq!(a.conversation.team_id, Some(fx.team));
    let kinds: Vec<EventType> = a.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventType::ConversationStatusChanged,
            EventType::BotHandedOff,
            EventType::MessageCreated
        ]
    );
    assert_eq!(a.events[1].data["reason"], "requested");
    assert_eq!(a.conversation.last_seq, 4);
    let msgs = s
        .list_messages(fx.account, c.id, 0, 10, false)
        .await
        .unwrap();
    let [note] = msgs.as_slice() else {
        panic!("one message: {msgs:?}")
    };
    assert_eq!(note.sender, Sender::system());
    assert_eq!(
        note.content,
        MessageContent::system_coded("handoff_requested", NOTE),
        "the code survives storage"
    );
    assert_eq!(note.seq, 4, "the message's seq is its event's");
    // Asking again changes and writes nothing.
    let again = s
        .apply_noted(
            fx.account,
            c.id,
            handoff(),
            who,
            &fx.policy(),
            &MessageContent::system_coded("handoff_requested", NOTE),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.conversation.last_seq, 4);
    assert_eq!(
        s.list_messages(fx.account, c.id, 0, 10, false)
            .await
            .unwrap()
            .len(),
        1
    );
    // A resolved conversation cannot be handed off; nothing is half-written.
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
    let before = s.get_conversation(fx.account, c.id).await.unwrap();
    assert!(matches!(
        s.apply_noted(
            fx.account,
            c.id,
            handoff(),
            who,
            &fx.policy(),
            &MessageContent::system_coded("handoff_requested", NOTE),
            None,
            Timestamp::now()
        )
        .await,
        Err(StoreError::Domain(_))
    ));
    assert_eq!(s.get_conversation(fx.account, c.id).await.unwrap(), before);
    // Other accounts' conversations do not exist here.
    let other = Fx::new(s).await;
    assert!(matches!(
        s.apply_noted(
            other.account,
            c.id,
            handoff(),
            who,
            &fx.policy(),
            &MessageContent::system_coded("handoff_requested", NOTE),
            None,
            Timestamp::now()
        )
        .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn queue_positions(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let bot = fx.conversation(s).await;
    assert_eq!(s.queue_position(fx.account, bot.id).await.unwrap(), None);
    let a = fx.queued(s).await;
    let b = fx.queued(s).await;
    let c = fx.queued(s).await;
    let pos = |id| async move { s.queue_position(fx.account, id).await.unwrap() };
    assert_eq!(
        (pos(a.id).await, pos(b.id).await, pos(c.id).await),
        (Some(1), Some(2), Some(3))
    );
    let patch = kefu_core::store::ConversationPatch {
        priority: Some(Priority::High),
        ..Default::default()
    };
    s.patch_conversation(fx.account, c.id, &patch, Sender::system(), Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        (pos(a.id).await, pos(b.id).await, pos(c.id).await),
        (Some(2), Some(3), Some(1))
    );
    s.apply(
        fx.account,
        a.id,
        Input::Assign { agent: fx.agent },
        Sender::system(),
        &fx.policy(),
        None,
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (pos(a.id).await, pos(b.id).await, pos(c.id).await),
        (None, Some(2), Some(1))
    );
    // A queue is a team: an inbox without a team is its own line, and a
    // conversation transferred to the team joins behind those waiting
    // there, whatever its age.
    let other = inbox(fx.account, "Other", false, None);
    s.create_inbox(&other, "secret").await.unwrap();
    let teamless = kefu_core::state::Policy {
        bot_enabled: false,
        default_team: None,
        bot_while_queued: false,
    };
    let mut n = fx.new_conversation(Timestamp::from_millis(1));
    n.inbox_id = other.id;
    let o = s
        .create_conversation(&n, &teamless)
        .await
        .unwrap()
        .conversation;
    s.append_message(&fx.msg(o.id, Sender::contact(fx.contact), "hi"), &teamless)
        .await
        .unwrap();
    assert_eq!(pos(o.id).await, Some(1));
    let team = fx.team;
    s.apply(
        fx.account,
        o.id,
        Input::Transfer {
            to: kefu_core::state::TransferTarget::Team(team),
        },
        Sender::system(),
        &teamless,
        None,
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (pos(b.id).await, pos(c.id).await, pos(o.id).await),
        (Some(2), Some(1), Some(3))
    );
    assert!(matches!(
        s.queue_position(fx.account, ConversationId::new()).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn resolving_asks_for_a_rating_once_answered(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.queued(s).await;
    let r = s
        .apply(
            fx.account,
            c.id,
            Input::Resolve,
            Sender::agent(fx.agent),
            &fx.policy(),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let kinds: Vec<EventType> = r.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventType::ConversationStatusChanged,
            EventType::ConversationResolved,
            EventType::MessageCreated
        ]
    );
    let msgs = s
        .latest_messages(fx.account, c.id, 10, false)
        .await
        .unwrap();
    let request = msgs.last().unwrap().clone();
    assert!(
        matches!(&request.content, MessageContent::CsatRequest { scale, .. } if scale == "stars_5"),
        "{request:?}"
    );
    let answer = |rating: i16, contact: ContactId, request: MessageId| CsatResponse {
        id: CsatId::new(),
        account_id: fx.account,
        conversation_id: c.id,
        contact_id: contact,
        request_message_id: request,
        rating,
        comment: Some("  thanks  ".into()),
        created_at: Timestamp::now(),
    };
    // Out of range, someone else's conversation, not a request: refused.
    assert!(matches!(
        s.rate_conversation(&answer(6, fx.contact, request.id))
            .await,
        Err(StoreError::Domain(_))
    ));
    let stranger = contact(fx.account, "Stranger", Timestamp::now());
    s.create_contact(&stranger, &[]).await.unwrap();
    assert!(matches!(
        s.rate_conversation(&answer(5, stranger.id, request.id))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.rate_conversation(&answer(5, fx.contact, msgs[0].id))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let (stored, event) = s
        .rate_conversation(&answer(4, fx.contact, request.id))
        .await
        .unwrap();
    assert_eq!(stored.comment.as_deref(), Some("thanks"));
    assert_eq!(event.kind, EventType::ConversationRated);
    assert_eq!(event.data["rating"]["rating"], 4);
    assert_eq!(event.seq, Some(request.seq + 1));
    // One answer per request.
    assert!(matches!(
        s.rate_conversation(&answer(1, fx.contact, request.id))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.conversation_ratings(fx.account, c.id).await.unwrap(),
        vec![stored]
    );
    // Only the store writes this event.
    let fake = kefu_core::event::NewEvent::new(
        EventType::ConversationRated,
        Sender::contact(fx.contact),
        serde_json::json!({}),
    );
    assert!(
        s.record_event(fx.account, c.id, &fake, Timestamp::now())
            .await
            .is_err()
    );
    // An inbox without the survey resolves silently.
    let mut ib = s.get_inbox(fx.account, fx.inbox).await.unwrap();
    ib.settings = serde_json::json!({"csat_enabled": false});
    s.update_inbox(&ib).await.unwrap();
    let q = fx.queued(s).await;
    let r = s
        .apply(
            fx.account,
            q.id,
            Input::Resolve,
            Sender::agent(fx.agent),
            &fx.policy(),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(r.events.iter().all(|e| e.kind != EventType::MessageCreated));
}
