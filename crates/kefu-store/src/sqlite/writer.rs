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
use std::time::{Duration, Instant};

use kefu_core::StoreError;
use tokio::sync::{Notify, mpsc, oneshot};

use super::Conn;
use super::lite::run_now;

pub(crate) type BoxFut<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A unit of work as the writer sees it: run it, then tell its caller how the
/// batch ended.
pub(crate) trait Op: Send {
    /// Runs the unit; `true` when it succeeded (and its changes are kept).
    fn run(&mut self, conn: &mut Conn) -> bool;
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

/// The answer when a unit of work waits on something: units are made of
/// `lite` calls, which never wait, so this is a programming error.
pub(crate) fn waited() -> StoreError {
    StoreError::Database("a SQLite unit of work waited; it must only run statements".into())
}

impl<T, F> Op for Pending<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, Result<T, StoreError>> + Send + 'static,
{
    fn run(&mut self, conn: &mut Conn) -> bool {
        let Some(f) = self.f.take() else {
            return false;
        };
        let r = run_now(f(conn)).unwrap_or_else(|| Err(waited()));
        let ok = r.is_ok();
        self.result = Some(r);
        ok
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
    /// Starts the writer thread on `conn`. It stops when every `Writer`
    /// clone is dropped.
    pub(crate) fn spawn(
        conn: Conn,
        committed: Arc<Notify>,
        max_batch: usize,
        queue: usize,
    ) -> Self {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let batch = max_batch.max(1);
        // A plain thread: the whole batch runs on it without a single
        // hand-off, and it never competes with request tasks for a runtime
        // worker.
        let spawned = std::thread::Builder::new()
            .name("kefu-sqlite-writer".into())
            .spawn(move || run(conn, rx, committed, batch));
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
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, Result<T, StoreError>> + Send + 'static,
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

fn run(
    mut conn: Conn,
    mut rx: mpsc::Receiver<Box<dyn Op>>,
    committed: Arc<Notify>,
    max_batch: usize,
) {
    let mut batch: Vec<Box<dyn Op>> = Vec::with_capacity(max_batch);
    let mut last_batch = 0;
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        take_queued(&mut rx, &mut batch, max_batch);
        // Under load (the last batch was shared), wait a moment for company:
        // a commit's page writes and fsync cost about the same for one unit
        // as for twenty, so each unit pays less. Alone, commit at once.
        if last_batch > 1 && batch.len() < max_batch {
            let until = Instant::now() + LINGER;
            while batch.len() < max_batch && Instant::now() < until {
                std::thread::sleep(LINGER_STEP);
                take_queued(&mut rx, &mut batch, max_batch);
            }
        }
        last_batch = batch.len();
        let outcome = run_batch(&mut conn, &mut batch);
        if let Err(e) = &outcome {
            tracing::error!(error = %e, ops = batch.len(), "SQLite group commit failed");
            // Leave no half transaction behind for the next batch.
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
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

/// How long a batch waits for more units under load, at most. Well under
/// the latency budget (p99 < 20 ms at 1,000 msg/s: 9.8 ms measured with it);
/// at 5,000 msg/s 2 ms needed ~5% less CPU than 1 ms (benchmarks.md).
const LINGER: Duration = Duration::from_micros(2000);
/// The sleeps it waits in: short, so a full batch is not kept waiting.
const LINGER_STEP: Duration = Duration::from_micros(200);

/// Moves queued units into the batch, up to `max` units.
fn take_queued(rx: &mut mpsc::Receiver<Box<dyn Op>>, batch: &mut Vec<Box<dyn Op>>, max: usize) {
    while batch.len() < max {
        match rx.try_recv() {
            Ok(op) => batch.push(op),
            Err(_) => break,
        }
    }
}

/// Runs a batch in one transaction, each unit in its own savepoint (a unit
/// that fails rolls back alone), and commits once. A batch of one needs no
/// savepoint: its failure rolls the transaction back.
fn run_batch(conn: &mut Conn, batch: &mut [Box<dyn Op>]) -> Result<(), String> {
    // IMMEDIATE takes the write lock now (waiting up to busy_timeout if
    // another process holds it) rather than failing half-way through.
    exec(conn, "BEGIN IMMEDIATE")?;
    if let [op] = batch {
        let ok = op.run(conn);
        ensure_open(conn)?;
        return exec(conn, if ok { "COMMIT" } else { "ROLLBACK" });
    }
    for op in batch.iter_mut() {
        exec(conn, "SAVEPOINT unit")?;
        let ok = op.run(conn);
        ensure_open(conn)?;
        if !ok {
            exec(conn, "ROLLBACK TO unit")?;
        }
        exec(conn, "RELEASE unit")?;
    }
    exec(conn, "COMMIT")
}

/// SQLite rolls the whole transaction back by itself on some errors (I/O,
/// disk full); the rest of the batch must not then run in autocommit mode.
fn ensure_open(conn: &Conn) -> Result<(), String> {
    if conn.is_autocommit() {
        Err("SQLite rolled the transaction back".into())
    } else {
        Ok(())
    }
}

/// Runs one transaction-control statement, kept prepared: these run for
/// every unit, and parsing them each time was measurable.
fn exec(conn: &Conn, sql: &str) -> Result<(), String> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.raw_execute())
        .map(drop)
        .map_err(|e| e.to_string())
}
