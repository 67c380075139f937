//! Tickets: converting a chat in place, ticket statuses through the state
//! machine in one unit, custom fields checked against the account's
//! definitions, closing for good, and links between conversations.

use std::collections::BTreeMap;

use kefu_core::event::EventType;
use kefu_core::model::*;
use kefu_core::state::Status;
use kefu_core::store::{ConversationFilter, ConversationPatch, PageRequest};
use kefu_core::*;
use serde_json::{Value, json};

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    a_chat_becomes_a_ticket_in_place,
    ticket_status_moves_through_the_state_machine,
    custom_fields_follow_the_accounts_definitions,
    a_closed_ticket_takes_nothing_more,
    links_join_two_conversations_once,
    a_follow_up_is_linked_when_created,
);

fn fields() -> Vec<TicketField> {
    serde_json::from_value(json!([
        {"key": "order_no", "label": "Order", "type": "text", "required": true},
        {"key": "reason", "label": "Reason", "type": "select", "options": ["damaged", "late"]},
    ]))
    .unwrap()
}

fn change(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

async fn a_chat_becomes_a_ticket_in_place(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let chat = fx.queued(s).await;
    assert_eq!(chat.ticket_status, None);
    let actor = Sender::agent(fx.agent);
    let t = s
        .convert_to_ticket(
            fx.account,
            chat.id,
            Some(TicketType::Incident),
            "agent",
            actor,
            fx.now,
        )
        .await
        .unwrap();
    let conv = &t.conversation;
    assert_eq!(conv.id, chat.id);
    assert_eq!(conv.kind, ConversationKind::Ticket);
    assert_eq!(conv.ticket_type, Some(TicketType::Incident));
    assert_eq!(conv.ticket_status, Some(TicketStatus::Open));
    assert_eq!(conv.status, Status::Queued, "the state and the queue stay");
    assert!(conv.converted_at.is_some());
    assert_eq!(conv.version, chat.version + 1);
    assert_eq!(t.events.len(), 1);
    assert_eq!(t.events[0].kind, EventType::ConversationConverted);
    assert_eq!(t.events[0].data["reason"], "agent");
    // What is read back is what was returned, derived status included.
    assert_eq!(
        &s.get_conversation(fx.account, chat.id).await.unwrap(),
        conv
    );
    // Twice is a conflict, and the history is all still there.
    let again = s
        .convert_to_ticket(fx.account, chat.id, None, "agent", actor, fx.now)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let msgs = s
        .list_messages(fx.account, chat.id, 0, 50, true)
        .await
        .unwrap();
    assert_eq!(msgs.len(), 1);
    // The customer's next message still lands in it: it is theirs.
    let latest = s
        .append_to_latest(
            fx.inbox,
            fx.contact,
            &fx.msg(
                ConversationId::new(),
                Sender::contact(fx.contact),
                "any news?",
            ),
            &fx.no_bot(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.conversation.id, chat.id);
    // Another account cannot convert it.
    let other = Fx::new(s).await;
    let foreign = s
        .convert_to_ticket(other.account, chat.id, None, "agent", actor, fx.now)
        .await;
    assert!(
        matches!(foreign, Err(StoreError::NotFound(_))),
        "{foreign:?}"
    );
}

async fn ticket_status_moves_through_the_state_machine(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let chat = fx.queued(s).await;
    let actor = Sender::agent(fx.agent);
    let policy = fx.no_bot();
    s.convert_to_ticket(fx.account, chat.id, None, "agent", actor, fx.now)
        .await
        .unwrap();
    let set = |target| s.set_ticket_status(fx.account, chat.id, target, actor, &policy, fx.now);

    let pending = set(TicketStatus::Pending).await.unwrap();
    assert_eq!(pending.conversation.status, Status::Snoozed);
    assert_eq!(
        pending.conversation.snoozed_until, None,
        "waits for the customer"
    );
    assert_eq!(
        pending.conversation.ticket_status,
        Some(TicketStatus::Pending)
    );
    let solved = set(TicketStatus::Solved).await.unwrap();
    assert_eq!(solved.conversation.status, Status::Resolved);
    assert!(
        solved
            .events
            .iter()
            .any(|e| e.kind == EventType::ConversationResolved)
    );
    // Solved again changes nothing and records nothing.
    let same = set(TicketStatus::Solved).await.unwrap();
    assert!(same.events.is_empty());
    assert_eq!(same.conversation.version, solved.conversation.version);
    // Resolved → pending is two steps (reopen, wait) in one unit.
    let pending = set(TicketStatus::Pending).await.unwrap();
    let kinds: Vec<_> = pending.events.iter().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&EventType::ConversationReopened),
        "{kinds:?}"
    );
    assert!(kinds.contains(&EventType::ConversationSnoozed), "{kinds:?}");
    assert_eq!(pending.conversation.status, Status::Snoozed);
    let open = set(TicketStatus::Open).await.unwrap();
    assert_eq!(open.conversation.ticket_status, Some(TicketStatus::Open));
    assert_eq!(open.conversation.status, Status::Queued);

    // A chat has no ticket status.
    let chat2 = fx.queued(s).await;
    let refused = s
        .set_ticket_status(
            fx.account,
            chat2.id,
            TicketStatus::Solved,
            actor,
            &policy,
            fx.now,
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Domain(_))), "{refused:?}");
    let unchanged = s.get_conversation(fx.account, chat2.id).await.unwrap();
    assert_eq!(unchanged.status, Status::Queued);
}

