//! Privacy requests (PIPL, GDPR) and the account's retention policy, for
//! admins: export everything about a contact as a ZIP of JSON files and
//! attachments; erase a contact (a durable job; the request and its
//! completion are audited); keep conversations only so long.

use std::io::{Seek, Write};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::model::{
    Contact, Conversation, CsatResponse, Identity, Message, RetentionPolicy, Role,
};
use kefu_core::{AccountId, ContactId};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{AuthErrors, BodyErrors, NotFound};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::privacy;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_contact))
        .routes(routes!(erase_contact))
        .routes(routes!(get_retention, put_retention))
}

/// The version of the export's layout, in `manifest.json`.
const EXPORT_FORMAT: u32 = 1;
/// Messages read per page while exporting.
const PAGE: u32 = 500;

#[derive(Serialize)]
struct ConversationExport {
    conversation: Conversation,
    /// Every message, internal notes included (marked `internal`): the
    /// admin decides what to hand over.
    messages: Vec<Message>,
    ratings: Vec<CsatResponse>,
}

#[derive(Serialize)]
struct ContactExport {
    contact: Contact,
    identities: Vec<Identity>,
}

/// Export a contact's data (admin)
///
/// A ZIP archive: `manifest.json`, `contact.json` (details and
/// identities), `conversations/{id}.json` (the conversation, every
/// message and rating) and `attachments/{id}-{file name}`. The export is
/// audited (`contact.exported`).
#[utoipa::path(
    get,
    path = "/api/v1/contacts/{id}/export",
    tag = "contacts",
    params(("id" = ContactId, Path, description = "Contact id")),
    responses(
        (status = 200, description = "The archive", content_type = "application/zip"),
        AuthErrors, NotFound
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn export_contact(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<ContactId>,
) -> ApiResult<Response> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    let contact = state.store.get_contact(account, id).await?;
    let identities = state.store.identities_of(account, id).await?;
    let conversations = privacy::conversations_of(&*state.store, account, id).await?;

    let file = tempfile::tempfile().map_err(io_error)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut counts = (0usize, 0usize);
    let mut attachments = Vec::new();
    for conv in &conversations {
        let messages = all_messages(&state, account, conv).await?;
        counts.1 += messages.len();
        for m in &messages {
            if let Some(a) = m.content.attachment_id() {
                attachments.push(a);
            }
        }
        let ratings = state.store.conversation_ratings(account, conv.id).await?;
        let body = ConversationExport {
            conversation: conv.clone(),
            messages,
            ratings,
        };
        put_json(
            &mut zip,
            &format!("conversations/{}.json", conv.id),
            &body,
            options,
        )?;
        counts.0 += 1;
    }
    let mut files = 0usize;
    for a in attachments {
        let Ok(meta) = state.store.get_attachment(account, a).await else {
            continue;
        };
        let Ok(bytes) = state.blobs.get(&meta.storage_key).await else {
            continue;
        };
        let name = format!(
            "attachments/{}-{}",
            meta.id,
            safe_file_name(&meta.file_name)
        );
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(&bytes).map_err(io_error)?;
        files += 1;
    }
    put_json(
        &mut zip,
        "contact.json",
        &ContactExport {
            contact,
            identities,
        },
        options,
    )?;
    let now = state.clock.now();
    put_json(
        &mut zip,
        "manifest.json",
        &json!({
            "format": "kefu.contact_export",
            "version": EXPORT_FORMAT,
            "account_id": account,
            "contact_id": id,
            "exported_at": now,
            "conversations": counts.0,
            "messages": counts.1,
            "attachments": files,
        }),
        options,
    )?;
    let mut file = zip.finish().map_err(zip_error)?;
    file.rewind().map_err(io_error)?;
    audit::record(
        &state,
        account,
        &(&agent).into(),
        ip,
        Change::new("contact.exported").target(id).details(json!({
            "conversations": counts.0, "messages": counts.1, "attachments": files,
        })),
    )
    .await;
    // Streamed from the temporary file: attachments make archives large.
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"contact-{id}.zip\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn all_messages(
    state: &AppState,
    account: AccountId,
    conv: &Conversation,
) -> ApiResult<Vec<Message>> {
    let mut out: Vec<Message> = Vec::new();
    let mut after = 0;
    loop {
        let page = state
            .store
            .list_messages(account, conv.id, after, PAGE, true)
            .await?;
        let n = page.len();
        if let Some(last) = page.last() {
            after = last.seq;
        }
        out.extend(page);
        if n < PAGE as usize {
            return Ok(out);
        }
    }
}

