//! `kefu serve`: open the store, start the relay, the jobs worker, the
//! metrics listener and the API, and shut down gracefully on a signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use kefu_core::{Clock, SystemClock};
use kefu_http::{AppState, HttpConfig};
use kefu_realtime::Hub;
use tokio::sync::watch;

use crate::config::{Config, redact_url};
use crate::{demo, jobs, telemetry};

#[derive(Args, Clone, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Folder for the SQLite database, attachments and the secret key.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://… (default: SQLite in the data folder).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Seed a demo account with fixed credentials (loopback only).
    #[arg(long)]
    pub demo: bool,
}

impl ServeArgs {
    pub fn apply(&self, cfg: &mut Config) {
        if let Some(l) = &self.listen {
            cfg.server.listen = l.clone();
        }
        if let Some(d) = &self.data_dir {
            cfg.server.data_dir = d.clone();
        }
        if let Some(u) = &self.database_url {
            cfg.server.database_url = u.clone();
        }
    }
}

pub fn ensure_data_dir(cfg: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&cfg.server.data_dir)
        .with_context(|| format!("creating the data folder {}", cfg.server.data_dir.display()))
}

/// The master secret: from configuration, or a random one kept (mode 0600)
/// in the data folder so tokens survive restarts.
fn master_secret(cfg: &Config) -> anyhow::Result<Vec<u8>> {
    if !cfg.security.secret_key.is_empty() {
        if cfg.security.secret_key.len() < 32 {
            bail!("security.secret_key must be at least 32 characters");
        }
        return Ok(cfg.security.secret_key.as_bytes().to_vec());
    }
    let path = cfg.server.data_dir.join("secret.key");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_string();
        if s.len() >= 32 {
            return Ok(s.into_bytes());
        }
    }
    let secret = kefu_http::auth::secrets::random_token("");
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret.into_bytes())
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

pub async fn run(cfg: Config, args: ServeArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = cfg.server.listen.parse().with_context(|| {
        format!(
            "server.listen {:?} is not an address like 127.0.0.1:8080",
            cfg.server.listen
        )
    })?;
    if args.demo && !addr.ip().is_loopback() {
        bail!(
            "--demo uses well-known passwords, so it only runs on a loopback address (got {addr})"
        );
    }
    ensure_data_dir(&cfg)?;
    let url = cfg.database_url();
    let opened = kefu_store::open(&url, Default::default())
        .await
        .with_context(|| format!("opening the database {}", redact_url(&url)))?;
    let store = opened.store.clone();
    tracing::info!(database = %redact_url(&url), backend = store.backend(), "database ready");

    // The sentiment model trains from the installed lexicons in a few
    // seconds: start now, so no inspection or bot turn waits for it.
    tokio::spawn(kefu_http::sentiment::shipped());

    let (shutdown_tx, shutdown) = watch::channel(false);
    let metrics_addr = telemetry::start_metrics(&cfg.metrics.listen, shutdown.clone()).await?;

    let hub = Hub::new(cfg.limits.socket_queue);
    let clock = Arc::new(SystemClock);

    let http_config = HttpConfig {
        public_url: cfg.public_url(),
        secure_cookies: cfg.server.secure_cookies,
        max_body_bytes: cfg.limits.max_body_bytes,
        max_upload_bytes: cfg.limits.max_upload_bytes,
        socket_queue: cfg.limits.socket_queue,
        public_rate_per_second: cfg.security.public_rate_per_second,
        public_rate_burst: cfg.security.public_rate_burst,
        max_visitor_sockets_per_ip: cfg.security.max_visitor_sockets_per_ip,
        ..HttpConfig::default()
    };
    let blobs = Arc::new(kefu_http::blob::FolderBlobStore::new(
        cfg.server.data_dir.join("blobs"),
    ));
    let worker = jobs::worker(store.clone(), clock.clone(), blobs.clone()).spawn(shutdown.clone());
    // The retention sweep is one job for the installation; every node
    // offers it and the store keeps one.
    if let Err(e) = store
        .enqueue_job(&kefu_http::privacy::retention_job(clock.now()))
        .await
    {
        tracing::warn!(error = %e, "could not schedule the retention sweep; it is scheduled at the next start");
    }
    let state = AppState::new(
        store.clone(),
        hub.clone(),
        blobs,
        &master_secret(&cfg)?,
        http_config,
        clock,
        shutdown.clone(),
    );
    // This node's search index, kept current from the event stream (a new
    // or cleared index is filled from the start of the log).
    let index = crate::search::open_index(&cfg)?;
    let _ = state.search.set(index.clone());
    let indexer = kefu_http::search::spawn_indexer(
        store.clone(),
        index,
        opened.committed.clone(),
        shutdown.clone(),
    );
    let relay = kefu_realtime::spawn_relay(
        store.clone(),
        hub,
        state.names.clone(),
        opened.committed.clone(),
        shutdown.clone(),
    );

    let demo_info = if args.demo {
        Some(
            demo::seed(&*store)
                .await
                .context("seeding the demo account")?,
        )
    } else {
        None
    };

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let bound = listener.local_addr()?;
    println!(
        "Kefu is running at http://{bound}  (API docs: http://{bound}/api/docs, health: http://{bound}/healthz)"
    );
    if let Some(m) = metrics_addr {
        println!("Prometheus metrics at http://{m}/metrics");
    }
    if let Some(d) = &demo_info {
        d.print(&format!("http://{bound}"));
    }

    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: draining requests and sockets");
        let _ = shutdown_tx.send(true);
    });
    kefu_http::serve(
        listener,
        state,
        Duration::from_secs(cfg.server.drain_seconds),
    )
    .await
    .context("serving")?;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = relay.await;
        let _ = worker.await;
        let _ = indexer.await;
    })
    .await;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
