//! Starts a real Kefu server for a test: a fresh SQLite file or a fresh
//! PostgreSQL schema, the relay, and an HTTP listener on port 0.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use kefu_core::model::Role;
use kefu_core::store::Store;
use kefu_core::{AccountId, InboxId, SystemClock, UserId};
use kefu_http::setup::{AccountSpec, NewUserSpec, provision_account};
use kefu_http::{AppState, HttpConfig};
use kefu_realtime::Hub;
use serde_json::{Value, json};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One tenant's fixtures.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub admin_id: UserId,
    pub admin_email: String,
    pub agent_id: UserId,
    pub agent_email: String,
    pub password: String,
}

pub struct TestApp {
    pub backend: Backend,
    /// The store's URL, for a second node on the same database.
    pub store_url: String,
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    pub store: Arc<dyn Store>,
    pub tenant: Tenant,
    shutdown: watch::Sender<bool>,
    committed: Arc<tokio::sync::Notify>,
    _dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

pub const PASSWORD: &str = "correct horse battery";

fn pg_base_url() -> String {
    std::env::var("KEFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema in the test database; `None` (skip) when PostgreSQL is
/// unreachable outside CI. Under `CI=true` a missing PostgreSQL fails.
async fn fresh_pg_schema() -> Option<(String, String)> {
    use sqlx::Connection;
    let base = pg_base_url();
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL at {base} is required under CI=true: {e}");
            }
            eprintln!("SKIPPING PostgreSQL test: cannot connect to {base}: {e}");
            return None;
        }
    };
    let schema = format!("kefu_t_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((
        format!("{base}{sep}options=-c%20search_path%3D{schema}"),
        schema,
    ))
}

impl TestApp {
    /// A server with rate limits high enough not to get in the way.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        let config = HttpConfig {
            public_rate_burst: 10_000,
            public_rate_per_second: 10_000.0,
            ..HttpConfig::default()
        };
        Self::spawn_with(backend, config).await
    }

    /// Opens a search index in the data folder and starts its indexer, as
    /// `kefu serve` does; returns the index's folder.
    pub fn enable_search(&self) -> std::path::PathBuf {
        let dir = self.data_dir().join("search");
        std::fs::create_dir_all(&dir).unwrap();
        let index = Arc::new(kefu_search::SearchIndex::open(&dir).expect("open the search index"));
        assert!(
            self.state.search.set(index.clone()).is_ok(),
            "search enabled twice"
        );
        kefu_http::search::spawn_indexer(
            self.store.clone(),
            index,
            self.committed.clone(),
            self.shutdown.subscribe(),
        );
        dir
    }

    /// The server's data folder (the SQLite file and `blobs/`).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    /// Another tenant with its own admin, agent and inbox.
    pub async fn new_tenant(&self, name: &str) -> Tenant {
        seed_tenant(&*self.store, name).await
    }

    /// A client logged in with a session cookie (and the CSRF header set).
    pub async fn login(&self, email: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers({
                let mut h = reqwest::header::HeaderMap::new();
                h.insert("x-kefu-csrf", "1".parse().unwrap());
                h
            })
            .build()
            .unwrap();
        let r = http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "login as {email}: {}",
            r.text().await.unwrap_or_default()
        );
        Client {
            http,
            base: self.base.clone(),
        }
    }

    pub async fn admin(&self) -> Client {
        self.login(&self.tenant.admin_email.clone()).await
    }

    pub async fn agent(&self) -> Client {
        self.login(&self.tenant.agent_email.clone()).await
    }

    /// An anonymous client (no cookies, no token).
    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some((base, schema)) = self.pg_schema.take() {
            // Best effort: drop the schema on a fresh thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&base).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP SCHEMA {schema} CASCADE"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

pub async fn seed_tenant(store: &dyn Store, name: &str) -> Tenant {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let admin_email = format!("admin-{tag}@example.com");
    let agent_email = format!("agent-{tag}@example.com");
    let spec = AccountSpec {
        name: name.into(),
        time_zone: "Asia/Shanghai".into(),
        users: vec![
            NewUserSpec {
                email: admin_email.clone(),
                name: format!("{name} Admin"),
                password: PASSWORD.into(),
                role: Role::Admin,
            },
            NewUserSpec {
                email: agent_email.clone(),
                name: format!("{name} Agent"),
                password: PASSWORD.into(),
                role: Role::Agent,
            },
        ],
        widget_inbox: Some(format!("{name} website")),
        account_id: None,
        inbox_id: None,
    };
    let p = provision_account(store, &spec, kefu_core::Timestamp::now())
        .await
        .expect("provision");
    let inbox = p.inbox.unwrap();
    // The agent works in the widget inbox.
    store
        .set_inbox_member(p.account.id, inbox.id, p.users[1].0, true)
        .await
        .expect("membership");
    Tenant {
        account_id: p.account.id,
        inbox_id: inbox.id,
        admin_id: p.users[0].0,
        admin_email,
        agent_id: p.users[1].0,
        agent_email,
        password: PASSWORD.into(),
    }
}

/// A thin JSON client that returns (status, body) so tests can assert both.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn with_bearer(base: &str, token: &str) -> Self {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        Client {
            http: reqwest::Client::builder()
                .default_headers(h)
                .build()
                .unwrap(),
            base: base.to_string(),
        }
    }
    async fn finish(r: reqwest::RequestBuilder) -> (u16, Value) {
        let res = r.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        Self::finish(self.http.get(format!("{}{path}", self.base))).await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        Self::finish(self.http.delete(format!("{}{path}", self.base))).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        Self::finish(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        Self::finish(self.http.patch(format!("{}{path}", self.base)).json(&body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        Self::finish(self.http.put(format!("{}{path}", self.base)).json(&body)).await
    }
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        Self::finish(
            self.http
                .post(format!("{}{path}", self.base))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}

/// Asserts the stable error shape and returns its code.
pub fn error_code(body: &Value) -> String {
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"));
    assert!(
        body["error"]["message"].is_string(),
        "error without message: {body}"
    );
    assert!(
        code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "code not snake_case: {code}"
    );
    code.to_string()
}

/// Runs a test body on SQLite and on PostgreSQL, as two tests.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite)
                    .await
                    .unwrap();
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($app) =
                    $crate::support::TestApp::spawn($crate::support::Backend::Postgres).await
                else {
                    return;
                };
                $body
            }
        }
    };
}