fn put_json<W: Write + Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    value: &impl Serialize,
    options: zip::write::SimpleFileOptions,
) -> ApiResult<()> {
    zip.start_file(name, options).map_err(zip_error)?;
    serde_json::to_writer_pretty(&mut *zip, value).map_err(|e| {
        tracing::error!(error = %e, "writing the export");
        ApiError::internal()
    })
}

/// A file name safe inside an archive on any system: no folders, no
/// control characters, not empty.
fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        "file".into()
    } else {
        trimmed.chars().take(120).collect()
    }
}

fn io_error(e: std::io::Error) -> ApiError {
    tracing::error!(error = %e, "building the export");
    ApiError::internal()
}

fn zip_error(e: zip::result::ZipError) -> ApiError {
    tracing::error!(error = %e, "building the export archive");
    ApiError::internal()
}

#[derive(Serialize, ToSchema)]
pub struct ErasureScheduled {
    /// `scheduled`: the erasure runs as a durable job within seconds; its
    /// completion is audited as `contact.erased`.
    pub status: &'static str,
    pub contact_id: ContactId,
}

/// Erase a contact (admin)
///
/// Their name, email, phone, attributes and identities are removed; every
/// message of their conversations is redacted and their attachments
/// deleted; events keep only their shape, so reports still count the
/// conversations. Cannot be undone. The request is audited
/// (`contact.erasure_requested`), and so is its completion.
#[utoipa::path(
    post,
    path = "/api/v1/contacts/{id}/erase",
    tag = "contacts",
    params(("id" = ContactId, Path, description = "Contact id")),
    responses(
        (status = 202, description = "The erasure is scheduled", body = ErasureScheduled),
        AuthErrors, NotFound
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn erase_contact(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<ContactId>,
) -> ApiResult<(StatusCode, Json<ErasureScheduled>)> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    state.store.get_contact(account, id).await?;
    let now = state.clock.now();
    state
        .store
        .enqueue_job(&privacy::erase_job(account, id, agent.user_id, now))
        .await?;
    audit::record(
        &state,
        account,
        &(&agent).into(),
        ip,
        Change::new("contact.erasure_requested").target(id),
    )
    .await;
    Ok((
        StatusCode::ACCEPTED,
        Json(ErasureScheduled {
            status: "scheduled",
            contact_id: id,
        }),
    ))
}

/// The account's retention policy (admin)
#[utoipa::path(
    get,
    path = "/api/v1/account/retention",
    tag = "account",
    responses((status = 200, description = "The policy (`days: null` keeps everything)", body = RetentionPolicy), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_retention(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<RetentionPolicy>> {
    agent.require(Role::Admin)?;
    Ok(Json(state.store.retention_policy(agent.account_id).await?))
}

/// Set the account's retention policy (admin)
///
/// Resolved conversations whose last activity is older than `days` are
/// anonymised (messages redacted, attachments deleted) or deleted by the
/// hourly retention job, which audits each run (`retention.applied`). A
/// new policy runs at once. Audited (`retention.updated`).
#[utoipa::path(
    put,
    path = "/api/v1/account/retention",
    tag = "account",
    request_body = RetentionPolicy,
    responses((status = 200, description = "The saved policy", body = RetentionPolicy), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn put_retention(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(policy): ApiJson<RetentionPolicy>,
) -> ApiResult<Json<RetentionPolicy>> {
    agent.require(Role::Admin)?;
    policy.validate()?;
    let account = agent.account_id;
    let before = state.store.retention_policy(account).await?;
    let now = state.clock.now();
    state
        .store
        .put_retention_policy(account, &policy, now)
        .await?;
    if policy.days.is_some() {
        // Run the sweep now rather than at its next hour.
        if state
            .store
            .enqueue_job(&privacy::retention_job(now))
            .await?
            .is_none()
        {
            state
                .store
                .expedite_job(privacy::RETENTION_JOB, now)
                .await?;
        }
    }
    audit::record(
        &state,
        account,
        &(&agent).into(),
        ip,
        Change::new("retention.updated").details(json!({"before": before, "after": policy})),
    )
    .await;
    Ok(Json(state.store.retention_policy(account).await?))
}
