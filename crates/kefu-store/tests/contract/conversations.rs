//! Conversations: creation, the state machine inside the unit of work,
//! versions, patches, extra events, listing, and tenant scoping.

use std::collections::HashSet;

use kefu_core::event::{EventType, NewEvent};
use kefu_core::model::*;
use kefu_core::state::{HandoffReason, Input, Status, TransferTarget, TransitionError};
use kefu_core::store::{ConversationFilter, ConversationPatch, PageRequest};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    create_and_read,
    lifecycle_through_apply,
    versions_and_patches,
    recorded_events,
    list_filters_and_pages,
    tenant_scoping,
);

async fn create_and_read(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let new = fx.new_conversation(fx.now);
    let applied = s.create_conversation(&new, &fx.policy()).await.unwrap();
    let c = &applied.conversation;
    assert_eq!(
        (c.status, c.assignee_id, c.last_seq, c.version),
        (Status::Bot, None, 1, 1)
    );
    assert_eq!(c.labels, vec!["vip".to_string()]);
    assert_eq!(s.get_conversation(fx.account, c.id).await.unwrap(), *c);
    let [e] = applied.events.as_slice() else {
        panic!("one event")
    };
    assert_eq!(e.kind, EventType::ConversationCreated);
    assert_eq!(
        (e.seq, e.conversation_id, e.inbox_id),
        (Some(1), Some(c.id), Some(fx.inbox))
    );
    assert_eq!(e.actor, Sender::contact(fx.contact));
    assert_eq!(e.data["conversation"]["id"], serde_json::json!(c.id));
    assert!(e.cursor.is_some());
    let stored = s
        .conversation_events(fx.account, c.id, 0, 10)
        .await
        .unwrap();
    assert_eq!(stored, applied.events);
    // The same id twice is a conflict; unknown inbox or contact is NotFound.
    assert!(matches!(
        s.create_conversation(&new, &fx.policy()).await,
        Err(StoreError::Conflict(_))
    ));
    let mut bad = fx.new_conversation(fx.now);
    bad.inbox_id = InboxId::new();
    assert!(matches!(
        s.create_conversation(&bad, &fx.policy()).await,
        Err(StoreError::NotFound("inbox"))
    ));
    let mut bad = fx.new_conversation(fx.now);
    bad.contact_id = ContactId::new();
    assert!(matches!(
        s.create_conversation(&bad, &fx.policy()).await,
        Err(StoreError::NotFound("contact"))
    ));
    assert!(matches!(
        s.get_conversation(fx.account, ConversationId::new()).await,
        Err(StoreError::NotFound("conversation"))
    ));
}

