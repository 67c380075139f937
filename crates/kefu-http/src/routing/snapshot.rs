//! Everything one routing round of an account decides on, read once: the
//! queued conversations grouped into queues, the agents with their load, and
//! each inbox's routing settings.

use std::collections::{BTreeMap, HashMap};

use kefu_core::model::{Conversation, Inbox, InboxRoutingSettings, RoutingPolicyKind, parse_skill};
use kefu_core::store::{QueuedConversation, RosterEntry, Store};
use kefu_core::{AccountId, ConversationId, InboxId, StoreError, TeamId, UserId};
use kefu_routing::{Agent, Queue, RoutingPolicy, SkillRequirement, Waiting};

/// The most queued conversations one round looks at; a longer queue is
/// served from its head, and the rest is reached as the head drains.
pub const MAX_QUEUE: u32 = 10_000;

/// A queue is a team of the account; conversations with no team wait in
/// their inbox's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueueKey {
    Team(TeamId),
    Inbox(InboxId),
}

/// The conversations of one queue that came through one inbox: they share a
/// policy and the agents who may see them.
pub struct Group {
    pub key: QueueKey,
    pub inbox: Inbox,
    pub settings: InboxRoutingSettings,
    pub queue: Queue,
    pub eligible: Vec<UserId>,
}

impl Group {
    pub fn policy(&self) -> RoutingPolicy {
        match self.settings.policy {
            RoutingPolicyKind::RoundRobin => RoutingPolicy::RoundRobin,
            RoutingPolicyKind::LeastBusy => RoutingPolicy::LeastBusy,
            RoutingPolicyKind::Skills => RoutingPolicy::Skills {
                relax_after_ms: i64::from(self.settings.relax_after_s) * 1000,
            },
        }
    }
}

pub struct Snapshot {
    pub account: AccountId,
    /// In the serving order of their first conversation.
    pub groups: Vec<Group>,
    pub agents: Vec<Agent>,
    pub conversations: HashMap<ConversationId, Conversation>,
}

pub async fn load(store: &dyn Store, account: AccountId) -> Result<Snapshot, StoreError> {
    let queued = store.queued_conversations(account, MAX_QUEUE).await?;
    if queued.is_empty() {
        return Ok(Snapshot::empty(account));
    }
    let roster = store.routing_roster(account).await?;
    build(store, account, queued, &roster).await
}

/// [`load`] for a caller that has read the roster already (the supervisors'
/// view shows it too), so it is not read twice.
pub async fn load_with_roster(
    store: &dyn Store,
    account: AccountId,
    roster: &[RosterEntry],
) -> Result<Snapshot, StoreError> {
    let queued = store.queued_conversations(account, MAX_QUEUE).await?;
    if queued.is_empty() {
        return Ok(Snapshot::empty(account));
    }
    build(store, account, queued, roster).await
}

impl Snapshot {
    fn empty(account: AccountId) -> Self {
        Self {
            account,
            groups: Vec::new(),
            agents: Vec::new(),
            conversations: HashMap::new(),
        }
    }
}

async fn build(
    store: &dyn Store,
    account: AccountId,
    queued: Vec<QueuedConversation>,
    roster: &[RosterEntry],
) -> Result<Snapshot, StoreError> {
    let inboxes: HashMap<InboxId, Inbox> = store
        .list_inboxes(account)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(QueueKey, InboxId), usize> = HashMap::new();
    let mut conversations = HashMap::with_capacity(queued.len());
    // `queued` is in serving order, so groups are created in the order of
    // their first (most urgent) conversation.
    for q in queued {
        let c = q.conversation;
        let Some(inbox) = inboxes.get(&c.inbox_id) else {
            continue;
        };
        let key = match c.team_id {
            Some(t) => QueueKey::Team(t),
            None => QueueKey::Inbox(c.inbox_id),
        };
        let at = *index.entry((key, c.inbox_id)).or_insert_with(|| {
            // Settings an admin saved are checked on save; a bad value that
            // slipped in falls back to the defaults rather than stalling
            // the queue.
            let settings = InboxRoutingSettings::from_settings(&inbox.settings).unwrap_or_default();
            groups.push(Group {
                key,
                inbox: inbox.clone(),
                eligible: eligible(roster, key, inbox),
                settings,
                queue: Queue::default(),
            });
            groups.len() - 1
        });
        let g = &mut groups[at];
        let skills = g
            .settings
            .required_skills(c.labels.iter().map(String::as_str), std::iter::empty())
            .into_iter()
            .map(|(skill, min_level)| SkillRequirement { skill, min_level })
            .collect();
        g.queue.push(Waiting {
            conversation: c.id,
            priority: c.priority,
            enqueued_at: c.queued_at.unwrap_or(c.updated_at),
            channel: inbox.channel,
            skills,
            last_agent: q.last_agent.filter(|_| g.settings.sticky),
        });
        conversations.insert(c.id, c);
    }
    Ok(Snapshot {
        account,
        groups,
        agents: roster.iter().map(agent).collect(),
        conversations,
    })
}

/// Who may be offered this queue's conversations from this inbox: members
/// of the team (or of the inbox, for an inbox's own queue) with a capacity,
/// who can see the inbox.
fn eligible(roster: &[RosterEntry], key: QueueKey, inbox: &Inbox) -> Vec<UserId> {
    roster
        .iter()
        .filter(|r| r.member.capacity > 0)
        .filter(|r| match key {
            QueueKey::Team(t) => {
                r.teams.contains(&t)
                    && (r.inboxes.contains(&inbox.id) || r.member.role.sees_all_inboxes())
            }
            QueueKey::Inbox(i) => r.inboxes.contains(&i),
        })
        .map(|r| r.member.user_id)
        .collect()
}

/// A member as the decision functions see them.
fn agent(r: &RosterEntry) -> Agent {
    let m = &r.member;
    let non_negative = |n: i32| u32::try_from(n).unwrap_or(0);
    Agent {
        id: m.user_id,
        availability: m.availability,
        capacity: non_negative(m.capacity),
        channel_capacity: m
            .channel_capacity
            .iter()
            .map(|(c, n)| (*c, non_negative(*n)))
            .collect(),
        load: r
            .open
            .iter()
            .map(|(c, n)| (*c, u32::try_from(*n).unwrap_or(u32::MAX)))
            .collect(),
        skills: m
            .skills
            .iter()
            .filter_map(|s| parse_skill(s))
            .collect::<BTreeMap<String, u8>>(),
        last_assigned_at: m.last_assigned_at,
    }
}
