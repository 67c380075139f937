//! The visitor's typing indicator and read position.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kefu_core::model::Sender;
use kefu_core::store::ReadCursor;
use kefu_realtime::Ephemeral;
use serde::Deserialize;
use utoipa::ToSchema;

use super::visitor_inbox;
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::conversations::shared;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetTypingBody {
    pub typing: bool,
}

/// Visitor typing indicator
///
/// Shown live to agents; never stored. Ignored before the first message.
#[utoipa::path(
    post,
    path = "/api/v1/widget/typing",
    tag = super::TAG,
    request_body = WidgetTypingBody,
    responses(
        (status = 204, description = "Sent"),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn widget_typing(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WidgetTypingBody>,
) -> ApiResult<StatusCode> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    if let Some(conv) =
        shared::current_conversation(&state, inbox.account_id, inbox.id, claims.contact_id, false)
            .await?
    {
        state.hub.publish_ephemeral(Ephemeral::typing(
            inbox.account_id,
            conv.id,
            inbox.id,
            Sender::contact(claims.contact_id),
            body.typing,
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetReadBody {
    /// Sequence number of the last event the visitor has seen.
    pub seq: i64,
}

/// Visitor read position
#[utoipa::path(
    post,
    path = "/api/v1/widget/read",
    tag = super::TAG,
    request_body = WidgetReadBody,
    responses(
        (status = 200, description = "The read position", body = ReadCursor),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "No conversation yet", body = ErrorBody),
        (status = 422, description = "Invalid sequence number", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn widget_read(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WidgetReadBody>,
) -> ApiResult<Json<ReadCursor>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let conv =
        shared::current_conversation(&state, inbox.account_id, inbox.id, claims.contact_id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation"))?;
    if body.seq < 0 || body.seq > conv.last_seq {
        return Err(ApiError::validation(format!(
            "seq: between 0 and {}",
            conv.last_seq
        )));
    }
    Ok(Json(
        state
            .store
            .set_read_cursor(
                inbox.account_id,
                conv.id,
                Sender::contact(claims.contact_id),
                body.seq,
                state.clock.now(),
            )
            .await?,
    ))
}
