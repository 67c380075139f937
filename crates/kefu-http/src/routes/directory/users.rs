//! Members of the account: list, add (a new user, or an existing one by
//! email), change role, capacity, skills and availability, remove.
//!
//! Users are global (one login across accounts); membership, role and
//! availability are per account. The handlers therefore change global user
//! fields (the name) only when that cannot reach into another account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::BTreeMap;

use kefu_core::model::{Availability, ChannelKind, Member, Role, TokenKind, User};
use kefu_core::{AccountId, CoreError, StoreError, UserId, validate};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{self, AuthErrors, BodyErrors, Conflict, NotFound};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::{Agent, password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, add_user))
        .routes(routes!(get_user, update_user, remove_user))
        .routes(routes!(set_my_availability))
}

/// Members of the account
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    responses((status = 200, description = "Every member, by name", body = Vec<Member>), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_users(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.store.list_members(agent.account_id).await?))
}

/// A new member. `password` is needed only when no user has this email yet;
/// an existing user keeps their name and password and just joins.
#[derive(Deserialize, ToSchema)]
pub struct AddUser {
    pub email: String,
    pub name: String,
    /// At least 8 characters. Required for a new user.
    pub password: Option<String>,
    pub role: Role,
    /// Concurrent conversations (default 5).
    pub capacity: Option<i32>,
    /// Skills with optional levels 1–5 (`billing:4`).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Most concurrent conversations per channel type (within `capacity`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub channel_capacity: BTreeMap<ChannelKind, i32>,
}

/// Add a member (admins)
///
/// Creates the user when the email is new; otherwise adds the existing user.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    request_body = AddUser,
    responses((status = 201, description = "The new member", body = Member), AuthErrors, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn add_user(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<AddUser>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    agent.require(Role::Admin)?;
    let email = validate::email(&req.email)?;
    let name = validate::name("name", &req.name, 120)?;
    let capacity = common::capacity(req.capacity.unwrap_or(5))?;
    let skills = common::member_skills(&req.skills)?;
    let channel_capacity = common::channel_capacity(&req.channel_capacity)?;
    let now = state.clock.now();

    let (user_id, created) = match state.store.find_user_by_email(&email).await? {
        Some((user, _hash)) => {
            if state
                .store
                .get_member(agent.account_id, user.id)
                .await
                .is_ok()
            {
                return Err(ApiError::conflict(
                    "already_member",
                    "this user is already a member of the account",
                ));
            }
            (user.id, false)
        }
        None => {
            let Some(pw) = req.password else {
                return Err(CoreError::invalid("password", "required for a new user").into());
            };
            validate::password(&pw)?;
            let user = User {
                id: UserId::new(),
                email: email.clone(),
                name,
                created_at: now,
            };
            let hash = password::hash(pw).await?;
            state.store.create_user(&user, &hash).await?;
            (user.id, true)
        }
    };
    state
        .store
        .upsert_member(&Member {
            account_id: agent.account_id,
            user_id,
            email,
            name: String::new(), // the store reads names from the user
            role: req.role,
            availability: Availability::Offline,
            capacity,
            skills,
            channel_capacity,
            last_assigned_at: None,
            created_at: now,
        })
        .await?;
    let member = state.store.get_member(agent.account_id, user_id).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("user.added").target(user_id).details(json!({
            "role": member.role,
            "new_user": created,
        })),
    )
    .await;
    Ok((StatusCode::CREATED, Json(member)))
}

