//! Runs the real `kefu` binary on a temporary data folder. The server listens
//! on port 0 and the test reads the address it prints, so parallel tests
//! never race for a port.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The `kefu` command with the environment cleared of settings a developer
/// may have exported.
pub fn kefu() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.env("KEFU_METRICS_LISTEN", "")
        .env("KEFU_LOG", "warn")
        .env_remove("KEFU_DATABASE_URL")
        .env_remove("KEFU_LISTEN")
        .env_remove("KEFU_DATA_DIR")
        .env_remove("KEFU_SECRET_KEY")
        .env_remove("KEFU_CONFIG");
    c
}

/// A running `kefu serve --demo`, killed with SIGKILL when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the server and returns once it has printed its address.
    pub fn spawn(data_dir: &Path, config: Option<&Path>, database_url: Option<&str>) -> Server {
        let mut cmd = kefu();
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = cmd.spawn().expect("spawning the kefu binary");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = mpsc::channel::<String>();
        drain(
            child.stdout.take().expect("piped stdout"),
            log.clone(),
            Some(addr_tx),
        );
        drain(
            child.stderr.take().expect("piped stderr"),
            log.clone(),
            None,
        );
        let base = match addr_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "kefu did not report its address within 60 s; output:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        };
        Server { child, base, log }
    }

    /// Starts `kefu serve --demo` on SQLite in `data_dir` and waits for `/healthz`.
    pub async fn start(data_dir: &Path) -> Server {
        let s = Server::spawn(data_dir, None, None);
        s.wait_healthy(&reqwest::Client::new()).await;
        s
    }

    pub async fn wait_healthy(&self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(self.url("/healthz")).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "kefu at {} never became healthy; output:\n{}",
                self.base,
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL (std's `Child::kill` on Unix), then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn output(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ws(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http://", "ws://", 1))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Copies a pipe into the log; the first `Kefu is running at http://…` line
/// is sent on `addr`.
fn drain(
    pipe: impl Read + Send + 'static,
    log: Arc<Mutex<Vec<String>>>,
    addr: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        let mut addr = addr;
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("Kefu is running at ").nth(1)
                && let Some(tx) = addr.take()
            {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
            let mut l = log.lock().unwrap();
            if l.len() < 2000 {
                l.push(line);
            }
        }
    });
}

pub fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("data");
    (d, p)
}
