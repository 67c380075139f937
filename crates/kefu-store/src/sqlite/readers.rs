//! Read-only connections for reads. A read unit runs start to finish on a
//! blocking-pool thread with one connection: one hand-off per read, however
//! many statements it runs. WAL lets readers see the last commit while the
//! writer works.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kefu_core::StoreError;
use tokio::sync::Semaphore;

use super::Conn;
use super::connect::Location;
use super::lite::run_now;
use super::writer::{BoxFut, waited};

#[derive(Clone)]
pub(crate) struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    busy: Duration,
    acquire_timeout: Duration,
    replans: Arc<AtomicU64>,
    /// Bounds the connections in use (and so the ones ever opened).
    permits: Semaphore,
    idle: Mutex<Vec<Conn>>,
}

impl Readers {
    /// Connections are opened on first use, at most `max` at a time.
    pub(crate) fn new(
        path: PathBuf,
        busy: Duration,
        max: usize,
        acquire_timeout: Duration,
        replans: Arc<AtomicU64>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                busy,
                acquire_timeout,
                replans,
                permits: Semaphore::new(max),
                idle: Mutex::new(Vec::with_capacity(max)),
            }),
        }
    }

    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, Result<T, StoreError>> + Send + 'static,
    {
        let permit =
            match tokio::time::timeout(self.inner.acquire_timeout, self.inner.permits.acquire())
                .await
            {
                Ok(Ok(p)) => p,
                Ok(Err(_)) => return Err(StoreError::Unavailable("the store is closed".into())),
                Err(_) => {
                    return Err(StoreError::Unavailable(
                        "timed out waiting for a SQLite read connection".into(),
                    ));
                }
            };
        let inner = self.inner.clone();
        let r = tokio::task::spawn_blocking(move || {
            let mut conn = inner.take()?;
            let r = run_now(f(&mut conn)).unwrap_or_else(|| Err(waited()));
            inner.put(conn);
            r
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("a SQLite read failed: {e}")));
        drop(permit);
        r?
    }
}

impl Inner {
    fn take(&self) -> Result<Conn, StoreError> {
        let idle = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        match idle {
            Some(c) => Ok(c),
            None => Location::open_reader(&self.path, self.busy, self.replans.clone()),
        }
    }

    fn put(&self, conn: Conn) {
        // A read that failed half-way leaves no transaction open (each
        // statement is its own), so the connection is fit for reuse.
        if let Ok(mut v) = self.idle.lock() {
            v.push(conn);
        }
    }
}
