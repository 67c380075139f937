//! Serves a file's bytes to whoever holds a valid signed link.
//!
//! User files are served so that a browser can never run them as part of
//! our origin: the detected type (never the uploader's), `nosniff`, a
//! sandboxing CSP, and `attachment` disposition for everything that is not
//! an image.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::{AccountId, AttachmentId};
use serde::Deserialize;
use utoipa::IntoParams;

use super::signing::{self, Variant};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};
use crate::media;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    #[param(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    /// Expiry, ms since the epoch.
    pub exp: i64,
    /// Signature over the link.
    pub sig: String,
    pub variant: Option<Variant>,
}

fn invalid_signature(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "invalid_signature", message)
}

/// Download an attachment
///
/// Use the links from the attachment's details; they expire.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}/content",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Attachment id"), ContentQuery),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 403, description = "`invalid_signature`: tampered or expired link", body = ErrorBody),
        (status = 404, description = "No preview for this file", body = ErrorBody),
    )
)]
pub async fn download_attachment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<AttachmentId>,
    ApiQuery(q): ApiQuery<ContentQuery>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    if q.exp <= now.millis() {
        return Err(invalid_signature(
            "this link has expired; ask for a new one",
        ));
    }
    let variant = q.variant.unwrap_or_default();
    // Whether the file exists is only told to holders of a valid signature.
    let a = state
        .store
        .get_attachment(q.account_id, id)
        .await
        .map_err(|_| invalid_signature("this link is not valid"))?;
    if !signing::verify(&state.keys, &a, variant, q.exp, &q.sig) {
        return Err(invalid_signature("this link is not valid"));
    }
    let (key, content_type) = match variant {
        Variant::Original => (a.storage_key.clone(), a.content_type.clone()),
        Variant::Thumbnail => {
            let Some(k) = a.thumbnail_key.clone() else {
                return Err(ApiError::not_found("thumbnail"));
            };
            let ct = if k.ends_with(".png") {
                "image/png"
            } else {
                "image/jpeg"
            };
            (k, ct.to_string())
        }
    };
    let bytes = state.blobs.get(&key).await.map_err(|e| match e {
        crate::blob::BlobError::NotFound => ApiError::not_found("attachment content"),
        other => {
            tracing::error!(error = %other, "blob store read failed");
            ApiError::internal()
        }
    })?;
    let is_image = content_type.starts_with("image/");
    let disposition =
        media::content_disposition(if is_image { "inline" } else { "attachment" }, &a.file_name);
    let max_age = ((q.exp - now.millis()) / 1000).max(0);
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    let value = |s: &str| {
        HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    h.insert(header::CONTENT_TYPE, value(&content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened directly, the file is a document of a unique origin with no
    // scripts, whatever it contains.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        value(&format!("private, max-age={max_age}")),
    );
    // Another site may show our images (widget in an iframe), but nothing
    // more: no embedding as a document.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    Ok(res)
}