async fn lifecycle_through_apply(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let p = fx.policy();
    let c = fx.conversation(s).await;
    let sys = Sender::system();
    let now = Timestamp::now();
    let handoff = Input::HandOff {
        reason: HandoffReason::LowConfidence,
    };
    let a = s
        .apply(fx.account, c.id, handoff, Sender::bot(), &p, None, now)
        .await
        .unwrap();
    assert_eq!(a.conversation.status, Status::Queued);
    assert_eq!(
        a.conversation.team_id,
        Some(fx.team),
        "queued to the inbox's team"
    );
    let kinds: Vec<_> = a.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventType::ConversationStatusChanged,
            EventType::BotHandedOff
        ]
    );
    assert_eq!(
        a.events.iter().map(|e| e.seq.unwrap()).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(a.conversation.last_seq, 3);

    // Handing off again changes nothing and writes nothing.
    let again = s
        .apply(fx.account, c.id, handoff, Sender::bot(), &p, None, now)
        .await
        .unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.conversation, a.conversation);

    let assign = Input::Assign { agent: fx.agent };
    let a = s
        .apply(fx.account, c.id, assign, sys, &p, None, now)
        .await
        .unwrap();
    assert_eq!(
        (a.conversation.status, a.conversation.assignee_id),
        (Status::Assigned, Some(fx.agent))
    );
    let until = now.plus_millis(60_000);
    let a = s
        .apply(
            fx.account,
            c.id,
            Input::Snooze { until: Some(until) },
            sys,
            &p,
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        (a.conversation.status, a.conversation.snoozed_until),
        (Status::Snoozed, Some(until))
    );
    let a = s
        .apply(fx.account, c.id, Input::Unsnooze, sys, &p, None, now)
        .await
        .unwrap();
    assert_eq!(
        (a.conversation.status, a.conversation.snoozed_until),
        (Status::Assigned, None)
    );
    let to_team = Input::Transfer {
        to: TransferTarget::Team(fx.team),
    };
    let a = s
        .apply(fx.account, c.id, to_team, sys, &p, None, now)
        .await
        .unwrap();
    assert_eq!(
        (a.conversation.status, a.conversation.assignee_id),
        (Status::Queued, None)
    );
    let a = s
        .apply(fx.account, c.id, Input::Resolve, sys, &p, None, now)
        .await
        .unwrap();
    assert_eq!(a.conversation.status, Status::Resolved);
    // Resolving twice is the state machine's error, and writes nothing.
    let before = s.get_conversation(fx.account, c.id).await.unwrap();
    let err = s
        .apply(fx.account, c.id, Input::Resolve, sys, &p, None, now)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Domain(CoreError::Transition(TransitionError::Resolved))
    ));
    assert_eq!(err.code(), "conversation_resolved");
    assert_eq!(s.get_conversation(fx.account, c.id).await.unwrap(), before);
    let a = s
        .apply(fx.account, c.id, Input::Reopen, sys, &p, None, now)
        .await
        .unwrap();
    assert_eq!(a.conversation.status, Status::Queued);
    assert!(
        a.events
            .iter()
            .any(|e| e.kind == EventType::ConversationReopened)
    );

    // The log is gap-free and matches last_seq.
    let log = s
        .conversation_events(fx.account, c.id, 0, 1000)
        .await
        .unwrap();
    let seqs: Vec<i64> = log.iter().map(|e| e.seq.unwrap()).collect();
    assert_eq!(seqs, (1..=a.conversation.last_seq).collect::<Vec<_>>());
    // Paging the log by seq.
    let tail = s.conversation_events(fx.account, c.id, 3, 2).await.unwrap();
    assert_eq!(
        tail.iter().map(|e| e.seq.unwrap()).collect::<Vec<_>>(),
        vec![4, 5]
    );
}

async fn versions_and_patches(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let p = fx.policy();
    let c = fx.conversation(s).await;
    let now = Timestamp::now();
    let assign = Input::Assign { agent: fx.agent };
    let stale = s
        .apply(
            fx.account,
            c.id,
            assign,
            Sender::system(),
            &p,
            Some(c.version + 7),
            now,
        )
        .await;
    assert!(matches!(
        stale,
        Err(StoreError::VersionConflict("conversation"))
    ));
    let a = s
        .apply(
            fx.account,
            c.id,
            assign,
            Sender::system(),
            &p,
            Some(c.version),
            now,
        )
        .await
        .unwrap();
    assert_eq!(a.conversation.version, c.version + 1);
    // The version the first writer saw is stale now.
    let assign2 = Input::Assign { agent: fx.agent2 };
    let lost = s
        .apply(
            fx.account,
            c.id,
            assign2,
            Sender::system(),
            &p,
            Some(c.version),
            now,
        )
        .await;
    assert!(matches!(lost, Err(StoreError::VersionConflict(_))));

    let patch = ConversationPatch {
        labels: Some(vec!["vip".into(), "退款".into()]),
        priority: Some(Priority::Urgent),
        subject: Some(None),
        ..Default::default()
    };
    let actor = Sender::agent(fx.agent);
    let later = now.plus_millis(5);
    let a2 = s
        .patch_conversation(fx.account, c.id, &patch, actor, later)
        .await
        .unwrap();
    let conv = &a2.conversation;
    assert_eq!(conv.labels, vec!["vip".to_string(), "退款".to_string()]);
    assert_eq!(
        (conv.priority, conv.subject.clone()),
        (Priority::Urgent, None)
    );
    assert_eq!(
        (conv.version, conv.updated_at),
        (a.conversation.version + 1, later)
    );
    let [e] = a2.events.as_slice() else {
        panic!("one event")
    };
    assert_eq!(e.kind, EventType::ConversationUpdated);
    assert_eq!(e.data["changes"]["priority"], "urgent");
    assert_eq!(s.get_conversation(fx.account, c.id).await.unwrap(), *conv);
    // The same patch again changes nothing.
    let a3 = s
        .patch_conversation(fx.account, c.id, &patch, actor, later)
        .await
        .unwrap();
    assert!(a3.events.is_empty());
    assert_eq!(a3.conversation.version, conv.version);
}

