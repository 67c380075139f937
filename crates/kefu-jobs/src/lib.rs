//! The durable jobs worker. Every timer in Kefu (snooze wake-ups now; SLA,
//! quality inspection, webhooks, polling and rollups later) is a row in one
//! jobs table. Workers on every node claim due rows under a lease, run the
//! handler registered for the job's kind, and complete or reschedule it, so a
//! job fires once however many nodes run, and survives restarts.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kefu_core::Clock;
use kefu_core::model::Job;
use kefu_core::store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What a handler reports. `Retry` reschedules with backoff; `Fail` gives up.
#[derive(Debug)]
pub enum JobError {
    Retry(String),
    Fail(String),
    /// Not due yet after all (e.g. a snooze was extended): run again at this time.
    NotBefore(kefu_core::Timestamp),
}

#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &Job) -> Result<(), JobError>;
}

pub struct Worker {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    /// How long a claimed job is ours before another node may take it.
    pub lease: Duration,
    pub poll: Duration,
    pub batch: u32,
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            handlers: HashMap::new(),
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            batch: 50,
        }
    }

    pub fn handle(mut self, kind: &str, handler: impl JobHandler) -> Self {
        self.handlers.insert(kind.to_string(), Arc::new(handler));
        self
    }

    /// Delay before attempt `n + 1`: exponential from 1 s, capped at 1 h.
    pub fn backoff(attempts: i32) -> Duration {
        let secs = 1u64 << attempts.clamp(0, 12) as u32;
        Duration::from_secs(secs.min(3600))
    }

    /// Claims and runs the jobs due now; returns how many ran.
    pub async fn run_once(&self) -> usize {
        let now = self.clock.now();
        let jobs = match self
            .store
            .claim_jobs(now, self.lease.as_millis() as i64, self.batch)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, "jobs: claim failed");
                return 0;
            }
        };
        let n = jobs.len();
        for job in jobs {
            let outcome = match self.handlers.get(&job.kind) {
                Some(h) => h.run(&job).await,
                None => Err(JobError::Fail(format!(
                    "no handler for job kind {}",
                    job.kind
                ))),
            };
            let result = match outcome {
                Ok(()) => {
                    metrics::counter!("kefu_jobs_completed_total", "kind" => job.kind.clone())
                        .increment(1);
                    self.store.complete_job(job.id).await
                }
                Err(JobError::Retry(msg)) => {
                    tracing::warn!(kind = %job.kind, attempts = job.attempts, error = %msg, "job failed; will retry");
                    let at = self
                        .clock
                        .now()
                        .plus_millis(Self::backoff(job.attempts).as_millis() as i64);
                    self.store.fail_job(job.id, &msg, Some(at)).await
                }
                Err(JobError::NotBefore(at)) => {
                    self.store.fail_job(job.id, "rescheduled", Some(at)).await
                }
                Err(JobError::Fail(msg)) => {
                    tracing::error!(kind = %job.kind, error = %msg, "job failed for good");
                    metrics::counter!("kefu_jobs_dead_total", "kind" => job.kind.clone())
                        .increment(1);
                    self.store.fail_job(job.id, &msg, None).await
                }
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "jobs: could not record outcome; the lease will expire and the job run again");
            }
        }
        n
    }

    /// Runs until `shutdown` turns true.
    pub fn spawn(self, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let ran = self.run_once().await;
                if *shutdown.borrow() {
                    return;
                }
                if ran == 0 {
                    tokio::select! {
                        _ = tokio::time::sleep(self.poll) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(Worker::backoff(0), Duration::from_secs(1));
        assert_eq!(Worker::backoff(3), Duration::from_secs(8));
        assert_eq!(Worker::backoff(50), Duration::from_secs(3600));
    }
}
