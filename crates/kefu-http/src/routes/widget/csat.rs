//! The visitor's answer to a satisfaction survey (a `csat_request` message,
//! sent when an agent resolves the conversation).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kefu_core::model::{CsatResponse, MessageContent};
use kefu_core::{CsatId, MessageId, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::visitor_inbox;
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::conversations::shared;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetCsatBody {
    /// 1 (worst) to 5 (best).
    pub rating: i16,
    /// Up to 1000 characters.
    pub comment: Option<String>,
    /// The `csat_request` message answered; default: the latest one of the
    /// visitor's conversation.
    pub message_id: Option<MessageId>,
}

/// A rating as its customer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetRating {
    pub request_message_id: MessageId,
    pub rating: i16,
    pub comment: Option<String>,
}

impl From<&CsatResponse> for WidgetRating {
    fn from(r: &CsatResponse) -> Self {
        Self {
            request_message_id: r.request_message_id,
            rating: r.rating,
            comment: r.comment.clone(),
        }
    }
}

/// Rate the conversation
///
/// One answer per request: a second one is refused with 409
/// `already_rated` (a rating agents have seen never changes under them).
#[utoipa::path(
    post,
    path = "/api/v1/widget/csat",
    tag = super::TAG,
    request_body = WidgetCsatBody,
    responses(
        (status = 201, description = "Stored", body = WidgetRating),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "No rating request in the visitor's conversation", body = ErrorBody),
        (status = 409, description = "`already_rated`", body = ErrorBody),
        (status = 422, description = "Rating not 1 to 5, or comment too long", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn widget_csat(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WidgetCsatBody>,
) -> ApiResult<(StatusCode, Json<WidgetRating>)> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let conv =
        shared::current_conversation(&state, inbox.account_id, inbox.id, claims.contact_id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation"))?;
    let request = match body.message_id {
        Some(id) => id,
        None => state
            .store
            .latest_messages(inbox.account_id, conv.id, 200, false)
            .await?
            .iter()
            .rev()
            .find(|m| matches!(m.content, MessageContent::CsatRequest { .. }))
            .map(|m| m.id)
            .ok_or_else(|| ApiError::not_found("csat request"))?,
    };
    let mut answer = CsatResponse {
        id: CsatId::new(),
        account_id: inbox.account_id,
        conversation_id: conv.id,
        contact_id: claims.contact_id,
        request_message_id: request,
        rating: body.rating,
        comment: body.comment,
        created_at: state.clock.now(),
    };
    answer.validate()?;
    let (stored, _) = state
        .store
        .rate_conversation(&answer)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                ApiError::conflict("already_rated", "this conversation has already been rated")
            }
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(WidgetRating::from(&stored))))
}
