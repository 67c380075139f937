// Durable jobs: one table for every timer, claimed under a lease so each job
// runs once across nodes. Included into `sqlite::jobs` and `postgres::jobs`.
// A job is 'pending' from enqueue until it completes (deleted) or uses up its
// attempts ('dead'); a claimed job stays pending, with `locked_until` set.

use kefu_core::model::{Job, NewJob};
use kefu_core::{JobId, StoreError, Timestamp};
use uuid::Uuid;

use super::sql;
use super::Conn;
use super::rows::{self, to_json};
use crate::error::db;

type R<T> = Result<T, StoreError>;

/// `None` when a pending job already has the dedupe key (the partial unique
/// index makes the insert a no-op).
pub(crate) async fn enqueue_job(c: &mut Conn, job: &NewJob, now: Timestamp) -> R<Option<JobId>> {
    let id = JobId::new();
    let inserted: Option<Uuid> = sql::query_scalar(
        "INSERT INTO jobs (id, account_id, kind, payload, run_at, dedupe_key, attempts, \
         max_attempts, locked_until, last_error, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, NULL, NULL, 'pending', $8) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(id.0)
    .bind(job.account_id.map(|a| a.0))
    .bind(&job.kind)
    .bind(to_json(&job.payload)?)
    .bind(job.run_at.0)
    .bind(job.dedupe_key.as_deref())
    .bind(job.max_attempts.max(1))
    .bind(now.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    Ok(inserted.map(JobId))
}

pub(crate) async fn claim_jobs(
    c: &mut Conn,
    now: Timestamp,
    lease_ms: i64,
    limit: u32,
) -> R<Vec<Job>> {
    // A job whose lease ran out with no attempts left crashed its last
    // worker: it is dead, not claimable forever.
    sql::query(
        "UPDATE jobs SET state = 'dead', last_error = COALESCE(last_error, 'lease expired') \
         WHERE state = 'pending' AND attempts >= max_attempts \
         AND locked_until IS NOT NULL AND locked_until <= $1",
    )
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    let mut jobs = sql::query(concat!(
        "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN (\
           SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $1 \
           AND (locked_until IS NULL OR locked_until <= $1) AND attempts < max_attempts \
           ORDER BY run_at LIMIT CAST($3 AS BIGINT)",
        skip_locked!(),
        ") RETURNING ",
        job_cols!()
    ))
    .bind(now.0)
    .bind(now.0.saturating_add(lease_ms.max(1)))
    .bind(i64::from(limit.clamp(1, 1000)))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::job)
    .collect::<R<Vec<_>>>()?;
    // RETURNING promises no order; callers get the most overdue first.
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// Completing a job that is already gone (finished by a worker whose lease
/// had run out) is not an error.
pub(crate) async fn complete_job(c: &mut Conn, id: JobId) -> R<()> {
    sql::query("DELETE FROM jobs WHERE id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

/// Brings a pending job with this dedupe key forward to `run_at` if it was
/// due later; returns whether one was moved.
pub(crate) async fn expedite_job(c: &mut Conn, dedupe_key: &str, run_at: Timestamp) -> R<bool> {
    let r = sql::query(
        "UPDATE jobs SET run_at = $2 WHERE dedupe_key = $1 AND state = 'pending' \
         AND run_at > $2 AND locked_until IS NULL",
    )
    .bind(dedupe_key)
    .bind(run_at.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    Ok(r.rows_affected() > 0)
}

pub(crate) async fn fail_job(
    c: &mut Conn,
    id: JobId,
    error: &str,
    retry_at: Option<Timestamp>,
) -> R<()> {
    // Retried at `retry_at` while attempts remain, dead otherwise (or when the
    // caller gives no retry time).
    sql::query(
        "UPDATE jobs SET last_error = $2, locked_until = NULL, \
         run_at = COALESCE($3, run_at), \
         state = CASE WHEN $3 IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'pending' END \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(id.0)
    .bind(error)
    .bind(retry_at.map(|t| t.0))
    .execute(&mut *c)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn count_jobs(c: &mut Conn, kind: &str) -> R<(i64, i64)> {
    let row = sql::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) AS pending, \
           COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) AS dead \
         FROM jobs WHERE kind = $1",
    )
    .bind(kind)
    .fetch_one(&mut *c)
    .await
    .map_err(db)?;
    Ok((rows::get(&row, "pending")?, rows::get(&row, "dead")?))
}
