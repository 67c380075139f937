//! A replay simulation: a seeded random workload of arrivals, resolutions,
//! abandonments, agent status changes and time passing, with `dispatch`
//! after every event, checking after each step that no conversation is lost
//! or assigned twice, no capacity is exceeded, nothing is left waiting that
//! a free agent could take, and FIFO within a priority holds.

use std::collections::{HashMap, HashSet};

use kefu_core::model::{Availability, ChannelKind, Priority};
use kefu_core::{ConversationId, UserId};
use kefu_routing::choose_agent::can_take;
use kefu_routing::{Agent, Queue, RoutingPolicy, Waiting, dispatch};
use proptest::prelude::*;

use crate::fixture::{agent, at, conv, needs};

/// A small deterministic generator (the workload must replay from its seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SKILLS: [&str; 3] = ["billing", "tech", "vip"];
const CHANNELS: [ChannelKind; 2] = [ChannelKind::WebWidget, ChannelKind::Email];
const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];

struct World {
    policy: RoutingPolicy,
    now: i64,
    queue: Queue,
    agents: Vec<Agent>,
    /// Open assignments: conversation -> (agent, channel).
    open: HashMap<ConversationId, (UserId, ChannelKind)>,
    /// Every conversation ever assigned (a second assignment is a bug).
    ever_assigned: HashSet<ConversationId>,
    arrived: usize,
    abandoned: usize,
    resolved: usize,
    cursor: Option<UserId>,
}

impl World {
    fn new(policy: RoutingPolicy, rng: &mut Rng, n_agents: usize) -> Self {
        let agents = (0..n_agents)
            .map(|i| {
                let mut a = agent(i as u128 + 1, 1 + rng.below(4) as u32);
                a.channel_capacity
                    .insert(ChannelKind::Email, rng.below(6) as u32);
                for skill in SKILLS {
                    if rng.below(2) == 0 {
                        a.skills.insert(skill.into(), 1 + rng.below(5) as u8);
                    }
                }
                a
            })
            .collect();
        Self {
            policy,
            now: 0,
            queue: Queue::default(),
            agents,
            open: HashMap::new(),
            ever_assigned: HashSet::new(),
            arrived: 0,
            abandoned: 0,
            resolved: 0,
            cursor: None,
        }
    }

    fn step(&mut self, rng: &mut Rng) {
        self.now += rng.below(20_000) as i64;
        match rng.below(10) {
            0..=3 => {
                self.arrived += 1;
                let mut w = Waiting {
                    conversation: conv(self.arrived as u128),
                    priority: PRIORITIES[rng.below(4)],
                    enqueued_at: at(self.now),
                    channel: CHANNELS[rng.below(2)],
                    skills: Vec::new(),
                    last_agent: None,
                };
                if rng.below(2) == 0 {
                    w.skills
                        .push(needs(SKILLS[rng.below(3)], 1 + rng.below(5) as u8));
                }
                if rng.below(4) == 0 {
                    w.last_agent = Some(self.agents[rng.below(self.agents.len())].id);
                }
                self.queue.push(w);
            }
            4..=6 => {
                // An agent resolves one of their conversations.
                let mut open: Vec<ConversationId> = self.open.keys().copied().collect();
                open.sort_by_key(|c| c.0);
                if !open.is_empty() {
                    let c = open[rng.below(open.len())];
                    let (agent, channel) = self.open.remove(&c).unwrap_or_else(|| unreachable!());
                    let a = self.agents.iter_mut().find(|a| a.id == agent);
                    let a = a.unwrap_or_else(|| unreachable!());
                    *a.load.entry(channel).or_insert(0) -= 1;
                    self.resolved += 1;
                }
            }
            7 => {
                // A customer leaves while queued.
                if !self.queue.is_empty() {
                    let ids: Vec<ConversationId> =
                        self.queue.iter().map(|w| w.conversation).collect();
                    self.queue.remove(ids[rng.below(ids.len())]);
                    self.abandoned += 1;
                }
            }
            _ => {
                let i = rng.below(self.agents.len());
                self.agents[i].availability = [
                    Availability::Online,
                    Availability::Online,
                    Availability::Away,
                    Availability::Offline,
                ][rng.below(4)];
            }
        }
        self.dispatch();
    }

