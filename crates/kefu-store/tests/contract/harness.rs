//! Runs one test body against SQLite (a fresh file) and PostgreSQL (a fresh
//! schema). PostgreSQL comes from `KEFU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); when it cannot be reached the
//! PostgreSQL half is skipped loudly, except with `CI=true`, where it fails.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kefu_core::store::Store;
use kefu_store::{OpenOptions, Opened};
use sqlx::{Connection, PgConnection};
use tokio::sync::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a test body gets.
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub committed: Arc<Notify>,
    pub backend: Backend,
    /// The URL the store was opened with (to open a second handle).
    pub url: String,
}

impl Ctx {
    pub fn options() -> OpenOptions {
        OpenOptions {
            max_connections: 6,
            ..OpenOptions::default()
        }
    }
}

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

fn pg_url() -> String {
    std::env::var("KEFU_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG.to_string())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `url` with `search_path` set to `schema` on every connection.
fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}

pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => run_sqlite(body).await,
        Backend::Postgres => run_postgres(body).await,
    }
}

async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    // A directory that does not exist yet: `open` must create it.
    let url = format!("sqlite://{}/data/kefu.db", dir.path().display());
    let Opened { store, committed } = kefu_store::open(&url, Ctx::options())
        .await
        .expect("open sqlite");
    let ctx = Ctx {
        store,
        committed,
        backend: Backend::Sqlite,
        url,
    };
    body(ctx).await;
    drop(dir);
}

async fn run_postgres<F, Fut>(body: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = pg_url();
    let admin = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&base)).await;
    let mut admin = match admin {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return unreachable_pg(&e.to_string()),
        Err(_) => return unreachable_pg("connection timed out"),
    };
    let schema = format!("kefu_t_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let url = with_search_path(&base, &schema);
    let outcome = {
        let Opened { store, committed } = kefu_store::open(&url, Ctx::options())
            .await
            .expect("open postgres");
        let ctx = Ctx {
            store,
            committed,
            backend: Backend::Postgres,
            url,
        };
        // On its own task, so a failing assertion still lets us drop the
        // schema before reporting it.
        tokio::spawn(body(ctx)).await
    };
    // Let the store's pool and listener wind down before dropping the schema.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await;
    if let Err(e) = dropped {
        eprintln!("warning: could not drop test schema {schema}: {e}");
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn unreachable_pg(why: &str) {
    let msg = format!(
        "PostgreSQL at {} is unreachable ({why}); set KEFU_TEST_PG_URL",
        pg_url().split('@').next_back().unwrap_or("?")
    );
    if in_ci() {
        panic!("{msg} (CI=true: PostgreSQL tests must run)");
    }
    eprintln!("\n!!!!! SKIPPING the PostgreSQL half of this test: {msg} !!!!!\n");
}

/// Declares, for each body `name(ctx)`, a module `name` with a `sqlite` and a
/// `postgres` test.
#[macro_export]
macro_rules! contract {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                $crate::harness::run($crate::harness::Backend::Sqlite, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                $crate::harness::run($crate::harness::Backend::Postgres, super::$name).await
            }
        }
    )*};
}