async fn custom_fields_follow_the_accounts_definitions(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    assert!(s.ticket_fields(fx.account).await.unwrap().is_empty());
    s.replace_ticket_fields(fx.account, &fields(), fx.now)
        .await
        .unwrap();
    assert_eq!(s.ticket_fields(fx.account).await.unwrap(), fields());
    // Invalid definitions are refused and the old ones stay.
    let mut twice = fields();
    twice.push(fields()[0].clone());
    assert!(
        s.replace_ticket_fields(fx.account, &twice, fx.now)
            .await
            .is_err()
    );
    assert_eq!(s.ticket_fields(fx.account).await.unwrap(), fields());
    // Another account has its own (none).
    let other = Fx::new(s).await;
    assert!(s.ticket_fields(other.account).await.unwrap().is_empty());

    let mut new = fx.new_conversation(fx.now);
    new.kind = ConversationKind::Ticket;
    new.ticket_type = Some(TicketType::Question);
    new.custom_fields = change(&[("reason", json!("late"))]);
    let t = s
        .create_conversation(&new, &fx.no_bot())
        .await
        .unwrap()
        .conversation;
    assert_eq!(t.custom_fields, new.custom_fields);
    assert_eq!(t.ticket_status, Some(TicketStatus::Open));
    let mut bad = fx.new_conversation(fx.now);
    bad.custom_fields = change(&[("reason", json!("lost"))]);
    let refused = s.create_conversation(&bad, &fx.no_bot()).await;
    assert!(matches!(refused, Err(StoreError::Domain(_))), "{refused:?}");
    assert!(matches!(
        s.get_conversation(fx.account, bad.id).await,
        Err(StoreError::NotFound(_))
    ));

    let patch = |c: BTreeMap<String, Value>| ConversationPatch {
        custom_fields: Some(c),
        ..Default::default()
    };
    let actor = Sender::agent(fx.agent);
    let unknown = s
        .patch_conversation(
            fx.account,
            t.id,
            &patch(change(&[("colour", json!("red"))])),
            actor,
            fx.now,
        )
        .await;
    assert!(matches!(unknown, Err(StoreError::Domain(_))), "{unknown:?}");
    // Solving needs the required order number.
    let policy = fx.no_bot();
    let missing = s
        .set_ticket_status(
            fx.account,
            t.id,
            TicketStatus::Solved,
            actor,
            &policy,
            fx.now,
        )
        .await;
    match missing {
        Err(StoreError::RequiredFieldsMissing(keys)) => assert_eq!(keys, vec!["order_no"]),
        other => panic!("expected missing fields, got {other:?}"),
    }
    let filled = s
        .patch_conversation(
            fx.account,
            t.id,
            &patch(change(&[("order_no", json!("A-1"))])),
            actor,
            fx.now,
        )
        .await
        .unwrap();
    assert_eq!(
        filled.conversation.custom_fields,
        change(&[("order_no", json!("A-1")), ("reason", json!("late"))])
    );
    assert_eq!(filled.events[0].kind, EventType::ConversationUpdated);
    let cleared = s
        .patch_conversation(
            fx.account,
            t.id,
            &patch(change(&[("reason", Value::Null)])),
            actor,
            fx.now,
        )
        .await
        .unwrap();
    assert_eq!(
        cleared.conversation.custom_fields,
        change(&[("order_no", json!("A-1"))])
    );
    let solved = s
        .set_ticket_status(
            fx.account,
            t.id,
            TicketStatus::Solved,
            actor,
            &policy,
            fx.now,
        )
        .await
        .unwrap();
    assert_eq!(
        solved.conversation.ticket_status,
        Some(TicketStatus::Solved)
    );
    // Listing by ticket status.
    let list = |st| {
        let f = ConversationFilter {
            ticket_status: Some(st),
            ..Default::default()
        };
        async move {
            let page = PageRequest {
                cursor: None,
                limit: 50,
            };
            s.list_conversations(fx.account, &f, &page)
                .await
                .unwrap()
                .items
        }
    };
    let solved_ids: Vec<_> = list(TicketStatus::Solved)
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(solved_ids, vec![t.id]);
    assert!(list(TicketStatus::Open).await.is_empty());
}

