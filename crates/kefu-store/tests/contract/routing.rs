//! What routing reads (the queue, the roster) and the committed claim:
//! capacity and version checked with the assignment in one transaction.

use std::sync::Arc;

use kefu_core::model::*;
use kefu_core::state::{Input, Status};
use kefu_core::store::{Claim, Store};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    queue_is_served_by_priority_then_time_in_queue,
    roster_counts_open_conversations_per_channel,
    claim_checks_capacity_and_version,
    concurrent_claims_never_exceed_capacity,
);

fn claim(fx: &Fx, c: &Conversation, agent: UserId) -> Claim {
    Claim {
        account_id: fx.account,
        conversation_id: c.id,
        agent,
        expected_version: Some(c.version),
        check_capacity: true,
        transfer_notice: None,
        policy: fx.no_bot(),
        actor: Sender::system(),
        now: Timestamp::now(),
    }
}

async fn queue_is_served_by_priority_then_time_in_queue(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let first = fx.queued(s).await;
    let second = fx.queued(s).await;
    let urgent = fx.queued(s).await;
    s.patch_conversation(
        fx.account,
        urgent.id,
        &kefu_core::store::ConversationPatch {
            priority: Some(Priority::Urgent),
            ..Default::default()
        },
        Sender::system(),
        Timestamp::now(),
    )
    .await
    .unwrap();
    let q = s.queued_conversations(fx.account, 100).await.unwrap();
    let order: Vec<_> = q.iter().map(|q| q.conversation.id).collect();
    assert_eq!(order, vec![urgent.id, first.id, second.id]);
    assert!(q.iter().all(|q| q.conversation.queued_at.is_some()));
    assert_eq!(
        s.queued_conversations(fx.account, 1).await.unwrap().len(),
        1
    );
    assert!(s.accounts_with_queue().await.unwrap().contains(&fx.account));
    // Nobody has served this contact yet; once an agent has, the other
    // waiting conversations of the contact name them (sticky routing).
    assert!(q.iter().all(|q| q.last_agent.is_none()));
    s.claim_conversation(&claim(&fx, &first, fx.agent))
        .await
        .unwrap();
    let q = s.queued_conversations(fx.account, 100).await.unwrap();
    assert_eq!(q.len(), 2);
    assert!(q.iter().all(|q| q.last_agent == Some(fx.agent)), "{q:?}");
    // Leaving the queue clears the waiting time; joining again restarts it.
    let got = s.get_conversation(fx.account, first.id).await.unwrap();
    assert_eq!((got.status, got.queued_at), (Status::Assigned, None));
}

async fn roster_counts_open_conversations_per_channel(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    s.set_team_member(fx.account, fx.team, fx.agent, true)
        .await
        .unwrap();
    s.set_inbox_member(fx.account, fx.inbox, fx.agent, true)
        .await
        .unwrap();
    for _ in 0..2 {
        let c = fx.queued(s).await;
        s.claim_conversation(&claim(&fx, &c, fx.agent))
            .await
            .unwrap();
    }
    let roster = s.routing_roster(fx.account).await.unwrap();
    let me = roster
        .iter()
        .find(|r| r.member.user_id == fx.agent)
        .unwrap();
    assert_eq!(me.teams, vec![fx.team]);
    assert_eq!(me.inboxes, vec![fx.inbox]);
    // The fixture's inbox is a web widget.
    assert_eq!(me.open.get(&ChannelKind::WebWidget), Some(&2));
    assert!(me.member.last_assigned_at.is_some());
    let other = roster
        .iter()
        .find(|r| r.member.user_id == fx.agent2)
        .unwrap();
    assert!(other.open.is_empty() && other.teams.is_empty());
}

