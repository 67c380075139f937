//! What the waiting customer is told: their place in the queue and about
//! how long it will take.

use std::collections::HashMap;

use kefu_core::ConversationId;
use kefu_core::model::{Availability, ChannelKind};

use crate::agent::Agent;
use crate::queue::Queue;

/// One customer's place in the queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueuePosition {
    pub conversation: ConversationId,
    /// 1 for the next conversation to be served.
    pub position: usize,
    /// Estimated milliseconds until an agent takes it; `None` when no agent
    /// of the team is online (the honest answer is "when someone is back").
    pub estimated_wait_ms: Option<i64>,
}

/// Estimates waits from how long agents take per conversation, learnt as an
/// exponentially weighted mean of recent handle times (recent hours matter
/// more than last month's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitEstimator {
    mean_handle_ms: f64,
}

/// Weight of the newest handle time in the mean.
const SMOOTHING: f64 = 0.1;

impl WaitEstimator {
    /// Starts from a prior mean handle time (e.g. the account's last week).
    pub fn new(mean_handle_ms: i64) -> Self {
        Self {
            mean_handle_ms: mean_handle_ms.max(1) as f64,
        }
    }

    /// Learns from one finished conversation's handle time.
    pub fn observe(&mut self, handle_ms: i64) {
        let h = handle_ms.max(0) as f64;
        self.mean_handle_ms += SMOOTHING * (h - self.mean_handle_ms);
    }

    pub fn mean_handle_ms(&self) -> i64 {
        self.mean_handle_ms.round() as i64
    }

    /// Every waiting conversation's position and estimated wait. Online
    /// agents' free slots take the first conversations at once; after that,
    /// the team finishes `slots / mean handle time` conversations per
    /// millisecond, so the k-th conversation beyond the free slots waits
    /// about `k × mean handle time / slots`. (Per-channel capacities are
    /// summed over the channel of each conversation.)
    pub fn positions(&self, queue: &Queue, agents: &[Agent]) -> Vec<QueuePosition> {
        // (slots, free slots) of the online agents, per channel, computed
        // once per channel rather than once per conversation.
        let mut per_channel: HashMap<ChannelKind, (u64, u64)> = HashMap::new();
        let mut ahead_in_channel: HashMap<ChannelKind, u64> = HashMap::new();
        queue
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let (slots, free) = *per_channel.entry(w.channel).or_insert_with(|| {
                    agents
                        .iter()
                        .filter(|a| a.availability == Availability::Online)
                        .fold((0, 0), |(slots, free), a| {
                            let cap = a.capacity_for(w.channel);
                            (
                                slots + u64::from(cap),
                                free + u64::from(cap.saturating_sub(a.load_for(w.channel))),
                            )
                        })
                });
                // Free slots go to the first conversations of their channel;
                // after that everyone ahead, of any channel, is served first.
                let same_channel_ahead = ahead_in_channel.entry(w.channel).or_insert(0);
                let is_free = *same_channel_ahead < free;
                *same_channel_ahead += 1;
                let ahead = i as u64;
                let estimated_wait_ms = (slots > 0).then(|| {
                    if is_free {
                        0
                    } else {
                        let beyond = (ahead.saturating_sub(free) + 1) as f64;
                        (beyond * self.mean_handle_ms / slots as f64).round() as i64
                    }
                });
                QueuePosition {
                    conversation: w.conversation,
                    position: i + 1,
                    estimated_wait_ms,
                }
            })
            .collect()
    }
}
