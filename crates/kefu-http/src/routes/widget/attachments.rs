//! Files from and for the visitor. An upload goes into the visitor's
//! conversation (started if need be), and the visitor can fetch links only
//! for files of their own conversations.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use kefu_core::AttachmentId;

use super::{ClientIp, rate_limit, visitor_inbox};
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiPath;
use crate::routes::attachments::signing::AttachmentView;
use crate::routes::attachments::upload::{UploadForm, read_upload, store_upload};
use crate::routes::conversations::shared;

/// Upload a file as the visitor
///
/// Multipart with a `file` field. The file joins the visitor's conversation;
/// then send `{"type": "attachment", "attachment_id": "…"}`.
#[utoipa::path(
    post,
    path = "/api/v1/widget/attachments",
    tag = super::TAG,
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentView),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 413, description = "Larger than the upload limit", body = ErrorBody),
        (status = 415, description = "`unsupported_file_type`", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn upload_widget_attachment(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    rate_limit(&state, ip)?;
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let upload = read_upload(&headers, multipart, state.config.max_upload_bytes).await?;
    let conv = match shared::current_conversation(
        &state,
        inbox.account_id,
        inbox.id,
        claims.contact_id,
        false,
    )
    .await?
    {
        Some(c) => c,
        None => shared::start_conversation(&state, &inbox, claims.contact_id).await?,
    };
    let a = store_upload(&state, inbox.account_id, Some(conv.id), upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentView::new(&state.keys, &a, state.clock.now())),
    ))
}

/// An attachment of the visitor's conversation
#[utoipa::path(
    get,
    path = "/api/v1/widget/attachments/{id}",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Attachment id")),
    responses(
        (status = 200, description = "The attachment with fresh links", body = AttachmentView),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 404, description = "Not a file of your conversations", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_widget_attachment(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<AttachmentId>,
) -> ApiResult<Json<AttachmentView>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let a = state.store.get_attachment(inbox.account_id, id).await?;
    let Some(conv_id) = a.conversation_id else {
        return Err(ApiError::not_found("attachment"));
    };
    let conv = state
        .store
        .get_conversation(inbox.account_id, conv_id)
        .await?;
    if conv.contact_id != claims.contact_id || conv.inbox_id != inbox.id {
        return Err(ApiError::not_found("attachment"));
    }
    // A file attached only to an internal note also passes this check; its
    // id appears in no message the visitor can read, and UUIDv7 ids are
    // mostly random bits, so it cannot be found by guessing.
    Ok(Json(AttachmentView::new(
        &state.keys,
        &a,
        state.clock.now(),
    )))
}
