//! The conversation state machine: one pure function of (state, input, policy)
//! returning the next state and the effects to record as events. No I/O, no
//! clock: callers supply everything, so every path is tested exhaustively.
//!
//! ```text
//! new ─► bot ── handoff / no bot ──► queued ── agent claims/assigned ──► assigned
//!         ▲                              ▲                                  │
//!         └── contact writes again ── resolved ◄──────── resolve ───────────┘
//! ```
//! Rules: only the owner speaks (the bot only in `bot`; an agent's reply claims
//! a conversation nobody owns but never one another agent owns); system
//! messages and internal notes are exempt; reopening is an effect, not a
//! status.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;

use crate::{TeamId, Timestamp, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Bot,
    Queued,
    Assigned,
    Snoozed,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Self::Bot,
        Self::Queued,
        Self::Assigned,
        Self::Snoozed,
        Self::Resolved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::Queued => "queued",
            Self::Assigned => "assigned",
            Self::Snoozed => "snoozed",
            Self::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bot" => Self::Bot,
            "queued" => Self::Queued,
            "assigned" => Self::Assigned,
            "snoozed" => Self::Snoozed,
            "resolved" => Self::Resolved,
            _ => return None,
        })
    }
}

/// Who holds the conversation. In `snoozed` and `resolved` the owner is the
/// agent it will return to, or the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    Bot,
    Queue(Option<TeamId>),
    Agent(UserId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConversationState {
    pub status: Status,
    pub owner: Owner,
}

impl ConversationState {
    pub fn new_bot() -> Self {
        Self {
            status: Status::Bot,
            owner: Owner::Bot,
        }
    }
    pub fn assignee(&self) -> Option<UserId> {
        match self.owner {
            Owner::Agent(a) => Some(a),
            _ => None,
        }
    }
    pub fn team(&self) -> Option<TeamId> {
        match self.owner {
            Owner::Queue(t) => t,
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The inbox has no bot.
    NoBot,
    /// The customer asked for a person.
    Requested,
    /// The bot was not sure enough to answer (or nothing matched).
    LowConfidence,
    /// The question is one the knowledge base marks as not for the bot.
    OutOfScope,
    NegativeSentiment,
    /// The bot failed several turns in a row, or the customer repeated
    /// themselves after an answer.
    TooManyFailures,
    /// Moved by an agent or supervisor.
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TransferTarget {
    #[schema(value_type = String)]
    Agent(UserId),
    #[schema(value_type = String)]
    Team(TeamId),
}

/// Per-inbox policy the machine needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub bot_enabled: bool,
    /// Team whose queue receives handed-off conversations.
    pub default_team: Option<TeamId>,
    /// The bot may keep answering while the customer waits in the queue
    /// (until an agent takes the conversation).
    pub bot_while_queued: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    ContactMessage,
    BotMessage,
    /// A reply or (when `internal`) a private note by an agent.
    AgentMessage {
        agent: UserId,
        internal: bool,
    },
    SystemMessage,
    HandOff {
        reason: HandoffReason,
    },
    Assign {
        agent: UserId,
    },
    Unassign,
    Transfer {
        to: TransferTarget,
    },
    Resolve,
    /// The customer stopped waiting for an agent (left the queue): the
    /// conversation closes as abandoned. Only while queued.
    Abandon,
    Reopen,
    /// Snooze until a time, or (`None`) until the customer writes.
    Snooze {
        until: Option<Timestamp>,
    },
    /// The snooze timer fired.
    Unsnooze,
}

impl Input {
    pub const fn name(&self) -> &'static str {
        match self {
            Self::ContactMessage => "contact_message",
            Self::BotMessage => "bot_message",
            Self::AgentMessage { .. } => "agent_message",
            Self::SystemMessage => "system_message",
            Self::HandOff { .. } => "hand_off",
            Self::Assign { .. } => "assign",
            Self::Unassign => "unassign",
            Self::Transfer { .. } => "transfer",
            Self::Resolve => "resolve",
            Self::Abandon => "abandon",
            Self::Reopen => "reopen",
            Self::Snooze { .. } => "snooze",
            Self::Unsnooze => "unsnooze",
        }
    }
}

/// What happened, to be recorded as events (see `event::EventType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    StatusChanged {
        from: Status,
        to: Status,
    },
    HandedOff {
        reason: HandoffReason,
    },
    Assigned {
        agent: UserId,
        previous: Option<UserId>,
    },
    Unassigned {
        previous: UserId,
    },
    Transferred {
        from: Owner,
        to: TransferTarget,
    },
    Resolved,
    /// Closed because the customer left the queue before an agent came.
    Abandoned,
    Reopened,
    Snoozed {
        until: Option<Timestamp>,
    },
    Unsnoozed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub state: ConversationState,
    pub effects: Vec<Effect>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("only the bot's own conversations can get a bot reply")]
    BotNotOwner,
    #[error("the conversation is assigned to another agent")]
    AssignedToOther,
    #[error("the conversation is resolved")]
    Resolved,
    #[error("the conversation is not resolved")]
    NotResolved,
    #[error("cannot {input} a conversation in status {status}")]
    Invalid {
        input: &'static str,
        status: &'static str,
    },
}