async fn claim_checks_capacity_and_version(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let mut m = s.get_member(fx.account, fx.agent).await.unwrap();
    m.capacity = 3;
    m.channel_capacity = [(ChannelKind::WebWidget, 1)].into();
    s.upsert_member(&m).await.unwrap();
    let a = fx.queued(s).await;
    let b = fx.queued(s).await;
    // A stale version is refused and changes nothing.
    let mut stale = claim(&fx, &a, fx.agent);
    stale.expected_version = Some(a.version - 1);
    assert!(matches!(
        s.claim_conversation(&stale).await,
        Err(StoreError::VersionConflict(_))
    ));
    let done = s
        .claim_conversation(&claim(&fx, &a, fx.agent))
        .await
        .unwrap();
    assert_eq!(done.conversation.assignee_id, Some(fx.agent));
    assert!(!done.events.is_empty());
    // One web conversation is all this agent takes on the web channel,
    // though the total capacity is 3: refused, and `b` is still queued.
    assert!(matches!(
        s.claim_conversation(&claim(&fx, &b, fx.agent)).await,
        Err(StoreError::AtCapacity)
    ));
    let b_now = s.get_conversation(fx.account, b.id).await.unwrap();
    assert_eq!((b_now.status, b_now.version), (Status::Queued, b.version));
    // Without the capacity check (a supervisor overriding) it goes through.
    let mut forced = claim(&fx, &b, fx.agent);
    forced.check_capacity = false;
    s.claim_conversation(&forced).await.unwrap();
    // Claiming what the agent already holds is not a capacity question.
    let again = s.get_conversation(fx.account, a.id).await.unwrap();
    let same = s
        .claim_conversation(&claim(&fx, &again, fx.agent))
        .await
        .unwrap();
    assert!(same.events.is_empty());
    // Freeing a slot lets the next claim through.
    let c = fx.queued(s).await;
    s.apply(
        fx.account,
        a.id,
        Input::Resolve,
        Sender::system(),
        &fx.no_bot(),
        None,
        Timestamp::now(),
    )
    .await
    .unwrap();
    s.apply(
        fx.account,
        b.id,
        Input::Resolve,
        Sender::system(),
        &fx.no_bot(),
        None,
        Timestamp::now(),
    )
    .await
    .unwrap();
    s.claim_conversation(&claim(&fx, &c, fx.agent))
        .await
        .unwrap();
    // Unknown agents and another tenant's conversations are not found.
    assert!(matches!(
        s.claim_conversation(&claim(&fx, &c, UserId::new())).await,
        Err(StoreError::NotFound(_))
    ));
    let other = Fx::new(s).await;
    let theirs = other.queued(s).await;
    let mut cross = claim(&fx, &theirs, fx.agent);
    cross.expected_version = None;
    assert!(matches!(
        s.claim_conversation(&cross).await,
        Err(StoreError::NotFound(_))
    ));
    let untouched = s.get_conversation(other.account, theirs.id).await.unwrap();
    assert_eq!(untouched.status, Status::Queued);
}

/// Many claims for one agent at once (as from several nodes): exactly
/// `capacity` succeed, the rest are refused, none half-applied.
async fn concurrent_claims_never_exceed_capacity(cx: Ctx) {
    let s: Arc<dyn Store> = cx.store.clone();
    let fx = Arc::new(Fx::new(&*s).await);
    let mut m = s.get_member(fx.account, fx.agent).await.unwrap();
    m.capacity = 3;
    s.upsert_member(&m).await.unwrap();
    let mut queued = vec![];
    for _ in 0..12 {
        queued.push(fx.queued(&*s).await);
    }
    let tasks: Vec<_> = queued
        .iter()
        .map(|c| {
            let (s, fx, c) = (s.clone(), fx.clone(), c.clone());
            tokio::spawn(async move { s.claim_conversation(&claim(&fx, &c, fx.agent)).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::AtCapacity) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 3);
    let held = s
        .list_conversations(
            fx.account,
            &kefu_core::store::ConversationFilter {
                assignee_id: Some(fx.agent),
                ..Default::default()
            },
            &kefu_core::store::PageRequest {
                cursor: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(held.items.len(), 3);
}
