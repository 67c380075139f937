use kefu_core::model::{Availability, ChannelKind, Priority};
use kefu_routing::{Queue, RoutingPolicy, WaitEstimator, choose_agent, dispatch, next_for_agent};

use crate::fixture::{agent, at, conv, needs, user, waiting};

#[test]
fn the_queue_serves_higher_priority_first_then_the_longest_waiting() {
    let mut queue = Queue::new([
        waiting(1, Priority::Normal, 300),
        waiting(2, Priority::Normal, 100),
        waiting(3, Priority::High, 500),
        waiting(4, Priority::Low, 0),
    ]);
    queue.push(waiting(5, Priority::Normal, 200));
    let order: Vec<_> = queue.iter().map(|w| w.conversation).collect();
    assert_eq!(order, vec![conv(3), conv(2), conv(5), conv(1), conv(4)]);
    // Listed twice (a snapshot read twice): kept once.
    let twice = Queue::new([
        waiting(1, Priority::Normal, 0),
        waiting(1, Priority::Normal, 0),
    ]);
    assert_eq!(twice.len(), 1);
    // Re-queued at a new priority: one entry, in its new place.
    queue.push(waiting(4, Priority::Urgent, 0));
    assert_eq!(queue.len(), 5);
    assert_eq!(queue.iter().next().map(|w| w.conversation), Some(conv(4)));
}

#[test]
fn least_busy_takes_the_lowest_relative_load_then_the_longest_idle() {
    let now = at(10_000);
    let mut a = agent(1, 4);
    a.load.insert(ChannelKind::WebWidget, 2); // half full
    let mut b = agent(2, 2);
    b.load.insert(ChannelKind::WebWidget, 1); // half full, assigned later
    b.last_assigned_at = Some(at(9_000));
    a.last_assigned_at = Some(at(5_000));
    let mut c = agent(3, 3);
    c.load.insert(ChannelKind::WebWidget, 2); // two thirds full
    let agents = [a, b, c];
    let w = waiting(1, Priority::Normal, 0);
    let chosen = choose_agent(&w, &agents, RoutingPolicy::LeastBusy, now, None);
    assert_eq!(
        chosen.map(|a| a.id),
        Some(user(1)),
        "idle since 5 s beats 9 s"
    );
}

#[test]
fn an_agent_at_capacity_or_not_online_gets_nothing() {
    let now = at(0);
    let mut full = agent(1, 2);
    full.load.insert(ChannelKind::WebWidget, 2);
    let mut away = agent(2, 5);
    away.availability = Availability::Away;
    let mut offline = agent(3, 5);
    offline.availability = Availability::Offline;
    let agents = [full, away, offline];
    let w = waiting(1, Priority::Urgent, 0);
    for policy in [
        RoutingPolicy::LeastBusy,
        RoutingPolicy::RoundRobin,
        RoutingPolicy::Skills { relax_after_ms: 0 },
    ] {
        assert_eq!(choose_agent(&w, &agents, policy, now, None), None);
    }
    // Capacity is per channel: the full chat agent still takes an email.
    let mut email = waiting(2, Priority::Normal, 0);
    email.channel = ChannelKind::Email;
    let mut emails_too = agents[0].clone();
    emails_too.channel_capacity.insert(ChannelKind::Email, 10);
    assert_eq!(
        choose_agent(&email, &[emails_too], RoutingPolicy::LeastBusy, now, None).map(|a| a.id),
        Some(user(1))
    );
}

#[test]
fn round_robin_takes_turns_and_skips_who_cannot_take() {
    let now = at(0);
    let mut agents = vec![agent(1, 5), agent(2, 5), agent(3, 5)];
    let w = waiting(1, Priority::Normal, 0);
    let mut last = None;
    let mut turns = Vec::new();
    for _ in 0..4 {
        let id = choose_agent(&w, &agents, RoutingPolicy::RoundRobin, now, last).map(|a| a.id);
        turns.push(id);
        last = id;
    }
    assert_eq!(
        turns,
        vec![Some(user(1)), Some(user(2)), Some(user(3)), Some(user(1))]
    );
    agents[1].availability = Availability::Away;
    let id = choose_agent(&w, &agents, RoutingPolicy::RoundRobin, now, Some(user(1)));
    assert_eq!(id.map(|a| a.id), Some(user(3)), "agent 2 is away");
}

