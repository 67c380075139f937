//! `GET /api/v1/queues`: live queue lengths, longest waits and agents' load.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Availability, ChannelKind, Priority, Role};
use kefu_core::{InboxId, TeamId, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::routing::snapshot::{self, QueueKey};

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueOverview {
    pub queues: Vec<QueueSummary>,
    pub agents: Vec<AgentLoad>,
    /// When this was read.
    pub at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueSummary {
    /// The team whose queue this is; `null` for an inbox without a team,
    /// whose conversations wait in the inbox's own queue (`inbox_id`).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub team_id: Option<TeamId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub inbox_id: Option<InboxId>,
    pub name: String,
    pub waiting: usize,
    /// How long the longest-waiting conversation has waited.
    pub longest_wait_ms: i64,
    /// Waiting conversations per priority.
    #[schema(value_type = Object)]
    pub by_priority: HashMap<Priority, usize>,
    /// Agents who may be offered this queue's conversations and are online.
    pub agents_online: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentLoad {
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    pub name: String,
    pub availability: Availability,
    pub capacity: i32,
    /// Open (assigned) conversations per channel.
    #[schema(value_type = Object)]
    pub open: HashMap<ChannelKind, u32>,
    pub open_total: u32,
}

/// The floor, live
///
/// For supervisors: queues with their lengths and longest waits, agents
/// with their status and load. Poll it, or follow the account's socket for
/// the changes.
#[utoipa::path(
    get,
    path = "/api/v1/queues",
    tag = super::TAG,
    responses(
        (status = 200, description = "Queues and agents", body = QueueOverview),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Needs the supervisor role", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn queue_overview(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<QueueOverview>> {
    agent.require(Role::Supervisor)?;
    let now = state.clock.now();
    let roster = state.store.routing_roster(agent.account_id).await?;
    let snap = snapshot::load_with_roster(&*state.store, agent.account_id, &roster).await?;
    let teams: HashMap<TeamId, String> = state
        .store
        .list_teams(agent.account_id)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut queues: Vec<QueueSummary> = Vec::new();
    for g in &snap.groups {
        let at = match queues.iter().position(|q| match g.key {
            QueueKey::Team(t) => q.team_id == Some(t),
            QueueKey::Inbox(i) => q.team_id.is_none() && q.inbox_id == Some(i),
        }) {
            Some(at) => at,
            None => {
                let (team_id, inbox_id, name) = match g.key {
                    QueueKey::Team(t) => {
                        (Some(t), None, teams.get(&t).cloned().unwrap_or_default())
                    }
                    QueueKey::Inbox(i) => (None, Some(i), g.inbox.name.clone()),
                };
                queues.push(QueueSummary {
                    team_id,
                    inbox_id,
                    name,
                    waiting: 0,
                    longest_wait_ms: 0,
                    by_priority: HashMap::new(),
                    agents_online: 0,
                });
                queues.len() - 1
            }
        };
        let q = &mut queues[at];
        for w in g.queue.iter() {
            q.waiting += 1;
            q.longest_wait_ms = q.longest_wait_ms.max(w.waited_ms(now));
            *q.by_priority.entry(w.priority).or_default() += 1;
        }
        q.agents_online = q.agents_online.max(
            snap.agents
                .iter()
                .filter(|a| a.availability == Availability::Online && g.eligible.contains(&a.id))
                .count(),
        );
    }
    queues.sort_by_key(|q| std::cmp::Reverse(q.longest_wait_ms));
    let agents = roster
        .into_iter()
        .filter(|r| r.member.capacity > 0 || !r.open.is_empty())
        .map(|r| {
            let open: HashMap<ChannelKind, u32> = r
                .open
                .iter()
                .map(|(c, n)| (*c, u32::try_from(*n).unwrap_or(u32::MAX)))
                .collect();
            AgentLoad {
                user_id: r.member.user_id,
                name: r.member.name,
                availability: r.member.availability,
                capacity: r.member.capacity,
                open_total: open.values().sum(),
                open,
            }
        })
        .collect();
    Ok(Json(QueueOverview {
        queues,
        agents,
        at: now,
    }))
}