async fn recorded_events(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let c = fx.conversation(s).await;
    let now = Timestamp::now();
    let csat = NewEvent::new(
        EventType::SlaBreached,
        Sender::system(),
        serde_json::json!({"metric": "first_response"}),
    );
    let e = s.record_event(fx.account, c.id, &csat, now).await.unwrap();
    assert_eq!(
        (e.kind, e.seq, e.inbox_id),
        (EventType::SlaBreached, Some(2), Some(fx.inbox))
    );
    assert_eq!(
        s.get_conversation(fx.account, c.id).await.unwrap().last_seq,
        2
    );
    // State-change events, and those the store writes with their rows
    // (scores, links, a closed ticket), come only from the units of work
    // that make them.
    for kind in [
        EventType::ConversationResolved,
        EventType::QaScored,
        EventType::QaAlert,
        EventType::ConversationLinked,
        EventType::ConversationClosed,
    ] {
        let fake = NewEvent::new(kind, Sender::system(), serde_json::json!({}));
        assert!(matches!(
            s.record_event(fx.account, c.id, &fake, now).await,
            Err(StoreError::Domain(_))
        ));
    }
    assert!(matches!(
        s.record_event(fx.account, ConversationId::new(), &csat, now)
            .await,
        Err(StoreError::NotFound("conversation"))
    ));
    assert_eq!(
        s.conversation_events(fx.account, c.id, 0, 10)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn list_filters_and_pages(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let other_inbox = inbox(fx.account, "Other", false, None);
    s.create_inbox(&other_inbox, "s").await.unwrap();
    let base = Timestamp::now();
    let mut all = vec![];
    for i in 0..26i64 {
        let mut n = fx.new_conversation(base.plus_millis(i / 3)); // ties in threes
        if i % 2 == 1 {
            n.inbox_id = other_inbox.id;
            n.labels = vec!["vip_x".into()];
            n.kind = ConversationKind::Ticket;
        }
        all.push(
            s.create_conversation(&n, &fx.policy())
                .await
                .unwrap()
                .conversation,
        );
    }
    // Assign two, so filters have something to tell apart.
    let sys = Sender::system();
    for c in &all[..2] {
        s.apply(
            fx.account,
            c.id,
            Input::Assign { agent: fx.agent },
            sys,
            &fx.policy(),
            None,
            base,
        )
        .await
        .unwrap();
    }

    let walk = |filter: ConversationFilter, size: u32| async move {
        let mut out = vec![];
        let mut req = PageRequest {
            cursor: None,
            limit: size,
        };
        loop {
            let page = s
                .list_conversations(fx.account, &filter, &req)
                .await
                .unwrap();
            assert!(page.items.len() <= size as usize);
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => req.cursor = Some(c),
                None => break out,
            }
        }
    };
    let everything = walk(ConversationFilter::default(), 4).await;
    assert_eq!(everything.len(), 26);
    assert_eq!(
        everything
            .iter()
            .map(|c| c.id)
            .collect::<HashSet<_>>()
            .len(),
        26
    );
    let keys: Vec<_> = everything
        .iter()
        .map(|c| (c.last_activity_at, c.id))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted);
    // One big page.
    assert_eq!(walk(ConversationFilter::default(), 200).await.len(), 26);

    let f = |g: fn(&mut ConversationFilter)| {
        let mut f = ConversationFilter::default();
        g(&mut f);
        f
    };
    let n = |v: Vec<Conversation>| v.len();
    assert_eq!(
        n(walk(f(|f| f.status = Some(Status::Assigned)), 3).await),
        2
    );
    assert_eq!(n(walk(f(|f| f.status = Some(Status::Bot)), 3).await), 24);
    assert_eq!(n(walk(f(|f| f.unassigned = true), 5).await), 24);
    assert_eq!(
        n(walk(f(|f| f.kind = Some(ConversationKind::Ticket)), 5).await),
        13
    );
    assert_eq!(
        n(walk(f(|f| f.label = Some("vip".into())), 5).await),
        13,
        "exact label, not prefix"
    );
    assert_eq!(n(walk(f(|f| f.label = Some("vip_x".into())), 5).await), 13);
    assert_eq!(
        n(walk(f(|f| f.label = Some("vi_".into())), 5).await),
        0,
        "no wildcards"
    );
    let d = ConversationFilter::default;
    let by_agent = ConversationFilter {
        assignee_id: Some(fx.agent),
        ..d()
    };
    assert_eq!(n(walk(by_agent, 5).await), 2);
    let by_inbox = ConversationFilter {
        inbox_id: Some(other_inbox.id),
        ..d()
    };
    assert_eq!(n(walk(by_inbox, 5).await), 13);
    let by_contact = ConversationFilter {
        contact_id: Some(fx.contact),
        ..d()
    };
    assert_eq!(n(walk(by_contact, 50).await), 26);
    let visible = ConversationFilter {
        visible_inboxes: Some(vec![fx.inbox]),
        ..d()
    };
    assert_eq!(n(walk(visible, 5).await), 13);
    let none = ConversationFilter {
        visible_inboxes: Some(vec![]),
        ..d()
    };
    assert_eq!(n(walk(none, 5).await), 0);
    let recent = ConversationFilter {
        updated_since: Some(base.plus_millis(7)),
        ..d()
    };
    assert_eq!(n(walk(recent, 5).await), 26 - 21);
    let team = ConversationFilter {
        team_id: Some(fx.team),
        ..d()
    };
    assert_eq!(
        n(walk(team, 5).await),
        0,
        "nobody is queued to the team yet"
    );
}