async fn a_closed_ticket_takes_nothing_more(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let chat = fx.queued(s).await;
    let actor = Sender::agent(fx.agent);
    let policy = fx.no_bot();
    s.convert_to_ticket(fx.account, chat.id, None, "agent", actor, fx.now)
        .await
        .unwrap();
    // Closing an open ticket resolves and closes it in one unit.
    let closed = s
        .set_ticket_status(
            fx.account,
            chat.id,
            TicketStatus::Closed,
            actor,
            &policy,
            fx.now,
        )
        .await
        .unwrap();
    let conv = &closed.conversation;
    assert_eq!(conv.status, Status::Resolved);
    assert!(conv.closed_at.is_some());
    assert_eq!(conv.ticket_status, Some(TicketStatus::Closed));
    let kinds: Vec<_> = closed.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds.last(),
        Some(&EventType::ConversationClosed),
        "{kinds:?}"
    );
    assert!(kinds.contains(&EventType::ConversationResolved));

    let before = s.get_conversation(fx.account, chat.id).await.unwrap();
    let reopen = s
        .set_ticket_status(
            fx.account,
            chat.id,
            TicketStatus::Open,
            actor,
            &policy,
            fx.now,
        )
        .await;
    assert!(matches!(reopen, Err(StoreError::Closed)), "{reopen:?}");
    let apply = s
        .apply(
            fx.account,
            chat.id,
            kefu_core::state::Input::Reopen,
            actor,
            &policy,
            None,
            fx.now,
        )
        .await;
    assert!(matches!(apply, Err(StoreError::Closed)), "{apply:?}");
    let reply = s
        .append_message(&fx.msg(chat.id, actor, "one more thing"), &policy)
        .await;
    assert!(matches!(reply, Err(StoreError::Closed)), "{reply:?}");
    let patch = ConversationPatch {
        priority: Some(Priority::Urgent),
        ..Default::default()
    };
    let patched = s
        .patch_conversation(fx.account, chat.id, &patch, actor, fx.now)
        .await;
    assert!(matches!(patched, Err(StoreError::Closed)), "{patched:?}");
    assert_eq!(
        s.get_conversation(fx.account, chat.id).await.unwrap(),
        before
    );
    // The customer writing in does not land in it: a new chat is theirs.
    let latest = s
        .append_to_latest(
            fx.inbox,
            fx.contact,
            &fx.msg(
                ConversationId::new(),
                Sender::contact(fx.contact),
                "hello again",
            ),
            &policy,
        )
        .await
        .unwrap();
    assert!(latest.is_none(), "a closed ticket is not written into");
}

