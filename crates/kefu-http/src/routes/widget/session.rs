//! Starts (or resumes) a widget visitor's session.
//!
//! Identity: a site that knows its user passes `identifier` and
//! `identifier_hash` = hex HMAC-SHA256(inbox secret, identifier), computed on
//! its server. A good hash makes the visitor that verified contact (identity
//! kind `external`); a bad one is refused; an inbox that requires identity
//! refuses visitors without one. Anyone else is an anonymous visitor (kind
//! `visitor`), resumable with the token they were given.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kefu_core::model::{Contact, Identity, Inbox};
use kefu_core::{ContactId, InboxId, StoreError, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::contact::VisitorProfile;
use super::{ClientIp, WidgetConversation, check_origin, identity_required, rate_limit};
use crate::app::AppState;
use crate::auth::{VisitorClaims, secrets};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::conversations::shared::{self, IdentityKey};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub inbox_id: InboxId,
    /// A token from an earlier session, to carry on as the same visitor.
    pub visitor_token: Option<String>,
    /// The site's id for its signed-in user…
    pub identifier: Option<String>,
    /// …and hex HMAC-SHA256(inbox secret, identifier), computed by the site's server.
    pub identifier_hash: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetInbox {
    pub id: InboxId,
    pub name: String,
    /// Greeting, colours, pre-chat form and such.
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// Send as `Authorization: Bearer …` (and `?token=` on the socket).
    pub token: String,
    pub expires_at: Timestamp,
    pub contact_id: ContactId,
    /// Whether the site vouched for this visitor's identity.
    pub verified: bool,
    /// The visitor's open conversation, if any.
    pub conversation: Option<WidgetConversation>,
    /// What the visitor told about themselves (pre-chat form).
    pub contact: VisitorProfile,
    pub inbox: WidgetInbox,
}

fn invalid_identity() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_identity",
        "identifier_hash does not match identifier",
    )
}

/// Start a widget session
#[utoipa::path(
    post,
    path = "/api/v1/widget/sessions",
    tag = super::TAG,
    request_body = SessionRequest,
    responses(
        (status = 200, description = "A visitor token", body = SessionResponse),
        (status = 401, description = "`invalid_identity` (bad hash) or `identity_required`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "No such widget inbox", body = ErrorBody),
        (status = 422, description = "Invalid details", body = ErrorBody),
        (status = 429, description = "Too many sessions from this address", body = ErrorBody),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SessionRequest>,
) -> ApiResult<Json<SessionResponse>> {
    rate_limit(&state, ip)?;
    let inbox = match state.store.find_inbox(body.inbox_id).await {
        Ok(i) if i.channel == kefu_core::model::ChannelKind::WebWidget => i,
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(ApiError::not_found("inbox")),
        Err(e) => return Err(e.into()),
    };
    check_origin(&headers, &inbox)?;
    let details = shared::contact_details(body.name, body.email)?;
    let verified_id = match (body.identifier, body.identifier_hash) {
        (Some(id), Some(hash)) => {
            let id = shared::identifier(&id)?;
            let secret = state.store.inbox_secret(inbox.account_id, inbox.id).await?;
            if !secrets::verify_hmac_hex(secret.as_bytes(), id.as_bytes(), &hash) {
                return Err(invalid_identity());
            }
            Some(id)
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::validation(
                "identifier and identifier_hash go together",
            ));
        }
    };
    if verified_id.is_none() && inbox.require_identity {
        return Err(identity_required());
    }
    let now = state.clock.now();
    // A previous visitor of this inbox. A verified one is only resumed with
    // the identity again: a signed-out user's chats must not show to whoever
    // uses the browser next.
    let resumed = body
        .visitor_token
        .as_deref()
        .and_then(|t| VisitorClaims::verify(t, &state.keys.visitor, now))
        .filter(|c| c.account_id == inbox.account_id && c.inbox_id == inbox.id)
        .filter(|c| !c.verified || verified_id.is_some());
    let resumed = match resumed {
        Some(c) => match state
            .store
            .get_contact(inbox.account_id, c.contact_id)
            .await
        {
            // An erased contact is never resumed: the browser starts over as
            // a new visitor, and nothing links them to what was erased.
            Ok(contact) if contact.erased_at.is_some() => None,
            Ok(contact) => Some(contact),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let contact = match &verified_id {
        Some(id) => verified_contact(&state, &inbox, id, resumed, details).await?,
        None => match resumed {
            Some(c) => shared::fill_in(&state, c, details.0, details.1).await?,
            None => {
                let value = uuid::Uuid::now_v7().to_string();
                shared::contact_by_identity(
                    &state,
                    inbox.account_id,
                    inbox.id,
                    IdentityKey {
                        kind: "visitor",
                        value: &value,
                        verified: false,
                    },
                    details,
                )
                .await?
            }
        },
    };
    let expires_at = now.plus_millis(state.config.visitor_token_ttl_days.max(1) * 86_400_000);
    let claims = VisitorClaims {
        account_id: inbox.account_id,
        inbox_id: inbox.id,
        contact_id: contact.id,
        verified: verified_id.is_some(),
        expires_at,
    };
    let conversation =
        shared::current_conversation(&state, inbox.account_id, inbox.id, contact.id, true).await?;
    Ok(Json(SessionResponse {
        token: claims.sign(&state.keys.visitor),
        expires_at,
        contact_id: contact.id,
        verified: claims.verified,
        conversation: conversation.as_ref().map(WidgetConversation::from),
        contact: VisitorProfile::from(&contact),
        inbox: WidgetInbox {
            id: inbox.id,
            name: inbox.name.clone(),
            settings: inbox.settings.clone(),
        },
    }))
}

/// The contact with this verified identity. An anonymous visitor who signs
/// in on the site keeps their conversation: the identity is added to them,
/// unless another contact already has it (then that one wins).
async fn verified_contact(
    state: &AppState,
    inbox: &Inbox,
    identifier: &str,
    resumed: Option<Contact>,
    details: (Option<String>, Option<String>),
) -> ApiResult<Contact> {
    let key = IdentityKey {
        kind: "external",
        value: identifier,
        verified: true,
    };
    if let Some(c) = state
        .store
        .find_contact_by_identity(inbox.account_id, key.kind, key.value)
        .await?
    {
        return shared::fill_in(state, c, details.0, details.1).await;
    }
    if let Some(c) = resumed {
        let identity = Identity {
            account_id: inbox.account_id,
            contact_id: c.id,
            kind: key.kind.into(),
            value: key.value.into(),
            inbox_id: Some(inbox.id),
            verified: true,
            created_at: state.clock.now(),
        };
        match state.store.add_identity(&identity).await {
            Ok(()) => return shared::fill_in(state, c, details.0, details.1).await,
            // Someone else claimed it meanwhile: fall through to that contact.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    shared::contact_by_identity(state, inbox.account_id, inbox.id, key, details).await
}
