//! Teams: groups of members with skills. Inboxes hand conversations to a
//! team's queue. Everyone may look; admins change them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::{Member, Role, Team};
use kefu_core::{StoreError, TeamId, UserId, validate};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{self, AuthErrors, BodyErrors, NotFound};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team, delete_team))
        .routes(routes!(list_team_members))
        .routes(routes!(add_team_member, remove_team_member))
}

/// Teams of the account
#[utoipa::path(
    get,
    path = "/api/v1/teams",
    tag = "teams",
    responses((status = 200, description = "Every team, by name", body = Vec<Team>), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_teams(State(state): State<AppState>, agent: Agent) -> ApiResult<Json<Vec<Team>>> {
    Ok(Json(state.store.list_teams(agent.account_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateTeam {
    pub name: String,
    #[serde(default)]
    pub skills: Vec<String>,
}

/// Create a team (admins)
#[utoipa::path(
    post,
    path = "/api/v1/teams",
    tag = "teams",
    request_body = CreateTeam,
    responses((status = 201, description = "The new team", body = Team), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_team(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<CreateTeam>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    agent.require(Role::Admin)?;
    let team = Team {
        id: TeamId::new(),
        account_id: agent.account_id,
        name: validate::name("name", &req.name, 120)?,
        skills: common::skills(&req.skills)?,
        created_at: state.clock.now(),
    };
    state.store.create_team(&team).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("team.created")
            .target(team.id)
            .details(json!({"name": team.name, "skills": team.skills})),
    )
    .await;
    Ok((StatusCode::CREATED, Json(team)))
}

/// A team
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}",
    tag = "teams",
    params(("id" = TeamId, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = Team), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_team(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<TeamId>,
) -> ApiResult<Json<Team>> {
    Ok(Json(state.store.get_team(agent.account_id, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateTeam {
    pub name: Option<String>,
    pub skills: Option<Vec<String>>,
}

/// Rename a team or change its skills (admins)
#[utoipa::path(
    patch,
    path = "/api/v1/teams/{id}",
    tag = "teams",
    params(("id" = TeamId, Path, description = "Team id")),
    request_body = UpdateTeam,
    responses((status = 200, description = "The updated team", body = Team), AuthErrors, NotFound, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_team(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<TeamId>,
    ApiJson(req): ApiJson<UpdateTeam>,
) -> ApiResult<Json<Team>> {
    agent.require(Role::Admin)?;
    let before = state.store.get_team(agent.account_id, id).await?;
    let mut team = before.clone();
    if let Some(n) = &req.name {
        team.name = validate::name("name", n, 120)?;
    }
    if let Some(s) = &req.skills {
        team.skills = common::skills(s)?;
    }
    if team == before {
        return Ok(Json(team));
    }
    state.store.update_team(&team).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("team.updated").target(id).details(json!({
            "name": {"from": before.name, "to": team.name},
            "skills": {"from": before.skills, "to": team.skills},
        })),
    )
    .await;
    Ok(Json(team))
}

/// Delete a team (admins)
///
/// Inboxes that routed to it fall back to no default team; conversations
/// keep the team id as history.
#[utoipa::path(
    delete,
    path = "/api/v1/teams/{id}",
    tag = "teams",
    params(("id" = TeamId, Path, description = "Team id")),
    responses((status = 204, description = "Deleted"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn delete_team(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<TeamId>,
) -> ApiResult<StatusCode> {
    agent.require(Role::Admin)?;
    let team = state.store.get_team(agent.account_id, id).await?;
    state.store.delete_team(agent.account_id, id).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("team.deleted")
            .target(id)
            .details(json!({"name": team.name})),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Members of a team
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}/members",
    tag = "teams",
    params(("id" = TeamId, Path, description = "Team id")),
    responses((status = 200, description = "The team's members", body = Vec<Member>), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_team_members(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<TeamId>,
) -> ApiResult<Json<Vec<Member>>> {
    let ids = state.store.team_members(agent.account_id, id).await?;
    Ok(Json(
        common::members_with_ids(&state, agent.account_id, &ids).await?,
    ))
}

/// Add a member to a team (admins)
#[utoipa::path(
    put,
    path = "/api/v1/teams/{id}/members/{user_id}",
    tag = "teams",
    params(
        ("id" = TeamId, Path, description = "Team id"),
        ("user_id" = UserId, Path, description = "User id of a member of the account"),
    ),
    responses((status = 204, description = "The user is in the team"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn add_team_member(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, user)): ApiPath<(TeamId, UserId)>,
) -> ApiResult<StatusCode> {
    set_member(&state, &agent, ip, id, user, true).await
}

/// Take a member out of a team (admins)
#[utoipa::path(
    delete,
    path = "/api/v1/teams/{id}/members/{user_id}",
    tag = "teams",
    params(
        ("id" = TeamId, Path, description = "Team id"),
        ("user_id" = UserId, Path, description = "User id"),
    ),
    responses((status = 204, description = "The user is not in the team"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn remove_team_member(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, user)): ApiPath<(TeamId, UserId)>,
) -> ApiResult<StatusCode> {
    set_member(&state, &agent, ip, id, user, false).await
}

async fn set_member(
    state: &AppState,
    agent: &Agent,
    ip: ClientIp,
    team: TeamId,
    user: UserId,
    member: bool,
) -> ApiResult<StatusCode> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    state.store.get_team(account, team).await?;
    // Checked here rather than left to a foreign key, so a user of another
    // account is reported as "user not found" on both backends.
    match state.store.get_member(account, user).await {
        Ok(_) => {}
        Err(StoreError::NotFound(_)) => return Err(ApiError::not_found("user")),
        Err(e) => return Err(e.into()),
    }
    state
        .store
        .set_team_member(account, team, user, member)
        .await?;
    let action = if member {
        "team.member_added"
    } else {
        "team.member_removed"
    };
    audit::by_agent(
        state,
        agent,
        ip,
        Change::new(action)
            .target(team)
            .details(json!({"user_id": user})),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