    fn dispatch(&mut self) {
        let now = at(self.now);
        let before: Vec<Waiting> = self.queue.iter().cloned().collect();
        let (assignments, cursor) =
            dispatch(&self.queue, &self.agents, self.policy, now, self.cursor);
        self.cursor = cursor;
        let assigned: HashMap<ConversationId, UserId> = assignments
            .iter()
            .map(|a| (a.conversation, a.agent))
            .collect();
        assert_eq!(
            assigned.len(),
            assignments.len(),
            "one conversation assigned twice in one sweep"
        );
        for a in &assignments {
            let waiting = self.queue.remove(a.conversation);
            let waiting = waiting.expect("only waiting conversations are assigned");
            assert!(self.ever_assigned.insert(a.conversation), "assigned twice");
            let agent = self.agents.iter_mut().find(|x| x.id == a.agent);
            let agent = agent.expect("assigned to a known agent");
            assert_eq!(agent.availability, Availability::Online);
            agent.take(&waiting, now);
            assert!(
                agent.load_for(waiting.channel) <= agent.capacity_for(waiting.channel),
                "capacity exceeded"
            );
            self.open.insert(a.conversation, (a.agent, waiting.channel));
        }
        // Maximal: nothing left that an agent could take now.
        for w in self.queue.iter() {
            for agent in &self.agents {
                assert!(
                    !can_take(agent, w, self.policy, now),
                    "{:?} left waiting though {:?} could take it",
                    w.conversation,
                    agent.id
                );
            }
        }
        // FIFO within a priority: a conversation left waiting was not passed
        // over for one that arrived later with the same priority, the same
        // channel and no easier skills (it could have had that agent).
        // Judged by arrival times, not by the queue's own order.
        for x in before
            .iter()
            .filter(|x| !assigned.contains_key(&x.conversation))
        {
            for y in before
                .iter()
                .filter(|y| assigned.contains_key(&y.conversation))
            {
                let easier = x.skills.is_empty() || x.skills == y.skills;
                assert!(
                    !(x.priority == y.priority
                        && x.channel == y.channel
                        && easier
                        && x.enqueued_at < y.enqueued_at),
                    "{:?} passed over for {:?}",
                    x.conversation,
                    y.conversation
                );
            }
        }
        // Nothing lost.
        assert_eq!(
            self.arrived,
            self.queue.len() + self.ever_assigned.len() + self.abandoned,
            "every arrival is waiting, assigned or abandoned"
        );
        assert_eq!(self.ever_assigned.len(), self.open.len() + self.resolved);
    }
}

fn policy(i: usize) -> RoutingPolicy {
    [
        RoutingPolicy::LeastBusy,
        RoutingPolicy::RoundRobin,
        RoutingPolicy::Skills {
            relax_after_ms: 90_000,
        },
    ][i]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn routing_invariants_hold_over_a_random_workload(
        seed in any::<u64>(),
        which in 0usize..3,
        n_agents in 1usize..12,
    ) {
        let mut rng = Rng(seed);
        let mut world = World::new(policy(which), &mut rng, n_agents);
        for _ in 0..1_500 {
            world.step(&mut rng);
        }
    }
}

#[test]
fn a_long_seeded_replay_serves_everyone_eventually() {
    let mut rng = Rng(20_261_126);
    let mut world = World::new(policy(2), &mut rng, 20);
    for _ in 0..10_000 {
        world.step(&mut rng);
    }
    // Everyone online with room: the queue drains completely.
    for a in &mut world.agents {
        a.availability = Availability::Online;
        a.capacity = 1_000;
        a.channel_capacity.clear();
    }
    world.now += 90_000; // skills have relaxed for everyone
    world.dispatch();
    assert!(
        world.queue.is_empty(),
        "{} still waiting",
        world.queue.len()
    );
    assert!(
        world.resolved > 1_000,
        "the workload did work: {}",
        world.resolved
    );
}