async fn tenant_scoping(cx: Ctx) {
    let s = &*cx.store;
    let a = Fx::new(s).await;
    let b = Fx::new(s).await;
    let conv = a.conversation(s).await;
    let msg = s
        .append_message(
            &a.msg(conv.id, Sender::contact(a.contact), "hi"),
            &a.policy(),
        )
        .await
        .unwrap()
        .message;
    let nf =
        |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
    let now = Timestamp::now();
    let p = b.policy();
    nf(s.get_conversation(b.account, conv.id).await.map(drop));
    nf(s.get_contact(b.account, a.contact).await.map(drop));
    nf(s.get_inbox(b.account, a.inbox).await.map(drop));
    nf(s.inbox_secret(b.account, a.inbox).await.map(drop));
    nf(s.get_team(b.account, a.team).await.map(drop));
    nf(s.get_member(b.account, a.agent).await.map(drop));
    nf(s.get_message(b.account, msg.id).await.map(drop));
    nf(s.list_messages(b.account, conv.id, 0, 10, true)
        .await
        .map(drop));
    nf(s.latest_messages(b.account, conv.id, 10, true)
        .await
        .map(drop));
    nf(s.conversation_events(b.account, conv.id, 0, 10)
        .await
        .map(drop));
    nf(s.read_cursors(b.account, conv.id).await.map(drop));
    nf(s.identities_of(b.account, a.contact).await.map(drop));
    nf(s.apply(
        b.account,
        conv.id,
        Input::Resolve,
        Sender::system(),
        &p,
        None,
        now,
    )
    .await
    .map(drop));
    nf(s.patch_conversation(
        b.account,
        conv.id,
        &ConversationPatch::default(),
        Sender::system(),
        now,
    )
    .await
    .map(drop));
    nf(s.set_delivery(b.account, msg.id, DeliveryState::Read, now)
        .await
        .map(drop));
    nf(
        s.set_read_cursor(b.account, conv.id, Sender::agent(b.agent), 1, now)
            .await
            .map(drop),
    );
    nf(s.set_team_member(b.account, a.team, b.agent, true).await);
    nf(s.set_inbox_member(b.account, a.inbox, b.agent, true).await);
    // Another account's agent cannot join this account's team either.
    nf(s.set_team_member(a.account, a.team, b.agent, true).await);
    let mut m = b.msg(conv.id, Sender::contact(b.contact), "sneaky");
    m.account_id = b.account;
    nf(s.append_message(&m, &p).await.map(drop));
    // b's conversation may not use a's inbox or contact.
    let mut n = b.new_conversation(now);
    n.inbox_id = a.inbox;
    nf(s.create_conversation(&n, &p).await.map(drop));
    let mut n = b.new_conversation(now);
    n.contact_id = a.contact;
    nf(s.create_conversation(&n, &p).await.map(drop));
    // Lists and streams show only the account's own rows.
    let listed = s
        .list_conversations(
            b.account,
            &ConversationFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    let events = events_after(s, b.account, Default::default(), 1).await;
    assert!(events.iter().all(|e| e.account_id == b.account));
    assert_eq!(events.len(), 1, "b's own contact.created");
    let mine = events_after(s, a.account, Default::default(), 3).await;
    assert!(mine.iter().any(|e| e.conversation_id == Some(conv.id)));
    assert!(mine.iter().all(|e| e.account_id == a.account));
}