impl TransitionError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BotNotOwner => "bot_not_owner",
            Self::AssignedToOther => "assigned_to_other_agent",
            Self::Resolved => "conversation_resolved",
            Self::NotResolved => "conversation_not_resolved",
            Self::Invalid { .. } => "invalid_transition",
        }
    }
}

/// Queue position the conversation falls back to when nobody owns it.
fn queue_of(state: &ConversationState, policy: &Policy) -> Owner {
    Owner::Queue(state.team().or(policy.default_team))
}

/// Where an unsnoozed or reopened conversation goes: back to its agent, else the queue.
fn back_to_owner(state: &ConversationState, policy: &Policy) -> ConversationState {
    match state.owner {
        Owner::Agent(a) => ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(a),
        },
        _ => ConversationState {
            status: Status::Queued,
            owner: queue_of(state, policy),
        },
    }
}

fn unchanged(state: ConversationState) -> Result<Transition, TransitionError> {
    Ok(Transition {
        state,
        effects: Vec::new(),
    })
}

fn invalid(input: &Input, status: Status) -> TransitionError {
    TransitionError::Invalid {
        input: input.name(),
        status: status.as_str(),
    }
}

/// Builds a transition, adding `StatusChanged` when the status moved.
fn to(
    from: ConversationState,
    next: ConversationState,
    mut effects: Vec<Effect>,
) -> Result<Transition, TransitionError> {
    if from.status != next.status {
        effects.insert(
            0,
            Effect::StatusChanged {
                from: from.status,
                to: next.status,
            },
        );
    }
    Ok(Transition {
        state: next,
        effects,
    })
}