async fn links_join_two_conversations_once(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let a = fx.queued(s).await;
    let b = fx.queued(s).await;
    let actor = Sender::agent(fx.agent);
    let link = ConversationLink {
        from: a.id,
        to: b.id,
        kind: LinkKind::Duplicate,
        created_at: fx.now,
    };
    let events = s
        .link_conversations(fx.account, &link, actor)
        .await
        .unwrap();
    let on: Vec<_> = events.iter().map(|e| (e.kind, e.conversation_id)).collect();
    assert_eq!(
        on,
        vec![
            (EventType::ConversationLinked, Some(a.id)),
            (EventType::ConversationLinked, Some(b.id))
        ]
    );
    assert_eq!(
        s.conversation_links(fx.account, a.id).await.unwrap(),
        vec![link.clone()]
    );
    assert_eq!(
        s.conversation_links(fx.account, b.id).await.unwrap(),
        vec![link.clone()]
    );
    // The same pair either way round is one link.
    let reverse = ConversationLink {
        from: b.id,
        to: a.id,
        kind: LinkKind::Related,
        created_at: fx.now,
    };
    let twice = s.link_conversations(fx.account, &reverse, actor).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    // Not to itself, not across accounts.
    let mut to_self = link.clone();
    to_self.to = a.id;
    assert!(
        s.link_conversations(fx.account, &to_self, actor)
            .await
            .is_err()
    );
    let other = Fx::new(s).await;
    let theirs = other.conversation(s).await;
    let mut across = link.clone();
    across.to = theirs.id;
    let refused = s.link_conversations(fx.account, &across, actor).await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    assert!(
        s.conversation_links(other.account, theirs.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Unlinking from either end.
    s.unlink_conversations(fx.account, b.id, a.id, actor, fx.now)
        .await
        .unwrap();
    assert!(
        s.conversation_links(fx.account, a.id)
            .await
            .unwrap()
            .is_empty()
    );
    let gone = s
        .unlink_conversations(fx.account, a.id, b.id, actor, fx.now)
        .await;
    assert!(matches!(gone, Err(StoreError::NotFound(_))), "{gone:?}");
}

async fn a_follow_up_is_linked_when_created(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let original = fx.queued(s).await;
    let mut new = fx.new_conversation(fx.now);
    new.kind = ConversationKind::Ticket;
    new.follow_up_of = Some(original.id);
    new.actor = Sender::agent(fx.agent);
    let created = s.create_conversation(&new, &fx.no_bot()).await.unwrap();
    let kinds: Vec<_> = created.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventType::ConversationCreated,
            EventType::ConversationLinked,
            EventType::ConversationLinked
        ]
    );
    // The returned conversation is the stored one (its sequence moved).
    assert_eq!(
        created.conversation,
        s.get_conversation(fx.account, new.id).await.unwrap()
    );
    let links = s.conversation_links(fx.account, original.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].from, links[0].to, links[0].kind),
        (new.id, original.id, LinkKind::FollowUp)
    );
    // A follow-up of a conversation that does not exist creates nothing.
    let mut orphan = fx.new_conversation(fx.now);
    orphan.follow_up_of = Some(ConversationId::new());
    let refused = s.create_conversation(&orphan, &fx.no_bot()).await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    assert!(matches!(
        s.get_conversation(fx.account, orphan.id).await,
        Err(StoreError::NotFound(_))
    ));
}
