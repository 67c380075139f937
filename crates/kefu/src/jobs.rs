//! Job handlers the server runs. Each is idempotent: a job may run again
//! if its node dies before recording completion.

use std::sync::Arc;

use async_trait::async_trait;
use kefu_core::model::{Job, Sender};
use kefu_core::state::Input;
use kefu_core::store::Store;
use kefu_core::{AccountId, Clock, ContactId, ConversationId, StoreError, UserId};
use kefu_http::blob::BlobStore;
use kefu_http::privacy;
use kefu_jobs::{JobError, JobHandler, Worker};

pub fn worker(store: Arc<dyn Store>, clock: Arc<dyn Clock>, blobs: Arc<dyn BlobStore>) -> Worker {
    Worker::new(store.clone(), clock.clone())
        .handle(
            privacy::ERASE_JOB,
            EraseContact {
                store: store.clone(),
                clock: clock.clone(),
                blobs: blobs.clone(),
            },
        )
        .handle(
            privacy::RETENTION_JOB,
            RetentionSweep {
                store: store.clone(),
                clock: clock.clone(),
                blobs,
            },
        )
        .handle(
            "conversation.unsnooze",
            Unsnooze {
                store: store.clone(),
                clock: clock.clone(),
            },
        )
        .handle(
            kefu_http::sla::CHECK_JOB,
            SlaCheck {
                store: store.clone(),
                clock: clock.clone(),
            },
        )
        .handle(
            kefu_http::qa::INSPECT_JOB,
            QaInspect {
                store: store.clone(),
                clock: clock.clone(),
            },
        )
        .handle(
            kefu_http::qa_alerts::SILENCE_JOB,
            QaSilence { store, clock },
        )
}

/// Alerts supervisors when a customer has waited too long (see
/// `kefu_http::qa_alerts::check_silence`), then sleeps until the next
/// rule's limit while the customer still waits. An alert is keyed by its
/// wait, so a rerun does not alert twice.
struct QaSilence {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[async_trait]
impl JobHandler for QaSilence {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let (account, id) = conversation_of(job)?;
        match kefu_http::qa_alerts::check_silence(&*self.store, account, id, self.clock.now()).await
        {
            Ok(out) => match out.next_due {
                Some(due) => Err(JobError::NotBefore(due)),
                None => Ok(()),
            },
            Err(StoreError::NotFound(_)) => Ok(()),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}

/// Inspects and scores a resolved conversation (see
/// `kefu_http::qa::inspect_conversation`). Running it again replaces the
/// scores, so a retry after a crash is harmless.
struct QaInspect {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[async_trait]
impl JobHandler for QaInspect {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let (account, id) = conversation_of(job)?;
        match kefu_http::qa::inspect_conversation(&*self.store, account, id, self.clock.now()).await
        {
            Ok(_) | Err(StoreError::NotFound(_)) => Ok(()),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}

/// Erases a contact for a privacy request (see
/// `kefu_http::privacy::erase_contact`). Erasing again changes nothing, so
/// a rerun after a crash is harmless.
struct EraseContact {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    blobs: Arc<dyn BlobStore>,
}

#[async_trait]
impl JobHandler for EraseContact {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let account = job
            .account_id
            .ok_or_else(|| JobError::Fail("job lacks account_id".into()))?;
        let contact: ContactId = job
            .payload
            .get("contact_id")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| JobError::Fail("payload lacks contact_id".into()))?;
        let by: Option<UserId> = job
            .payload
            .get("requested_by")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok());
        match privacy::erase_contact(
            &*self.store,
            &*self.blobs,
            account,
            contact,
            by,
            self.clock.now(),
        )
        .await
        {
            Ok(_) | Err(StoreError::NotFound(_)) => Ok(()),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}

/// The hourly retention sweep (see `kefu_http::privacy::sweep_retention`):
/// runs, then sleeps until the next hour.
struct RetentionSweep {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    blobs: Arc<dyn BlobStore>,
}

#[async_trait]
impl JobHandler for RetentionSweep {
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let now = self.clock.now();
        privacy::sweep_retention(&*self.store, &*self.blobs, now)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Err(JobError::NotBefore(
            now.plus_millis(privacy::RETENTION_EVERY.as_millis() as i64),
        ))
    }
}

/// Records SLA breaches and escalates (see `kefu_http::sla::check`), then
/// sleeps until the next deadline.
struct SlaCheck {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[async_trait]
impl JobHandler for SlaCheck {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let (account, id) = conversation_of(job)?;
        let outcome = kefu_http::sla::check(&*self.store, account, id, self.clock.now())
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        match outcome.next_due {
            // One millisecond past the deadline: at the deadline itself a
            // reply still meets the target.
            Some(due) => Err(JobError::NotBefore(due.plus_millis(1))),
            None => Ok(()),
        }
    }
}

/// The account and conversation a conversation job is about.
fn conversation_of(job: &Job) -> Result<(AccountId, ConversationId), JobError> {
    let id: ConversationId = job
        .payload
        .get("conversation_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| JobError::Fail("payload lacks conversation_id".into()))?;
    let account: AccountId = job
        .account_id
        .ok_or_else(|| JobError::Fail("job lacks account_id".into()))?;
    Ok((account, id))
}

/// Wakes a snoozed conversation when its time comes. If the customer wrote
/// first, the state machine makes this a no-op.
struct Unsnooze {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[async_trait]
impl JobHandler for Unsnooze {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let (account, id) = conversation_of(job)?;
        let conv = match self.store.get_conversation(account, id).await {
            Ok(c) => c,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        // A later snooze moved the wake-up time (its enqueue was deduplicated
        // against this job): wait until then.
        if let Some(until) = conv.snoozed_until.filter(|t| *t > self.clock.now()) {
            return Err(JobError::NotBefore(until));
        }
        let inbox = self
            .store
            .get_inbox(account, conv.inbox_id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let policy = kefu_http::routes::conversations::shared::policy(&inbox);
        match self
            .store
            .apply(
                account,
                id,
                Input::Unsnooze,
                Sender::system(),
                &policy,
                None,
                self.clock.now(),
            )
            .await
        {
            Ok(_) | Err(StoreError::Domain(_)) => Ok(()),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}
