//! Inboxes: configured channel instances. Agents see the inboxes they work
//! in; admins configure them, manage who works there, rotate the identity
//! verification secret and issue inbox tokens for channel integrations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::{ApiToken, ChannelKind, Inbox, Member, Role, TokenKind};
use kefu_core::{CoreError, InboxId, StoreError, TeamId, TokenId, UserId, validate};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{self, AuthErrors, BodyErrors, NotFound};
use super::tokens::{CreateToken, CreatedToken, token_name};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::{Agent, secrets};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::docs::html_escape;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_inboxes, create_inbox))
        .routes(routes!(get_inbox, update_inbox))
        .routes(routes!(list_inbox_members))
        .routes(routes!(add_inbox_member, remove_inbox_member))
        .routes(routes!(rotate_secret))
        .routes(routes!(create_inbox_token))
}

/// An inbox as the API shows it. The identity-verification secret is never
/// part of it.
#[derive(Serialize, ToSchema)]
pub struct InboxView {
    #[serde(flatten)]
    pub inbox: Inbox,
    /// HTML to paste into a site to show the widget.
    pub embed_snippet: String,
}

impl InboxView {
    fn new(state: &AppState, inbox: Inbox) -> Self {
        let base = state.config.public_url.trim_end_matches('/');
        let embed_snippet = format!(
            "<script src=\"{}/sdk.js\" data-inbox=\"{}\" async></script>",
            html_escape(base),
            inbox.id
        );
        Self {
            inbox,
            embed_snippet,
        }
    }
}

