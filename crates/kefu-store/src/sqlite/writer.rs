//! The single SQLite writer, with group commit. SQLite allows one writer at a
//! time and a durable commit costs an fsync, so every write of the process
//! goes through one task that owns the write connection: it takes up to
//! `max_batch` queued units of work, runs each inside its own SAVEPOINT of one
//! transaction (a failing unit rolls back alone), commits once, and only then
//! answers every caller. Many units share one fsync; none is acknowledged
//! before it is durable.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use kefu_core::StoreError;
use sqlx::SqliteConnection;
use tokio::sync::{Notify, mpsc, oneshot};

pub(crate) type BoxFut<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A unit of work as the writer sees it: run it, then tell its caller how the
/// batch ended.
pub(crate) trait Op: Send {
    /// Runs the unit; `true` when it succeeded (and its savepoint is kept).
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFut<'c, bool>;
    /// Whether a successful run wrote events (the relay is woken after commit).
    fn wrote_events(&self) -> bool;
    /// Replies to the caller; `commit_error` is set when the batch failed.
    fn finish(self: Box<Self>, commit_error: Option<&str>);
}

struct Pending<T, F> {
    f: Option<F>,
    events: bool,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Op for Pending<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFut<'c, Result<T, StoreError>>
        + Send
        + 'static,
{
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFut<'c, bool> {
        Box::pin(async move {
            let Some(f) = self.f.take() else {
                return false;
            };
            let r = f(conn).await;
            let ok = r.is_ok();
            self.result = Some(r);
            ok
        })
    }

    fn wrote_events(&self) -> bool {
        self.events && matches!(self.result, Some(Ok(_)))
    }

    fn finish(self: Box<Self>, commit_error: Option<&str>) {
        let r = match (self.result, commit_error) {
            // The unit's own error says more than the batch's.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(_)), Some(msg)) => Err(StoreError::Unavailable(msg.to_string())),
            (Some(Ok(v)), None) => Ok(v),
            (None, msg) => Err(StoreError::Unavailable(
                msg.unwrap_or("the write was not run").to_string(),
            )),
        };
        // The caller may have gone away; the work is committed regardless.
        let _ = self.reply.send(r);
    }
}

/// The handle callers use to queue work for the writer.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Box<dyn Op>>,
}

impl Writer {
    /// Starts the writer task on `conn`. It stops when every `Writer` clone
    /// is dropped.
    pub(crate) fn spawn(
        conn: SqliteConnection,
        committed: Arc<Notify>,
        max_batch: usize,
        queue: usize,
    ) -> Self {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let batch = max_batch.max(1);
        // The writer gets a thread and runtime of its own: each statement is
        // a round trip to SQLite's worker thread, and on the shared runtime
        // every one of them would queue behind the request tasks.
        let spawned = std::thread::Builder::new()
            .name("kefu-sqlite-writer".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(run(conn, rx, committed, batch)),
                    Err(e) => tracing::error!(error = %e, "cannot start the SQLite writer"),
                }
            });
        if let Err(e) = spawned {
            // Callers then get `Unavailable` (the receiver is gone).
            tracing::error!(error = %e, "cannot start the SQLite writer thread");
        }
        Self { tx }
    }

    /// Queues a unit of work and waits until it is committed (or failed).
    pub(crate) async fn submit<T, F>(&self, events: bool, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFut<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let op = Box::new(Pending {
            f: Some(f),
            events,
            result: None,
            reply,
        });
        self.tx
            .send(op)
            .await
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut rx: mpsc::Receiver<Box<dyn Op>>,
    committed: Arc<Notify>,
    max_batch: usize,
) {
    let mut batch: Vec<Box<dyn Op>> = Vec::with_capacity(max_batch);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let outcome = run_batch(&mut conn, &mut batch).await;
        if let Err(e) = &outcome {
            tracing::error!(error = %e, ops = batch.len(), "SQLite group commit failed");
            // Leave no half transaction behind for the next batch; failing
            // here too just means there was none.
            let _ = exec(&mut conn, "ROLLBACK").await;
        }
        let wake = outcome.is_ok() && batch.iter().any(|op| op.wrote_events());
        let err = outcome.err();
        for op in batch.drain(..) {
            op.finish(err.as_deref());
        }
        if wake {
            // `notify_waiters` wakes every relay that registered interest;
            // `notify_one` leaves a permit for one that is between two reads,
            // so no commit can slip by unnoticed.
            committed.notify_waiters();
            committed.notify_one();
        }
    }
}

async fn run_batch(conn: &mut SqliteConnection, batch: &mut [Box<dyn Op>]) -> Result<(), String> {
    // IMMEDIATE takes the write lock now (waiting up to busy_timeout if
    // another process holds it) rather than failing half-way through. Each
    // unit runs in its own savepoint; closing one and opening the next is a
    // single round trip to SQLite's worker thread.
    exec(conn, "BEGIN IMMEDIATE; SAVEPOINT unit").await?;
    let last = batch.len().saturating_sub(1);
    for (i, op) in batch.iter_mut().enumerate() {
        let ok = op.run(conn).await;
        // If SQLite already rolled the whole transaction back (I/O error,
        // disk full), ROLLBACK TO fails and the batch fails with it.
        let next = match (ok, i == last) {
            (true, false) => "RELEASE unit; SAVEPOINT unit",
            (true, true) => "RELEASE unit; COMMIT",
            (false, false) => "ROLLBACK TO unit; RELEASE unit; SAVEPOINT unit",
            (false, true) => "ROLLBACK TO unit; RELEASE unit; COMMIT",
        };
        exec(conn, next).await?;
    }
    Ok(())
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), String> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}