impl TestApp {
    /// Like [`TestApp::spawn`], with the HTTP settings given (for tests of
    /// limits: rate limits, body sizes, cookie flags).
    pub async fn spawn_with(backend: Backend, config: HttpConfig) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, pg_schema) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("kefu.db").display()),
                None,
            ),
            Backend::Postgres => {
                let (url, schema) = fresh_pg_schema().await?;
                (url.clone(), Some((pg_base_url(), schema)))
            }
        };
        let opened = kefu_store::open(&url, Default::default())
            .await
            .expect("open store");
        let store = opened.store.clone();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let hub = Hub::new(1024);
        let blobs = Arc::new(kefu_http::blob::FolderBlobStore::new(
            dir.path().join("blobs"),
        ));
        let state = AppState::new(
            store.clone(),
            hub.clone(),
            blobs,
            b"test master secret",
            config,
            Arc::new(SystemClock),
            shutdown_rx.clone(),
        );
        kefu_realtime::spawn_relay(
            store.clone(),
            hub,
            state.names.clone(),
            opened.committed.clone(),
            shutdown_rx,
        );
        let tenant = seed_tenant(&*store, "Acme").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let s = state.clone();
        tokio::spawn(async move { kefu_http::serve(listener, s, Duration::from_secs(2)).await });
        Some(Self {
            backend,
            store_url: url.clone(),
            base: format!("http://{addr}"),
            addr,
            state,
            store,
            tenant,
            shutdown,
            committed: opened.committed.clone(),
            _dir: dir,
            pg_schema,
        })
    }
}

impl TestApp {
    /// Another server on the same database, as a second node of a cluster
    /// would be (its own pool, caches and bots); returns its base URL. The
    /// server stops with the test's runtime.
    pub async fn second_node(&self) -> String {
        let opened = kefu_store::open(&self.store_url, Default::default())
            .await
            .expect("open store");
        let store = opened.store.clone();
        let (_stop, shutdown_rx) = watch::channel(false);
        let hub = Hub::new(1024);
        let dir = std::env::temp_dir().join(format!("kefu-node-{}", uuid::Uuid::now_v7().simple()));
        let state = AppState::new(
            store.clone(),
            hub.clone(),
            Arc::new(kefu_http::blob::FolderBlobStore::new(dir)),
            b"test master secret",
            HttpConfig {
                public_rate_burst: 10_000,
                public_rate_per_second: 10_000.0,
                ..HttpConfig::default()
            },
            Arc::new(SystemClock),
            shutdown_rx.clone(),
        );
        kefu_realtime::spawn_relay(
            store,
            hub,
            state.names.clone(),
            opened.committed.clone(),
            shutdown_rx,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            // Keeps the shutdown sender alive as long as the server runs.
            let _stop = _stop;
            kefu_http::serve(listener, state, Duration::from_secs(2)).await
        });
        format!("http://{addr}")
    }
}

/// Waits (up to 10 s) until `check` returns something.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every byte of every file under `dir`, lossily as text: what erasure
/// tests search for strings that must be gone from disk.
pub fn files_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.push_str(&files_text(&p));
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}