#[test]
fn skills_route_to_the_best_match_and_relax_after_the_wait() {
    let policy = RoutingPolicy::Skills {
        relax_after_ms: 60_000,
    };
    let mut novice = agent(1, 5);
    novice.skills.insert("billing".into(), 2);
    let mut expert = agent(2, 5);
    expert.skills.insert("billing".into(), 5);
    expert.load.insert(ChannelKind::WebWidget, 4); // busier, but the better match
    let generalist = agent(3, 5);
    let mut w = waiting(1, Priority::Normal, 0);
    w.skills = vec![needs("billing", 2)];
    let all = [novice.clone(), expert.clone(), generalist.clone()];
    assert_eq!(
        choose_agent(&w, &all, policy, at(1_000), None).map(|a| a.id),
        Some(user(2))
    );
    // Only the generalist is free: the conversation waits...
    let mut expert_full = expert.clone();
    expert_full.load.insert(ChannelKind::WebWidget, 5);
    let mut novice_away = novice.clone();
    novice_away.availability = Availability::Away;
    let few = [novice_away, expert_full, generalist];
    assert_eq!(choose_agent(&w, &few, policy, at(59_999), None), None);
    // ...until it has waited a minute; then anyone in the team may take it.
    assert_eq!(
        choose_agent(&w, &few, policy, at(60_000), None).map(|a| a.id),
        Some(user(3))
    );
}

#[test]
fn a_returning_customer_goes_back_to_their_agent_when_free() {
    let agents = [agent(1, 5), agent(2, 5)];
    let mut w = waiting(1, Priority::Normal, 0);
    w.last_agent = Some(user(2));
    assert_eq!(
        choose_agent(&w, &agents, RoutingPolicy::LeastBusy, at(0), None).map(|a| a.id),
        Some(user(2))
    );
    let mut busy = agents.clone();
    busy[1].load.insert(ChannelKind::WebWidget, 5);
    assert_eq!(
        choose_agent(&w, &busy, RoutingPolicy::LeastBusy, at(0), None).map(|a| a.id),
        Some(user(1)),
        "their agent is full: someone else, rather than a wait"
    );
}

#[test]
fn a_freed_slot_takes_the_head_the_agent_can_serve() {
    let mut queue = Queue::new([
        waiting(1, Priority::Normal, 100),
        waiting(2, Priority::High, 900),
        waiting(3, Priority::Normal, 50),
    ]);
    let mut email = waiting(4, Priority::Urgent, 0);
    email.channel = ChannelKind::Email;
    queue.push(email);
    let mut a = agent(1, 3);
    a.channel_capacity.insert(ChannelKind::Email, 0);
    let next = next_for_agent(&queue, &a, RoutingPolicy::LeastBusy, at(1_000));
    assert_eq!(
        next.map(|w| w.conversation),
        Some(conv(2)),
        "the urgent email needs an agent who takes email"
    );
    a.load.insert(ChannelKind::WebWidget, 3);
    assert_eq!(
        next_for_agent(&queue, &a, RoutingPolicy::LeastBusy, at(1_000)),
        None
    );
}

#[test]
fn dispatch_fills_free_slots_in_serving_order_and_not_beyond() {
    let queue = Queue::new((1..=5).map(|n| waiting(n, Priority::Normal, n as i64)));
    let agents = [agent(1, 1), agent(2, 2)];
    let (assigned, _) = dispatch(&queue, &agents, RoutingPolicy::LeastBusy, at(100), None);
    let conversations: Vec<_> = assigned.iter().map(|a| a.conversation).collect();
    assert_eq!(
        conversations,
        vec![conv(1), conv(2), conv(3)],
        "three slots"
    );
    let to_2 = assigned.iter().filter(|a| a.agent == user(2)).count();
    assert_eq!(to_2, 2);
}

#[test]
fn positions_count_down_as_the_head_is_served() {
    let mut queue = Queue::new((1..=3).map(|n| waiting(n, Priority::Normal, n as i64)));
    let mut a = agent(1, 1);
    a.load.insert(ChannelKind::WebWidget, 1); // busy: nobody is served at once
    let estimator = WaitEstimator::new(120_000);
    let mut seen = Vec::new();
    for served in 1..=3 {
        let positions = estimator.positions(&queue, std::slice::from_ref(&a));
        let last = positions
            .iter()
            .find(|p| p.conversation == conv(3))
            .copied();
        seen.push(last.map(|p| (p.position, p.estimated_wait_ms)));
        queue.remove(conv(served));
    }
    assert_eq!(
        seen,
        vec![
            Some((3, Some(360_000))),
            Some((2, Some(240_000))),
            Some((1, Some(120_000)))
        ]
    );
    // A free slot means no wait; nobody online means no estimate.
    queue.push(waiting(9, Priority::Normal, 9));
    a.load.clear();
    let now = estimator.positions(&queue, std::slice::from_ref(&a));
    assert_eq!(now[0].estimated_wait_ms, Some(0));
    a.availability = Availability::Offline;
    let none = estimator.positions(&queue, std::slice::from_ref(&a));
    assert_eq!(none[0].estimated_wait_ms, None);
}

#[test]
fn the_handle_time_estimate_follows_recent_conversations() {
    let mut estimator = WaitEstimator::new(60_000);
    for _ in 0..50 {
        estimator.observe(300_000);
    }
    assert!(
        (290_000..=300_000).contains(&estimator.mean_handle_ms()),
        "{}",
        estimator.mean_handle_ms()
    );
}