/// The whole state machine.
pub fn transition(
    state: ConversationState,
    input: Input,
    policy: &Policy,
) -> Result<Transition, TransitionError> {
    use Status::*;
    let s = state;
    match input {
        Input::SystemMessage => unchanged(s),
        Input::ContactMessage => match s.status {
            Bot if !policy.bot_enabled => to(
                s,
                ConversationState {
                    status: Queued,
                    owner: queue_of(&s, policy),
                },
                vec![Effect::HandedOff {
                    reason: HandoffReason::NoBot,
                }],
            ),
            Bot | Queued | Assigned => unchanged(s),
            Snoozed => to(s, back_to_owner(&s, policy), vec![Effect::Unsnoozed]),
            Resolved => {
                // A returning customer starts with the bot again when there is one.
                if policy.bot_enabled {
                    to(s, ConversationState::new_bot(), vec![Effect::Reopened])
                } else {
                    let next = ConversationState {
                        status: Queued,
                        owner: queue_of(&s, policy),
                    };
                    to(s, next, vec![Effect::Reopened])
                }
            }
        },
        Input::BotMessage => match s.status {
            Bot => unchanged(s),
            Queued if policy.bot_enabled && policy.bot_while_queued => unchanged(s),
            _ => Err(TransitionError::BotNotOwner),
        },
        Input::AgentMessage { internal: true, .. } => unchanged(s),
        Input::AgentMessage {
            agent,
            internal: false,
        } => {
            let claimed = ConversationState {
                status: Assigned,
                owner: Owner::Agent(agent),
            };
            match (s.status, s.owner) {
                (Assigned, Owner::Agent(a)) if a == agent => unchanged(s),
                (Assigned, _) => Err(TransitionError::AssignedToOther),
                (Bot | Queued, _) => to(
                    s,
                    claimed,
                    vec![Effect::Assigned {
                        agent,
                        previous: None,
                    }],
                ),
                (Snoozed, Owner::Agent(a)) if a != agent => Err(TransitionError::AssignedToOther),
                (Snoozed, owner) => {
                    let mut e = vec![Effect::Unsnoozed];
                    if owner != Owner::Agent(agent) {
                        e.push(Effect::Assigned {
                            agent,
                            previous: None,
                        });
                    }
                    to(s, claimed, e)
                }
                (Resolved, owner) => {
                    let mut e = vec![Effect::Reopened];
                    if owner != Owner::Agent(agent) {
                        e.push(Effect::Assigned {
                            agent,
                            previous: s.assignee(),
                        });
                    }
                    to(s, claimed, e)
                }
            }
        }
        Input::HandOff { reason } => match s.status {
            Bot => to(
                s,
                ConversationState {
                    status: Queued,
                    owner: queue_of(&s, policy),
                },
                vec![Effect::HandedOff { reason }],
            ),
            // Already with humans: asking again changes nothing (no loops).
            Queued | Assigned | Snoozed => unchanged(s),
            Resolved => Err(TransitionError::Resolved),
        },
        Input::Assign { agent } => match s.status {
            Resolved => Err(TransitionError::Resolved),
            _ if s.owner == Owner::Agent(agent) => unchanged(s),
            Snoozed => to(
                s,
                ConversationState {
                    status: Snoozed,
                    owner: Owner::Agent(agent),
                },
                vec![Effect::Assigned {
                    agent,
                    previous: s.assignee(),
                }],
            ),
            Bot | Queued | Assigned => to(
                s,
                ConversationState {
                    status: Assigned,
                    owner: Owner::Agent(agent),
                },
                vec![Effect::Assigned {
                    agent,
                    previous: s.assignee(),
                }],
            ),
        },
        Input::Unassign => match (s.status, s.owner) {
            (Assigned, Owner::Agent(previous)) => to(
                s,
                ConversationState {
                    status: Queued,
                    owner: queue_of(&s, policy),
                },
                vec![Effect::Unassigned { previous }],
            ),
            (Snoozed, Owner::Agent(previous)) => to(
                s,
                ConversationState {
                    status: Snoozed,
                    owner: queue_of(&s, policy),
                },
                vec![Effect::Unassigned { previous }],
            ),
            (Resolved, _) => Err(TransitionError::Resolved),
            _ => unchanged(s),
        },
        Input::Transfer { to: target } => {
            if s.status == Resolved {
                return Err(TransitionError::Resolved);
            }
            let next = match target {
                TransferTarget::Agent(a) => ConversationState {
                    status: Assigned,
                    owner: Owner::Agent(a),
                },
                TransferTarget::Team(t) => ConversationState {
                    status: Queued,
                    owner: Owner::Queue(Some(t)),
                },
            };
            if next == s {
                return unchanged(s);
            }
            let mut effects = vec![Effect::Transferred {
                from: s.owner,
                to: target,
            }];
            match target {
                TransferTarget::Agent(agent) => effects.push(Effect::Assigned {
                    agent,
                    previous: s.assignee(),
                }),
                TransferTarget::Team(_) => {
                    if let Some(previous) = s.assignee() {
                        effects.push(Effect::Unassigned { previous });
                    }
                }
            }
            to(s, next, effects)
        }
        Input::Resolve => match s.status {
            Resolved => Err(TransitionError::Resolved),
            _ => {
                // A bot-resolved conversation keeps no bot owner once closed.
                let owner = if s.owner == Owner::Bot {
                    queue_of(&s, policy)
                } else {
                    s.owner
                };
                to(
                    s,
                    ConversationState {
                        status: Resolved,
                        owner,
                    },
                    vec![Effect::Resolved],
                )
            }
        },
        Input::Abandon => match s.status {
            Queued => to(
                s,
                ConversationState {
                    status: Resolved,
                    owner: s.owner,
                },
                vec![Effect::Abandoned, Effect::Resolved],
            ),
            _ => Err(invalid(&input, s.status)),
        },
        Input::Reopen => match s.status {
            Resolved => to(s, back_to_owner(&s, policy), vec![Effect::Reopened]),
            _ => Err(TransitionError::NotResolved),
        },
        Input::Snooze { until } => match s.status {
            Queued | Assigned | Snoozed => to(
                s,
                ConversationState {
                    status: Snoozed,
                    owner: s.owner,
                },
                vec![Effect::Snoozed { until }],
            ),
            Bot | Resolved => Err(invalid(&input, s.status)),
        },
        Input::Unsnooze => match s.status {
            Snoozed => to(s, back_to_owner(&s, policy), vec![Effect::Unsnoozed]),
            // The timer may fire after the customer already woke it: nothing to do.
            _ => unchanged(s),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }
    fn team(n: u128) -> TeamId {
        TeamId(uuid::Uuid::from_u128(n))
    }
    const A: u128 = 1;
    const B: u128 = 2;

    fn policies() -> Vec<Policy> {
        vec![
            Policy {
                bot_enabled: true,
                default_team: None,
                bot_while_queued: false,
            },
            Policy {
                bot_enabled: false,
                default_team: Some(team(9)),
                bot_while_queued: false,
            },
        ]
    }

    /// Every reachable-looking state: each status with each kind of owner.
    fn states() -> Vec<ConversationState> {
        let owners = [
            Owner::Bot,
            Owner::Queue(None),
            Owner::Queue(Some(team(7))),
            Owner::Agent(agent(A)),
            Owner::Agent(agent(B)),
        ];
        let mut v = vec![ConversationState::new_bot()];
        for o in &owners[1..3] {
            v.push(ConversationState {
                status: Status::Queued,
                owner: *o,
            });
        }
        for status in [Status::Snoozed, Status::Resolved] {
            for o in &owners[1..] {
                v.push(ConversationState { status, owner: *o });
            }
        }
        v.push(ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(agent(A)),
        });
        v.push(ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(agent(B)),
        });
        v
    }

    fn inputs() -> Vec<Input> {
        vec![
            Input::ContactMessage,
            Input::BotMessage,
            Input::AgentMessage {
                agent: agent(A),
                internal: false,
            },
            Input::AgentMessage {
                agent: agent(A),
                internal: true,
            },
            Input::SystemMessage,
            Input::HandOff {
                reason: HandoffReason::Requested,
            },
            Input::Assign { agent: agent(A) },
            Input::Unassign,
            Input::Transfer {
                to: TransferTarget::Agent(agent(B)),
            },
            Input::Transfer {
                to: TransferTarget::Team(team(7)),
            },
            Input::Resolve,
            Input::Abandon,
            Input::Reopen,
            Input::Snooze {
                until: Some(Timestamp(5)),
            },
            Input::Snooze { until: None },
            Input::Unsnooze,
        ]
    }

    /// Invariants that hold for every (state, input, policy) combination.
    #[test]
    fn exhaustive_invariants() {
        let mut checked = 0;
        for p in policies() {
            for s in states() {
                for i in inputs() {
                    checked += 1;
                    let Ok(t) = transition(s, i, &p) else {
                        continue;
                    };
                    let n = t.state;
                    // Status and owner agree.
                    assert_eq!(
                        n.status == Status::Bot,
                        n.owner == Owner::Bot,
                        "{s:?} {i:?} -> {n:?}"
                    );
                    if n.status == Status::Assigned {
                        assert!(matches!(n.owner, Owner::Agent(_)), "{s:?} {i:?} -> {n:?}");
                    }
                    if n.status == Status::Queued {
                        assert!(matches!(n.owner, Owner::Queue(_)), "{s:?} {i:?} -> {n:?}");
                    }
                    // A status change is always recorded, exactly once, first.
                    let changes: Vec<_> = t
                        .effects
                        .iter()
                        .filter(|e| matches!(e, Effect::StatusChanged { .. }))
                        .collect();
                    if s.status != n.status {
                        assert_eq!(
                            changes,
                            vec![&Effect::StatusChanged {
                                from: s.status,
                                to: n.status
                            }]
                        );
                        assert_eq!(
                            t.effects[0],
                            Effect::StatusChanged {
                                from: s.status,
                                to: n.status
                            }
                        );
                    } else {
                        assert!(changes.is_empty());
                    }
                    // An owner change to an agent is always recorded as an assignment.
                    if let Owner::Agent(a) = n.owner
                        && s.owner != n.owner
                    {
                        assert!(
                            t.effects.iter().any(
                                |e| matches!(e, Effect::Assigned { agent, .. } if *agent == a)
                            ),
                            "{s:?} {i:?}"
                        );
                    }
                    // Leaving resolved is always a reopen.
                    if s.status == Status::Resolved && n.status != Status::Resolved {
                        assert!(t.effects.contains(&Effect::Reopened));
                    }
                    // Nothing happens twice: no effect recorded twice.
                    for (k, e) in t.effects.iter().enumerate() {
                        assert!(
                            !t.effects[k + 1..].contains(e),
                            "{s:?} {i:?} duplicates {e:?}"
                        );
                    }
                }
            }
        }
        assert_eq!(checked, 2 * states().len() * inputs().len());
    }

    #[test]
    fn only_the_owner_speaks() {
        for p in policies() {
            for s in states() {
                let bot = transition(s, Input::BotMessage, &p);
                assert_eq!(bot.is_ok(), s.status == Status::Bot, "bot in {s:?}");
                let reply = transition(
                    s,
                    Input::AgentMessage {
                        agent: agent(A),
                        internal: false,
                    },
                    &p,
                );
                let other_owns = matches!(s.owner, Owner::Agent(x) if x != agent(A))
                    && matches!(s.status, Status::Assigned | Status::Snoozed);
                assert_eq!(reply.is_err(), other_owns, "agent A replying in {s:?}");
                if let Ok(t) = reply {
                    assert_eq!(
                        t.state,
                        ConversationState {
                            status: Status::Assigned,
                            owner: Owner::Agent(agent(A))
                        }
                    );
                }
                // Notes and system messages never change anything and never fail.
                for i in [
                    Input::SystemMessage,
                    Input::AgentMessage {
                        agent: agent(B),
                        internal: true,
                    },
                ] {
                    assert_eq!(
                        transition(s, i, &p).unwrap(),
                        Transition {
                            state: s,
                            effects: vec![]
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn the_main_path() {
        let p = Policy {
            bot_enabled: true,
            default_team: Some(team(3)),
            bot_while_queued: false,
        };
        let s = ConversationState::new_bot();
        let t = transition(
            s,
            Input::HandOff {
                reason: HandoffReason::LowConfidence,
            },
            &p,
        )
        .unwrap();
        assert_eq!(
            t.state,
            ConversationState {
                status: Status::Queued,
                owner: Owner::Queue(Some(team(3)))
            }
        );
        assert_eq!(
            t.effects,
            vec![
                Effect::StatusChanged {
                    from: Status::Bot,
                    to: Status::Queued
                },
                Effect::HandedOff {
                    reason: HandoffReason::LowConfidence
                }
            ]
        );
        let t = transition(
            t.state,
            Input::AgentMessage {
                agent: agent(A),
                internal: false,
            },
            &p,
        )
        .unwrap();
        assert_eq!(t.state.status, Status::Assigned);
        let t = transition(t.state, Input::Resolve, &p).unwrap();
        assert_eq!(
            t.state,
            ConversationState {
                status: Status::Resolved,
                owner: Owner::Agent(agent(A))
            }
        );
        // The customer comes back: reopened, to the bot first.
        let t = transition(t.state, Input::ContactMessage, &p).unwrap();
        assert_eq!(t.state, ConversationState::new_bot());
        assert_eq!(t.effects[1], Effect::Reopened);
    }

    #[test]
    fn no_bot_goes_straight_to_the_queue() {
        let p = Policy {
            bot_enabled: false,
            default_team: Some(team(4)),
            bot_while_queued: false,
        };
        let t = transition(ConversationState::new_bot(), Input::ContactMessage, &p).unwrap();
        assert_eq!(
            t.state,
            ConversationState {
                status: Status::Queued,
                owner: Owner::Queue(Some(team(4)))
            }
        );
        assert!(t.effects.contains(&Effect::HandedOff {
            reason: HandoffReason::NoBot
        }));
    }

    #[test]
    fn claims_do_not_steal() {
        let p = policies()[0];
        let owned_by_b = ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(agent(B)),
        };
        assert_eq!(
            transition(
                owned_by_b,
                Input::AgentMessage {
                    agent: agent(A),
                    internal: false
                },
                &p
            ),
            Err(TransitionError::AssignedToOther)
        );
        // An explicit assignment (supervisor) may move it.
        let t = transition(owned_by_b, Input::Assign { agent: agent(A) }, &p).unwrap();
        assert_eq!(
            t.effects,
            vec![Effect::Assigned {
                agent: agent(A),
                previous: Some(agent(B))
            }]
        );
    }

    #[test]
    fn snooze_and_wake() {
        let p = policies()[0];
        let s = ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(agent(A)),
        };
        let t = transition(
            s,
            Input::Snooze {
                until: Some(Timestamp(100)),
            },
            &p,
        )
        .unwrap();
        assert_eq!(t.state.status, Status::Snoozed);
        // The customer writes: back to the same agent.
        let woke = transition(t.state, Input::ContactMessage, &p).unwrap();
        assert_eq!(woke.state, s);
        // The timer fires afterwards: nothing happens.
        assert!(
            transition(woke.state, Input::Unsnooze, &p)
                .unwrap()
                .effects
                .is_empty()
        );
        assert!(
            transition(
                ConversationState::new_bot(),
                Input::Snooze { until: None },
                &p
            )
            .is_err()
        );
    }

    #[test]
    fn transfer_keeps_a_record() {
        let p = policies()[0];
        let s = ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(agent(A)),
        };
        let t = transition(
            s,
            Input::Transfer {
                to: TransferTarget::Team(team(7)),
            },
            &p,
        )
        .unwrap();
        assert_eq!(
            t.state,
            ConversationState {
                status: Status::Queued,
                owner: Owner::Queue(Some(team(7)))
            }
        );
        assert!(
            t.effects
                .contains(&Effect::Unassigned { previous: agent(A) })
        );
        assert!(t.effects.contains(&Effect::Transferred {
            from: Owner::Agent(agent(A)),
            to: TransferTarget::Team(team(7))
        }));
        let resolved = ConversationState {
            status: Status::Resolved,
            owner: Owner::Agent(agent(A)),
        };
        assert_eq!(
            transition(
                resolved,
                Input::Transfer {
                    to: TransferTarget::Agent(agent(B))
                },
                &p
            ),
            Err(TransitionError::Resolved)
        );
    }

    #[test]
    fn the_bot_speaks_in_the_queue_only_when_the_inbox_allows() {
        let q = ConversationState {
            status: Status::Queued,
            owner: Owner::Queue(None),
        };
        let mut p = policies()[0];
        assert_eq!(
            transition(q, Input::BotMessage, &p),
            Err(TransitionError::BotNotOwner)
        );
        p.bot_while_queued = true;
        assert_eq!(transition(q, Input::BotMessage, &p).unwrap().state, q);
        // Never once an agent has it, nor without a bot at all.
        let a = ConversationState {
            status: Status::Assigned,
            owner: Owner::Agent(agent(A)),
        };
        assert!(transition(a, Input::BotMessage, &p).is_err());
        p.bot_enabled = false;
        assert!(transition(q, Input::BotMessage, &p).is_err());
    }

    #[test]
    fn only_a_waiting_customer_can_abandon() {
        let p = policies()[1];
        let q = ConversationState {
            status: Status::Queued,
            owner: Owner::Queue(Some(team(7))),
        };
        let t = transition(q, Input::Abandon, &p).unwrap();
        assert_eq!(t.state.status, Status::Resolved);
        assert_eq!(t.state.owner, q.owner);
        assert!(t.effects.contains(&Effect::Abandoned) && t.effects.contains(&Effect::Resolved));
        for s in states().into_iter().filter(|s| s.status != Status::Queued) {
            assert!(
                matches!(
                    transition(s, Input::Abandon, &p),
                    Err(TransitionError::Invalid { .. })
                ),
                "{s:?}"
            );
        }
    }

    #[test]
    fn reopen_and_resolve_are_checked() {
        let p = policies()[1];
        let q = ConversationState {
            status: Status::Queued,
            owner: Owner::Queue(None),
        };
        assert_eq!(
            transition(q, Input::Reopen, &p),
            Err(TransitionError::NotResolved)
        );
        let r = transition(q, Input::Resolve, &p).unwrap().state;
        assert_eq!(
            transition(r, Input::Resolve, &p),
            Err(TransitionError::Resolved)
        );
        let back = transition(r, Input::Reopen, &p).unwrap();
        assert_eq!(
            back.state,
            ConversationState {
                status: Status::Queued,
                owner: Owner::Queue(Some(team(9)))
            }
        );
    }
}