/// A member
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = UserId, Path, description = "User id")),
    responses((status = 200, description = "The member", body = Member), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_user(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<Member>> {
    Ok(Json(member(&state, agent.account_id, id).await?))
}

/// What to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub capacity: Option<i32>,
    /// Skills with optional levels 1–5 (`billing:4`).
    pub skills: Option<Vec<String>>,
    /// Most concurrent conversations per channel type (within `capacity`).
    #[schema(value_type = Option<Object>)]
    pub channel_capacity: Option<BTreeMap<ChannelKind, i32>>,
    pub availability: Option<Availability>,
}

/// Change a member
///
/// Admins may change anyone's role, capacity, skills, name and availability;
/// every member may change their own name and availability. The last admin
/// cannot be demoted. A user who also belongs to other accounts can only be
/// renamed by themselves, since the name is shared between accounts.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = UserId, Path, description = "User id")),
    request_body = UpdateUser,
    responses((status = 200, description = "The updated member", body = Member), AuthErrors, NotFound, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_user(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<UpdateUser>,
) -> ApiResult<Json<Member>> {
    let account = agent.account_id;
    let own = id == agent.user_id;
    let admin_fields = req.role.is_some()
        || req.capacity.is_some()
        || req.skills.is_some()
        || req.channel_capacity.is_some();
    if admin_fields || !own {
        agent.require(Role::Admin)?;
    }
    let before = member(&state, account, id).await?;

    let mut after = before.clone();
    if let Some(role) = req.role {
        if before.role == Role::Admin && role != Role::Admin {
            ensure_another_admin(&state, account, id).await?;
        }
        after.role = role;
    }
    if let Some(c) = req.capacity {
        after.capacity = common::capacity(c)?;
    }
    if let Some(s) = &req.skills {
        after.skills = common::member_skills(s)?;
    }
    if let Some(cc) = &req.channel_capacity {
        after.channel_capacity = common::channel_capacity(cc)?;
    }
    let new_name = match &req.name {
        Some(n) => Some(validate::name("name", n, 120)?),
        None => None,
    }
    .filter(|n| *n != before.name);
    if new_name.is_some() && !own {
        // The name belongs to the user, not the membership: renaming someone
        // who also works in another account would reach into that account.
        let accounts = state.store.accounts_of(id).await?;
        if accounts.iter().any(|(a, _)| a.id != account) {
            return Err(ApiError::forbidden(
                "this user also belongs to other accounts; only they can change their name",
            ));
        }
    }

    if after.role != before.role
        || after.capacity != before.capacity
        || after.skills != before.skills
        || after.channel_capacity != before.channel_capacity
    {
        state.store.upsert_member(&after).await?;
    }
    if let Some(n) = &new_name {
        state.store.update_user_name(id, n).await?;
        state.names.forget(account, id);
    }
    if let Some(a) = req.availability
        && a != before.availability
    {
        state.store.set_availability(account, id, a).await?;
    }
    // Coming online, more capacity or new skills can serve the queue now.
    state.routing.kick(account);

    if after.role != before.role {
        audit::by_agent(
            &state,
            &agent,
            ip,
            Change::new("user.role_changed")
                .target(id)
                .details(json!({"from": before.role, "to": after.role})),
        )
        .await;
    }
    let mut changed = serde_json::Map::new();
    if after.capacity != before.capacity {
        changed.insert(
            "capacity".into(),
            json!({"from": before.capacity, "to": after.capacity}),
        );
    }
    if after.channel_capacity != before.channel_capacity {
        changed.insert(
            "channel_capacity".into(),
            json!({"from": before.channel_capacity, "to": after.channel_capacity}),
        );
    }
    if after.skills != before.skills {
        changed.insert(
            "skills".into(),
            json!({"from": before.skills, "to": after.skills}),
        );
    }
    if let Some(n) = &new_name
        && !own
    {
        changed.insert("name".into(), json!({"from": before.name, "to": n}));
    }
    if !changed.is_empty() {
        audit::by_agent(
            &state,
            &agent,
            ip,
            Change::new("user.updated")
                .target(id)
                .details(changed.into()),
        )
        .await;
    }
    Ok(Json(member(&state, account, id).await?))
}

/// Remove a member (admins)
///
/// Ends their sessions in this account and revokes their personal tokens
/// here. The last admin cannot be removed.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = UserId, Path, description = "User id")),
    responses((status = 204, description = "Removed"), AuthErrors, NotFound, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn remove_user(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    let m = member(&state, account, id).await?;
    if m.role == Role::Admin {
        ensure_another_admin(&state, account, id).await?;
    }
    // The store ends the sessions that work in this account with it.
    state.store.remove_member(account, id).await?;
    state.names.forget(account, id);
    // Tokens stop working once the membership is gone, but would come back
    // to life if the user were added again: revoke them for good.
    let now = state.clock.now();
    let mut revoked = 0;
    for t in state.store.list_tokens(account, Some(id)).await? {
        if t.kind == TokenKind::Personal && t.revoked_at.is_none() {
            state.store.revoke_token(account, t.id, now).await?;
            revoked += 1;
        }
    }
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("user.removed")
            .target(id)
            .details(json!({"role": m.role, "tokens_revoked": revoked})),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct SetAvailability {
    pub availability: Availability,
}

/// Set your own availability
///
/// Only `online` members receive routed conversations.
#[utoipa::path(
    put,
    path = "/api/v1/users/me/availability",
    tag = "users",
    request_body = SetAvailability,
    responses((status = 200, description = "You, as a member", body = Member), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn set_my_availability(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(req): ApiJson<SetAvailability>,
) -> ApiResult<Json<Member>> {
    state
        .store
        .set_availability(agent.account_id, agent.user_id, req.availability)
        .await?;
    state.routing.kick(agent.account_id);
    Ok(Json(member(&state, agent.account_id, agent.user_id).await?))
}

/// The member, or 404 under the name "user" (a member of another account
/// is indistinguishable from nobody).
async fn member(state: &AppState, account: AccountId, id: UserId) -> ApiResult<Member> {
    match state.store.get_member(account, id).await {
        Ok(m) => Ok(m),
        Err(StoreError::NotFound(_)) => Err(ApiError::not_found("user")),
        Err(e) => Err(e.into()),
    }
}

/// Refuses a change that would leave the account without an admin.
///
/// Two admins demoting each other at the same moment can still both pass
/// this check: the store port has no conditional update for memberships yet.
async fn ensure_another_admin(
    state: &AppState,
    account: AccountId,
    leaving: UserId,
) -> ApiResult<()> {
    let others = state
        .store
        .list_members(account)
        .await?
        .iter()
        .filter(|m| m.role == Role::Admin && m.user_id != leaving)
        .count();
    if others == 0 {
        return Err(ApiError::conflict(
            "last_admin",
            "the account needs at least one admin",
        ));
    }
    Ok(())
}
