//! The pure routing decisions at scale: 10,000 queued conversations and
//! 1,000 agents, one thread. Prints p50 / p99 / max per decision.

use std::time::Instant;

use kefu_core::model::{Availability, ChannelKind, Priority};
use kefu_core::{ConversationId, Timestamp, UserId};
use kefu_routing::{
    Agent, Queue, RoutingPolicy, SkillRequirement, WaitEstimator, Waiting, choose_agent, dispatch,
    next_for_agent,
};

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

const SKILLS: [&str; 8] = [
    "billing", "tech", "vip", "returns", "shipping", "zh", "en", "b2b",
];

fn report(name: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{name:<44} n={:<6} p50 {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
        times.len(),
        pct(0.50),
        pct(0.99),
        times[times.len() - 1]
    );
}

fn main() {
    let mut rng = Rng(20_261_126);
    let now = Timestamp::from_millis(10_000_000);
    let skill = |rng: &mut Rng| SkillRequirement {
        skill: SKILLS[rng.below(SKILLS.len())].into(),
        min_level: 1 + rng.below(5) as u8,
    };
    let queue = Queue::new((0..10_000u128).map(|n| {
        let mut skills = Vec::new();
        if rng.below(2) == 0 {
            skills.push(skill(&mut rng));
        }
        Waiting {
            conversation: ConversationId(uuid::Uuid::from_u128(n + 1)),
            priority: [
                Priority::Low,
                Priority::Normal,
                Priority::High,
                Priority::Urgent,
            ][rng.below(4)],
            enqueued_at: Timestamp::from_millis(rng.below(10_000_000) as i64),
            channel: [ChannelKind::WebWidget, ChannelKind::Email][rng.below(2)],
            skills,
            last_agent: None,
        }
    }));
    // A busy floor: most agents are full, so decisions search.
    let agents: Vec<Agent> = (0..1_000u128)
        .map(|n| {
            let mut a = Agent::new(
                UserId(uuid::Uuid::from_u128(n + 1)),
                1 + rng.below(6) as u32,
            );
            a.channel_capacity
                .insert(ChannelKind::Email, rng.below(10) as u32);
            let full = rng.below(10) != 0;
            let cap = a.capacity;
            a.load
                .insert(ChannelKind::WebWidget, if full { cap } else { cap - 1 });
            a.availability = [
                Availability::Online,
                Availability::Online,
                Availability::Away,
            ][rng.below(3)];
            for _ in 0..3 {
                a.skills.insert(
                    SKILLS[rng.below(SKILLS.len())].into(),
                    1 + rng.below(5) as u8,
                );
            }
            a.last_assigned_at = Some(Timestamp::from_millis(rng.below(10_000_000) as i64));
            a
        })
        .collect();
    let waiting: Vec<&Waiting> = queue.iter().collect();
    println!(
        "queue {} conversations, {} agents ({} online), one thread",
        queue.len(),
        agents.len(),
        agents
            .iter()
            .filter(|a| a.availability == Availability::Online)
            .count()
    );
    for policy in [
        RoutingPolicy::LeastBusy,
        RoutingPolicy::RoundRobin,
        RoutingPolicy::Skills {
            relax_after_ms: 120_000,
        },
    ] {
        let mut times = Vec::with_capacity(10_000);
        let mut cursor = None;
        for w in &waiting {
            let t = Instant::now();
            let chosen = choose_agent(w, &agents, policy, now, cursor).map(|a| a.id);
            times.push(t.elapsed().as_secs_f64() * 1e6);
            cursor = chosen.or(cursor);
        }
        report(&format!("choose_agent ({policy:?})"), times);
        let mut times = Vec::with_capacity(agents.len());
        for a in &agents {
            let t = Instant::now();
            std::hint::black_box(next_for_agent(&queue, a, policy, now));
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        report(&format!("next_for_agent ({policy:?})"), times);
    }
    let estimator = WaitEstimator::new(300_000);
    let times: Vec<f64> = (0..20)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(estimator.positions(&queue, &agents));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    report("positions (whole queue)", times);
    let times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(dispatch(
                &queue,
                &agents,
                RoutingPolicy::LeastBusy,
                now,
                None,
            ));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    report("dispatch (whole queue, least busy)", times);
}