/// Inboxes you can see
///
/// Supervisors and admins see every inbox; agents the ones they work in
/// (directly or through their team).
#[utoipa::path(
    get,
    path = "/api/v1/inboxes",
    tag = "inboxes",
    responses((status = 200, description = "Inboxes, by name", body = Vec<InboxView>), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_inboxes(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<Vec<InboxView>>> {
    let visibility = agent.visibility(&state).await?;
    let inboxes = state.store.list_inboxes(agent.account_id).await?;
    Ok(Json(
        inboxes
            .into_iter()
            .filter(|i| visibility.can_see_inbox(i.id))
            .map(|i| InboxView::new(&state, i))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateInbox {
    pub name: String,
    pub channel: ChannelKind,
    #[serde(default)]
    pub bot_enabled: bool,
    pub default_team_id: Option<TeamId>,
    /// Origins such as `https://shop.example.com` allowed to embed the widget
    /// (empty: any).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub require_identity: bool,
    /// Channel-specific settings (an object).
    #[schema(value_type = Option<Object>)]
    pub settings: Option<Value>,
}

/// Create an inbox (admins)
///
/// A fresh identity-verification secret is generated; rotate it to learn it.
#[utoipa::path(
    post,
    path = "/api/v1/inboxes",
    tag = "inboxes",
    request_body = CreateInbox,
    responses((status = 201, description = "The new inbox", body = InboxView), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_inbox(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<CreateInbox>,
) -> ApiResult<(StatusCode, Json<InboxView>)> {
    agent.require(Role::Admin)?;
    let now = state.clock.now();
    if let Some(team) = req.default_team_id {
        check_team(&state, &agent, team).await?;
    }
    let inbox = Inbox {
        id: InboxId::new(),
        account_id: agent.account_id,
        name: validate::name("name", &req.name, 120)?,
        channel: req.channel,
        bot_enabled: req.bot_enabled,
        default_team_id: req.default_team_id,
        allowed_origins: origins(&req.allowed_origins)?,
        require_identity: req.require_identity,
        settings: settings(req.settings)?,
        created_at: now,
        updated_at: now,
    };
    state
        .store
        .create_inbox(&inbox, &secrets::random_token(""))
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("inbox.created")
            .target(inbox.id)
            .details(json!({"name": inbox.name, "channel": inbox.channel})),
    )
    .await;
    Ok((StatusCode::CREATED, Json(InboxView::new(&state, inbox))))
}

/// An inbox
#[utoipa::path(
    get,
    path = "/api/v1/inboxes/{id}",
    tag = "inboxes",
    params(("id" = InboxId, Path, description = "Inbox id")),
    responses((status = 200, description = "The inbox", body = InboxView), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_inbox(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<InboxId>,
) -> ApiResult<Json<InboxView>> {
    let inbox = visible_inbox(&state, &agent, id).await?;
    Ok(Json(InboxView::new(&state, inbox)))
}

/// What to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
pub struct UpdateInbox {
    pub name: Option<String>,
    pub bot_enabled: Option<bool>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "common::nullable")]
    #[schema(value_type = Option<TeamId>)]
    pub default_team_id: Option<Option<TeamId>>,
    pub allowed_origins: Option<Vec<String>>,
    pub require_identity: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub settings: Option<Value>,
}

/// Configure an inbox (admins)
#[utoipa::path(
    patch,
    path = "/api/v1/inboxes/{id}",
    tag = "inboxes",
    params(("id" = InboxId, Path, description = "Inbox id")),
    request_body = UpdateInbox,
    responses((status = 200, description = "The updated inbox", body = InboxView), AuthErrors, NotFound, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_inbox(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<InboxId>,
    ApiJson(req): ApiJson<UpdateInbox>,
) -> ApiResult<Json<InboxView>> {
    agent.require(Role::Admin)?;
    let before = state.store.get_inbox(agent.account_id, id).await?;
    let mut inbox = before.clone();
    if let Some(n) = &req.name {
        inbox.name = validate::name("name", n, 120)?;
    }
    if let Some(b) = req.bot_enabled {
        inbox.bot_enabled = b;
    }
    if let Some(team) = req.default_team_id {
        if let Some(t) = team {
            check_team(&state, &agent, t).await?;
        }
        inbox.default_team_id = team;
    }
    if let Some(o) = &req.allowed_origins {
        inbox.allowed_origins = origins(o)?;
    }
    if let Some(r) = req.require_identity {
        inbox.require_identity = r;
    }
    if req.settings.is_some() {
        inbox.settings = settings(req.settings)?;
    }
    if inbox == before {
        return Ok(Json(InboxView::new(&state, inbox)));
    }
    inbox.updated_at = state.clock.now();
    state.store.update_inbox(&inbox).await?;
    state.inboxes.forget(inbox.id);
    // Record which settings changed; the values of `settings` may hold
    // channel credentials, so only its keys are named.
    let mut changed = serde_json::Map::new();
    if inbox.name != before.name {
        changed.insert(
            "name".into(),
            json!({"from": before.name, "to": inbox.name}),
        );
    }
    if inbox.bot_enabled != before.bot_enabled {
        changed.insert("bot_enabled".into(), json!(inbox.bot_enabled));
    }
    if inbox.default_team_id != before.default_team_id {
        changed.insert("default_team_id".into(), json!(inbox.default_team_id));
    }
    if inbox.allowed_origins != before.allowed_origins {
        changed.insert("allowed_origins".into(), json!(inbox.allowed_origins));
    }
    if inbox.require_identity != before.require_identity {
        changed.insert("require_identity".into(), json!(inbox.require_identity));
    }
    if inbox.settings != before.settings {
        let keys: Vec<&String> = inbox
            .settings
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        changed.insert("settings_keys".into(), json!(keys));
    }
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("inbox.updated")
            .target(id)
            .details(changed.into()),
    )
    .await;
    Ok(Json(InboxView::new(&state, inbox)))
}

/// Members who work in an inbox
#[utoipa::path(
    get,
    path = "/api/v1/inboxes/{id}/members",
    tag = "inboxes",
    params(("id" = InboxId, Path, description = "Inbox id")),
    responses((status = 200, description = "Direct members of the inbox", body = Vec<Member>), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_inbox_members(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<InboxId>,
) -> ApiResult<Json<Vec<Member>>> {
    visible_inbox(&state, &agent, id).await?;
    let ids = state.store.inbox_members(agent.account_id, id).await?;
    Ok(Json(
        common::members_with_ids(&state, agent.account_id, &ids).await?,
    ))
}

/// Let a member work in an inbox (admins)
#[utoipa::path(
    put,
    path = "/api/v1/inboxes/{id}/members/{user_id}",
    tag = "inboxes",
    params(
        ("id" = InboxId, Path, description = "Inbox id"),
        ("user_id" = UserId, Path, description = "User id of a member of the account"),
    ),
    responses((status = 204, description = "The user works in the inbox"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn add_inbox_member(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, user)): ApiPath<(InboxId, UserId)>,
) -> ApiResult<StatusCode> {
    set_member(&state, &agent, ip, id, user, true).await
}

/// Stop a member working in an inbox (admins)
#[utoipa::path(
    delete,
    path = "/api/v1/inboxes/{id}/members/{user_id}",
    tag = "inboxes",
    params(
        ("id" = InboxId, Path, description = "Inbox id"),
        ("user_id" = UserId, Path, description = "User id"),
    ),
    responses((status = 204, description = "The user no longer works in the inbox"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn remove_inbox_member(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, user)): ApiPath<(InboxId, UserId)>,
) -> ApiResult<StatusCode> {
    set_member(&state, &agent, ip, id, user, false).await
}

/// A new identity-verification secret, shown once.
#[derive(Serialize, ToSchema)]
pub struct InboxSecret {
    /// Sites sign a visitor's user id with HMAC-SHA256 under this secret.
    pub secret: String,
}

/// Rotate the identity-verification secret (admins)
///
/// The old secret stops working at once. The new one is returned only here;
/// store it on your server, never in a page.
#[utoipa::path(
    post,
    path = "/api/v1/inboxes/{id}/secret",
    tag = "inboxes",
    params(("id" = InboxId, Path, description = "Inbox id")),
    responses((status = 200, description = "The new secret", body = InboxSecret), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<InboxId>,
) -> ApiResult<Json<InboxSecret>> {
    agent.require(Role::Admin)?;
    let secret = secrets::random_token("");
    state
        .store
        .set_inbox_secret(agent.account_id, id, &secret)
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("inbox.secret_rotated").target(id),
    )
    .await;
    Ok(Json(InboxSecret { secret }))
}

/// Create an inbox token (admins)
///
/// A channel integration posts into this inbox with it
/// (`Authorization: Bearer kefu_inb_…`). The secret is returned only here.
#[utoipa::path(
    post,
    path = "/api/v1/inboxes/{id}/tokens",
    tag = "inboxes",
    params(("id" = InboxId, Path, description = "Inbox id")),
    request_body = CreateToken,
    responses((status = 201, description = "The token and its secret", body = CreatedToken), AuthErrors, NotFound, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_inbox_token(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<InboxId>,
    ApiJson(req): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    agent.require(Role::Admin)?;
    let name = token_name(&req.name)?;
    state.store.get_inbox(agent.account_id, id).await?;
    let secret = secrets::random_token("kefu_inb_");
    let token = ApiToken {
        id: TokenId::new(),
        account_id: agent.account_id,
        kind: TokenKind::Inbox,
        user_id: None,
        inbox_id: Some(id),
        name,
        prefix: secret.chars().take(13).collect(),
        created_at: state.clock.now(),
        last_used_at: None,
        revoked_at: None,
    };
    state
        .store
        .create_token(&token, &secrets::sha256_hex(&secret))
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("token.created")
            .target(token.id)
            .details(json!({
                "kind": token.kind,
                "name": token.name,
                "inbox_id": id,
            })),
    )
    .await;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// The inbox if the agent may see it; 404 otherwise, so an agent cannot
/// learn which inboxes exist outside their own.
async fn visible_inbox(state: &AppState, agent: &Agent, id: InboxId) -> ApiResult<Inbox> {
    let inbox = state.store.get_inbox(agent.account_id, id).await?;
    if agent.visibility(state).await?.can_see_inbox(id) {
        Ok(inbox)
    } else {
        Err(ApiError::not_found("inbox"))
    }
}

/// A team named in a body must be of this account; saying so as a
/// validation error keeps 404 for the path's own resource.
async fn check_team(state: &AppState, agent: &Agent, team: TeamId) -> ApiResult<()> {
    match state.store.get_team(agent.account_id, team).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => {
            Err(CoreError::invalid("default_team_id", "no such team").into())
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_member(
    state: &AppState,
    agent: &Agent,
    ip: ClientIp,
    inbox: InboxId,
    user: UserId,
    member: bool,
) -> ApiResult<StatusCode> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    state.store.get_inbox(account, inbox).await?;
    match state.store.get_member(account, user).await {
        Ok(_) => {}
        Err(StoreError::NotFound(_)) => return Err(ApiError::not_found("user")),
        Err(e) => return Err(e.into()),
    }
    state
        .store
        .set_inbox_member(account, inbox, user, member)
        .await?;
    let action = if member {
        "inbox.member_added"
    } else {
        "inbox.member_removed"
    };
    audit::by_agent(
        state,
        agent,
        ip,
        Change::new(action)
            .target(inbox)
            .details(json!({"user_id": user})),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Most origins one inbox may list.
const MAX_ORIGINS: usize = 50;

/// Allowed origins are exact browser origins: `scheme://host[:port]`, no
/// path, lower-cased, so they compare equal to the `Origin` header.
fn origins(list: &[String]) -> Result<Vec<String>, CoreError> {
    if list.len() > MAX_ORIGINS {
        return Err(CoreError::invalid(
            "allowed_origins",
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for o in list {
        let o = origin(o)?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

fn origin(s: &str) -> Result<String, CoreError> {
    let bad = || {
        CoreError::invalid(
            "allowed_origins",
            format!("not an origin: {s:?} (use https://host[:port])"),
        )
    };
    let t = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok {
        Ok(t)
    } else {
        Err(bad())
    }
}

fn settings(v: Option<Value>) -> Result<Value, CoreError> {
    match v {
        None => Ok(json!({})),
        Some(v @ Value::Object(_)) => {
            kefu_core::model::InboxBotSettings::from_settings(&v)?;
            kefu_core::model::InboxRoutingSettings::from_settings(&v)?;
            kefu_core::calendar::BusinessHours::from_settings(&v)?;
            match v.get("outside_hours_message") {
                None | Some(Value::Null) => {}
                Some(Value::String(m)) if m.chars().count() <= 1000 => {}
                Some(_) => {
                    return Err(CoreError::invalid(
                        "settings.outside_hours_message",
                        "a text of at most 1000 characters",
                    ));
                }
            }
            crate::routing::outside_hours::Action::from_settings(&v)?;
            kefu_core::model::check_csat_settings(&v)?;
            if let Some(sla) = v.get("sla").filter(|s| !s.is_null()) {
                kefu_core::calendar::SlaPolicy::from_json(sla)?;
            }
            Ok(v)
        }
        Some(_) => Err(CoreError::invalid("settings", "must be an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_checked() {
        assert_eq!(
            origin("https://Shop.Example.com/").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(
            origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        for bad in [
            "shop.example.com",
            "https://",
            "https://a.com/path",
            "https://a.com:99999",
            "https://a.com:0",
            "javascript:alert(1)",
            "https://a b.com",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
        assert_eq!(
            origins(&["https://a.com".into(), "https://A.com/".into()]).unwrap(),
            vec!["https://a.com".to_string()]
        );
    }

    #[test]
    fn settings_must_be_objects() {
        assert_eq!(settings(None).unwrap(), json!({}));
        assert!(settings(Some(json!([1]))).is_err());
        assert!(settings(Some(json!({"greeting": "hi"}))).is_ok());
        assert!(settings(Some(json!({"routing": {"policy": "skills"}}))).is_ok());
        assert!(settings(Some(json!({"routing": {"policy": "lottery"}}))).is_err());
        assert!(settings(Some(json!({"business_hours": {"time_zone": "Mars/Base"}}))).is_err());
    }
}
