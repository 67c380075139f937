//! Privacy requests and retention, as durable jobs: erasing a contact, and
//! the retention sweep that anonymises or deletes old conversations. The
//! store redacts the database in one unit of work; attachment files are
//! deleted here, before (while the store still lists them, so a crash
//! between the two never loses track of a file) and after (whatever was
//! uploaded meanwhile). Both are audited when they finish.

use std::time::Duration;

use kefu_core::model::{AuditEntry, Erasure, NewJob, RetentionBatch};
use kefu_core::store::{ConversationFilter, PageRequest, Store};
use kefu_core::{AccountId, AuditId, ContactId, StoreError, Timestamp, UserId};
use serde_json::json;

use crate::blob::{BlobError, BlobStore};

/// Job kind: erase one contact. Payload: `account_id`, `contact_id`,
/// `requested_by`.
pub const ERASE_JOB: &str = "privacy.erase_contact";
/// Job kind: the retention sweep over every account with a policy. One job
/// for the installation (deduplicated), rescheduling itself.
pub const RETENTION_JOB: &str = "privacy.retention";
/// How often the retention sweep runs.
pub const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// Conversations per unit of work: each is a short transaction, so chat
/// traffic is never held up behind a big sweep.
const RETENTION_BATCH: u32 = 100;

/// The job that erases `contact` (deduplicated: asking twice erases once).
pub fn erase_job(
    account: AccountId,
    contact: ContactId,
    requested_by: UserId,
    now: Timestamp,
) -> NewJob {
    NewJob {
        account_id: Some(account),
        kind: ERASE_JOB.into(),
        payload: json!({
            "account_id": account, "contact_id": contact, "requested_by": requested_by,
        }),
        run_at: now,
        dedupe_key: Some(format!("{ERASE_JOB}:{contact}")),
        max_attempts: 20,
    }
}

/// The installation's retention sweep job, due at `at`.
pub fn retention_job(at: Timestamp) -> NewJob {
    NewJob {
        account_id: None,
        kind: RETENTION_JOB.into(),
        payload: json!({}),
        run_at: at,
        dedupe_key: Some(RETENTION_JOB.into()),
        // It reschedules itself after every run, which counts as an attempt.
        max_attempts: i32::MAX,
    }
}

/// Deletes attachment files; a file already gone is fine (a rerun).
async fn delete_blobs(blobs: &dyn BlobStore, keys: &[String]) -> Result<(), StoreError> {
    for key in keys {
        match blobs.delete(key).await {
            Ok(()) | Err(BlobError::NotFound) => {}
            Err(BlobError::Io(e)) => {
                return Err(StoreError::Unavailable(format!(
                    "deleting an attachment file: {e}"
                )));
            }
        }
    }
    Ok(())
}

async fn blob_keys_of(
    store: &dyn Store,
    account: AccountId,
    conversations: &[kefu_core::ConversationId],
) -> Result<Vec<String>, StoreError> {
    let mut keys = Vec::new();
    for id in conversations {
        for a in store.list_attachments(account, *id).await? {
            keys.push(a.storage_key);
            keys.extend(a.thumbnail_key);
        }
    }
    Ok(keys)
}

/// Every conversation of a contact, however many.
pub async fn conversations_of(
    store: &dyn Store,
    account: AccountId,
    contact: ContactId,
) -> Result<Vec<kefu_core::model::Conversation>, StoreError> {
    let filter = ConversationFilter {
        contact_id: Some(contact),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_conversations(
                account,
                &filter,
                &PageRequest {
                    cursor: cursor.take(),
                    limit: 200,
                },
            )
            .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

async fn audit_system(
    store: &dyn Store,
    account: AccountId,
    action: &str,
    target: String,
    details: serde_json::Value,
    now: Timestamp,
) {
    let entry = AuditEntry {
        id: AuditId::new(),
        account_id: account,
        actor_user_id: None,
        actor: "system".into(),
        action: action.into(),
        target: Some(target),
        details,
        ip: None,
        created_at: now,
    };
    if let Err(e) = store.append_audit(&entry).await {
        tracing::error!(error = %e, %account, action, "could not write the audit entry");
    }
}

/// Erases a contact: files first, then the database, then files added
/// meanwhile; then the database's freed space is made unreadable and the
/// completion audited (`contact.erased`, with what was removed).
pub async fn erase_contact(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    account: AccountId,
    contact: ContactId,
    requested_by: Option<UserId>,
    now: Timestamp,
) -> Result<Erasure, StoreError> {
    let conversations: Vec<_> = conversations_of(store, account, contact)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    delete_blobs(blobs, &blob_keys_of(store, account, &conversations).await?).await?;
    let erasure = store.erase_contact(account, contact, now).await?;
    delete_blobs(blobs, &erasure.blob_keys).await?;
    if let Err(e) = store.reclaim_space().await {
        tracing::warn!(error = %e, "after an erasure: could not truncate the write-ahead log yet");
    }
    audit_system(
        store,
        account,
        "contact.erased",
        contact.to_string(),
        json!({
            "requested_by": requested_by,
            "conversations": erasure.conversations.len(),
            "messages": erasure.messages,
            "identities": erasure.identities,
            "events": erasure.events,
            "attachments": erasure.attachments,
        }),
        now,
    )
    .await;
    tracing::info!(%account, %contact, messages = erasure.messages, "contact erased");
    Ok(erasure)
}

/// One retention pass over every account with a policy, batch by batch
/// until nothing is due. Returns what each account's policy did (accounts
/// where nothing was due are left out, and not audited).
pub async fn sweep_retention(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    now: Timestamp,
) -> Result<Vec<(AccountId, RetentionBatch)>, StoreError> {
    let mut report = Vec::new();
    for (account, policy) in store.accounts_with_retention().await? {
        let Some(cutoff) = policy.cutoff(now) else {
            continue;
        };
        let mut total = RetentionBatch::default();
        loop {
            let due = store
                .due_for_retention(account, cutoff, RETENTION_BATCH)
                .await?;
            if due.is_empty() {
                break;
            }
            delete_blobs(blobs, &blob_keys_of(store, account, &due).await?).await?;
            let done = store.apply_retention(account, &due, &policy, now).await?;
            delete_blobs(blobs, &done.blob_keys).await?;
            total.conversations += done.conversations;
            total.messages += done.messages;
            total.attachments += done.attachments;
            if done.conversations == 0 {
                // Everything picked became active again meanwhile.
                break;
            }
        }
        if total.conversations == 0 {
            continue;
        }
        if let Err(e) = store.reclaim_space().await {
            tracing::warn!(error = %e, "after retention: could not truncate the write-ahead log yet");
        }
        audit_system(
            store,
            account,
            "retention.applied",
            format!("{} days", policy.days.unwrap_or_default()),
            json!({
                "action": policy.action,
                "days": policy.days,
                "conversations": total.conversations,
                "messages": total.messages,
                "attachments": total.attachments,
            }),
            now,
        )
        .await;
        tracing::info!(%account, conversations = total.conversations, "retention applied");
        report.push((account, total));
    }
    Ok(report)
}
