//! Uploading a file: read the multipart body under the size limit, learn
//! the type from the bytes, hash it, store it (and an image's preview) in the
//! blob store, then record it. The widget's upload shares all of this.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use kefu_core::model::Attachment;
use kefu_core::{AccountId, AttachmentId, ConversationId};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::signing::AttachmentView;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::media::{self, MediaError};
use crate::routes::conversations::shared::visible_conversation;

/// The multipart form (for the API description).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file. Its type is detected from the content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Attach to this conversation right away.
    #[schema(value_type = Option<String>, format = Uuid)]
    conversation_id: Option<String>,
}

/// What the form carried.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub conversation_id: Option<String>,
}

pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("files can be at most {limit} bytes"),
    )
}

fn unsupported(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file_type",
        format!("files of this type are not accepted{detail}"),
    )
}

fn bad_form(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_multipart", format!("unreadable form: {e}"))
}

/// Reads the form, keeping at most `limit` bytes of file. Past the limit the
/// rest of the body is read and thrown away (up to as much again), so the
/// client gets a clean 413 instead of a reset connection mid-upload.
pub async fn read_upload(
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
    limit: usize,
) -> ApiResult<Upload> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > 2 * limit as u64 + 64 * 1024) {
        return Err(too_large(limit));
    }
    let mut multipart = multipart.map_err(|e| match e {
        MultipartRejection::InvalidBoundary(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as multipart/form-data",
        ),
        other => bad_form(other.body_text()),
    })?;
    let drain_budget = 2 * limit + 64 * 1024;
    let mut read_total = 0usize;
    let mut overflow = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut conversation_id = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let keep = match name.as_str() {
            "file" if file.is_none() => limit,
            "conversation_id" => 64,
            _ => 0,
        };
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
            read_total += chunk.len();
            if read_total > drain_budget {
                return Err(too_large(limit));
            }
            if overflow {
                continue;
            }
            if buf.len() + chunk.len() > keep {
                if name == "file" {
                    overflow = true;
                    buf = Vec::new();
                }
                continue;
            }
            buf.extend_from_slice(&chunk);
        }
        if overflow {
            continue;
        }
        match name.as_str() {
            "file" if file.is_none() => {
                file = Some((
                    media::clean_file_name(file_name.as_deref().unwrap_or("")),
                    buf,
                ));
            }
            "conversation_id" => {
                let s = String::from_utf8(buf).map_err(|_| bad_form("conversation_id"))?;
                conversation_id = Some(s.trim().to_string()).filter(|s| !s.is_empty());
            }
            _ => {}
        }
    }
    if overflow {
        return Err(too_large(limit));
    }
    let Some((file_name, bytes)) = file else {
        return Err(ApiError::validation("the form needs a `file` field"));
    };
    Ok(Upload {
        file_name,
        bytes,
        conversation_id,
    })
}

/// Sniffs, previews, stores and records an upload.
pub async fn store_upload(
    state: &AppState,
    account: AccountId,
    conversation: Option<ConversationId>,
    upload: Upload,
) -> ApiResult<Attachment> {
    let sniffed = media::sniff(&upload.bytes).map_err(|_| unsupported(""))?;
    let bytes = upload.bytes;
    // Hashing and decoding are CPU work: off the async workers.
    let (bytes, sha256, thumb) = tokio::task::spawn_blocking(move || {
        let sha = hex::encode(Sha256::digest(&bytes));
        let thumb = sniffed.is_image.then(|| media::thumbnail(&bytes));
        (bytes, sha, thumb)
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let thumb = match thumb.transpose() {
        Ok(t) => t,
        Err(MediaError::ImageTooLarge) => {
            return Err(ApiError::validation(format!(
                "images can be at most {0} x {0} pixels",
                media::MAX_IMAGE_SIDE
            )));
        }
        Err(MediaError::BadImage(_) | MediaError::Unsupported) => {
            return Err(unsupported(": the image could not be read"));
        }
    };
    let id = AttachmentId::new();
    // The hash prefix spreads keys over the blob store's shards; the id
    // keeps them unique even for identical files.
    let storage_key = format!("{}-{}", &sha256[..16], id.0.simple());
    let blob_err = |e: crate::blob::BlobError| {
        tracing::error!(error = %e, "blob store write failed");
        ApiError::internal()
    };
    state
        .blobs
        .put(&storage_key, &bytes)
        .await
        .map_err(blob_err)?;
    let mut thumbnail_key = None;
    if let Some(t) = &thumb {
        let ext = if t.content_type == "image/png" {
            "png"
        } else {
            "jpg"
        };
        let key = format!("{storage_key}-thumb.{ext}");
        if let Err(e) = state.blobs.put(&key, &t.bytes).await {
            let _ = state.blobs.delete(&storage_key).await;
            return Err(blob_err(e));
        }
        thumbnail_key = Some(key);
    }
    let attachment = Attachment {
        id,
        account_id: account,
        conversation_id: conversation,
        file_name: upload.file_name,
        content_type: sniffed.content_type.to_string(),
        size: bytes.len() as i64,
        sha256,
        storage_key,
        thumbnail_key,
        width: thumb.as_ref().map(|t| t.width as i32),
        height: thumb.as_ref().map(|t| t.height as i32),
        created_at: state.clock.now(),
    };
    if let Err(e) = state.store.create_attachment(&attachment).await {
        let _ = state.blobs.delete(&attachment.storage_key).await;
        if let Some(k) = &attachment.thumbnail_key {
            let _ = state.blobs.delete(k).await;
        }
        return Err(e.into());
    }
    Ok(attachment)
}

/// Upload a file
///
/// Multipart form with a `file` field and, optionally, the `conversation_id`
/// to attach it to. Send it in a message as
/// `{"type": "attachment", "attachment_id": "…"}`.
#[utoipa::path(
    post,
    path = "/api/v1/attachments",
    tag = super::TAG,
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 413, description = "Larger than the upload limit", body = ErrorBody),
        (status = 415, description = "`unsupported_file_type`: the content is not an accepted type", body = ErrorBody),
        (status = 422, description = "Missing file, or an image too large to process", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn upload_attachment(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let upload = read_upload(&headers, multipart, state.config.max_upload_bytes).await?;
    let conversation = match upload.conversation_id.as_deref() {
        None => None,
        Some(s) => {
            let id = s
                .parse::<ConversationId>()
                .map_err(|_| ApiError::not_found("conversation"))?;
            Some(visible_conversation(&state, &agent, id).await?.id)
        }
    };
    let a = store_upload(&state, agent.account_id, conversation, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentView::new(&state.keys, &a, state.clock.now())),
    ))
}
