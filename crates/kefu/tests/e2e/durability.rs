//! Durability under SIGKILL: visitors send as fast as they can, the server
//! is killed (SIGKILL, no chance to flush anything) at a random moment, and
//! after a restart on the same data
//!
//! (a) every message the server acknowledged (2xx) is stored exactly once;
//! (b) re-sending every attempted client_id (acknowledged or not) stores no
//!     duplicate: acknowledged ones answer 200 with the original message,
//!     and afterwards every attempted message is stored exactly once.
//!
//! Three kill/restart cycles per backend, chained on the same data: the
//! server restarted to verify cycle N takes cycle N+1's load. SQLite always;
//! PostgreSQL in a fresh schema when reachable (required under `CI=true`).
//!
//! What this can and cannot show: SIGKILL loses the process, not the
//! operating system's page cache, so it proves that nothing is acknowledged
//! before it is committed and that retries are idempotent across a crash.
//! Surviving power loss additionally rests on `synchronous=FULL` (SQLite)
//! and `synchronous_commit=on` (PostgreSQL), which the store sets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::Server;

pub(crate) const VISITORS: usize = 16;
const CYCLES: usize = 3;
pub(crate) const DEMO_INBOX: &str = "01920000-0000-7000-8000-000000000002";
const ADMIN_EMAIL: &str = "admin@kefu.demo";
const ADMIN_PASSWORD: &str = "kefu-demo-admin";

/// Where one backend keeps its data, and how the server is started on it.
pub(crate) struct Site {
    _dir: tempfile::TempDir,
    pub(crate) data_dir: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) database_url: Option<String>,
}

impl Site {
    pub(crate) fn new(database_url: Option<String>) -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("kefu.toml");
        // Clients here send far faster than a person: lift the public
        // endpoints' per-IP budget so no send is refused for rate.
        std::fs::write(
            &config,
            "[security]\npublic_rate_per_second = 100000.0\npublic_rate_burst = 100000\n\
             max_visitor_sockets_per_ip = 10000\n\n[metrics]\nlisten = \"\"\n\n[log]\nfilter = \"warn\"\n",
        )
        .expect("writing kefu.toml");
        Site {
            data_dir: dir.path().join("data"),
            config,
            database_url,
            _dir: dir,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        if self.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    pub(crate) async fn start(&self, http: &reqwest::Client) -> Server {
        let s = Server::spawn(
            &self.data_dir,
            Some(&self.config),
            self.database_url.as_deref(),
        );
        s.wait_healthy(http).await;
        s
    }
}

/// What one visitor did during the load.
#[derive(Default)]
pub(crate) struct VisitorLog {
    pub(crate) token: String,
    pub(crate) contact_id: String,
    /// Every client_id sent, in order.
    pub(crate) attempted: Vec<String>,
    /// client_id → message id, for 2xx answers.
    pub(crate) acked: HashMap<String, String>,
    /// client_id → when its acknowledgement arrived.
    pub(crate) acked_at: HashMap<String, Instant>,
    /// Problems while the server was supposed to be healthy.
    pub(crate) errors_before_kill: Vec<String>,
}

async fn post_json(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
) -> Result<(u16, Value), reqwest::Error> {
    let mut req = http.post(url).json(body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

async fn start_visitor(http: &reqwest::Client, base: &str) -> VisitorLog {
    let (status, body) = post_json(
        http,
        &format!("{base}/api/v1/widget/sessions"),
        None,
        &json!({"inbox_id": DEMO_INBOX}),
    )
    .await
    .expect("starting a widget session");
    assert_eq!(status, 200, "widget session: {body}");
    VisitorLog {
        token: body["token"].as_str().expect("visitor token").to_string(),
        contact_id: body["contact_id"].as_str().expect("contact id").to_string(),
        ..VisitorLog::default()
    }
}

pub(crate) fn text_of(client_id: &str) -> String {
    format!("durability check {client_id}")
}

/// Sends messages back to back until the server dies.
async fn hammer(
    http: reqwest::Client,
    base: String,
    mut v: VisitorLog,
    tag: String,
    killed: Arc<AtomicBool>,
) -> VisitorLog {
    let url = format!("{base}/api/v1/widget/messages");
    for i in 0.. {
        if killed.load(Ordering::Acquire) {
            break;
        }
        let client_id = format!("{tag}-{i}");
        v.attempted.push(client_id.clone());
        let body = json!({"text": text_of(&client_id), "client_id": client_id});
        let result = post_json(&http, &url, Some(&v.token), &body).await;
        let dead = killed.load(Ordering::Acquire);
        match result {
            Ok((201, b)) => {
                let id = b["message"]["id"].as_str().unwrap_or_default().to_string();
                assert!(!id.is_empty(), "201 without a message id: {b}");
                v.acked_at.insert(client_id.clone(), Instant::now());
                v.acked.insert(client_id, id);
            }
            Ok((status, b)) => {
                // 2xx other than 201 for a fresh client_id would mean it was
                // already stored: a bug either way.
                if !dead || (200..300).contains(&status) {
                    v.errors_before_kill
                        .push(format!("{client_id}: HTTP {status}: {b}"));
                }
                if dead {
                    break;
                }
            }
            Err(e) => {
                if !dead {
                    v.errors_before_kill.push(format!("{client_id}: {e}"));
                }
                break;
            }
        }
    }
    v
}

/// [`VISITORS`] visitors, each sending back to back (client ids tagged
/// `tag`) until `stop` is set.
pub(crate) async fn load(
    http: &reqwest::Client,
    base: &str,
    tag: &str,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<VisitorLog>> {
    let mut tasks = Vec::new();
    for i in 0..VISITORS {
        let v = start_visitor(http, base).await;
        tasks.push(tokio::spawn(hammer(
            http.clone(),
            base.to_string(),
            v,
            format!("{tag}-v{i}"),
            stop.clone(),
        )));
    }
    tasks
}

pub(crate) async fn admin(base: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-kefu-csrf", "1".parse().unwrap());
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(h)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(
        r.status(),
        200,
        "admin login: {}",
        r.text().await.unwrap_or_default()
    );
    http
}

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let r = http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert!(status.is_success(), "GET {url}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: {e}: {text}"))
}

/// How many times each client_id is stored, over every conversation of the
/// given contacts in the demo inbox, as the admin sees them.
pub(crate) async fn stored_client_ids(
    base: &str,
    contacts: &HashSet<String>,
) -> HashMap<String, (usize, String)> {
    let http = admin(base).await;
    let mut conversations = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/conversations?inbox_id={DEMO_INBOX}&limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(&http, &url).await;
        for c in page["items"].as_array().expect("conversation items") {
            if contacts.contains(c["contact_id"].as_str().unwrap_or_default()) {
                conversations.push(c["id"].as_str().expect("conversation id").to_string());
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
            _ => break,
        }
    }
    let mut counts: HashMap<String, (usize, String)> = HashMap::new();
    for conv in conversations {
        let mut after = 0i64;
        loop {
            let page = get_json(
                &http,
                &format!("{base}/api/v1/conversations/{conv}/messages?after_seq={after}&limit=200"),
            )
            .await;
            for m in page["items"].as_array().expect("message items") {
                let Some(cid) = m["client_id"].as_str() else {
                    continue;
                };
                let text = m["content"]["text"].as_str().unwrap_or_default();
                assert_eq!(
                    text,
                    text_of(cid),
                    "stored text does not match its client_id"
                );
                let e = counts.entry(cid.to_string()).or_insert((0, String::new()));
                e.0 += 1;
                e.1 = m["id"].as_str().unwrap_or_default().to_string();
            }
            match page["next_after_seq"].as_i64() {
                Some(n) => after = n,
                None => break,
            }
        }
    }
    counts
}

fn random_below(n: u64) -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish() % n
}

/// One load → SIGKILL → restart → verify cycle. Returns the restarted
/// server, which carries the next cycle.
async fn cycle(site: &Site, http: &reqwest::Client, mut server: Server, n: usize) -> Server {
    let tag = format!("c{n}-{}", uuid::Uuid::now_v7().simple());
    let killed = Arc::new(AtomicBool::new(false));
    let tasks = load(http, &server.base, &tag, &killed).await;
    let delay = Duration::from_millis(500 + random_below(1500));
    tokio::time::sleep(delay).await;
    killed.store(true, Ordering::Release);
    server.kill();
    let mut visitors = Vec::new();
    for t in tasks {
        visitors.push(t.await.expect("visitor task"));
    }
    let errors: Vec<&String> = visitors
        .iter()
        .flat_map(|v| &v.errors_before_kill)
        .collect();
    assert!(
        errors.is_empty(),
        "cycle {n}: sends failed while the server was up: {errors:#?}\nserver output:\n{}",
        server.output()
    );
    let attempted: usize = visitors.iter().map(|v| v.attempted.len()).sum();
    let acked: usize = visitors.iter().map(|v| v.acked.len()).sum();
    eprintln!(
        "{}: cycle {n}: killed after {} ms; {attempted} sends attempted, {acked} acknowledged",
        site.name(),
        delay.as_millis()
    );
    assert!(
        acked >= VISITORS,
        "cycle {n}: too little load to prove anything ({acked} acks)"
    );

    // Restart on the same data.
    let server = site.start(http).await;
    let contacts: HashSet<String> = visitors.iter().map(|v| v.contact_id.clone()).collect();

    // (a) Every acknowledged message is stored, once, as acknowledged.
    let stored = stored_client_ids(&server.base, &contacts).await;
    let attempted_ids: HashSet<&String> = visitors.iter().flat_map(|v| &v.attempted).collect();
    let committed_unacked = stored.len().saturating_sub(acked);
    eprintln!(
        "{}: cycle {n}: after restart {} stored; {committed_unacked} of {} unacknowledged sends had committed",
        site.name(),
        stored.len(),
        attempted - acked
    );
    for v in &visitors {
        for (cid, id) in &v.acked {
            match stored.get(cid) {
                None => panic!("cycle {n}: acknowledged {cid} was lost"),
                Some((count, stored_id)) => {
                    assert_eq!(
                        *count, 1,
                        "cycle {n}: acknowledged {cid} stored {count} times"
                    );
                    assert_eq!(stored_id, id, "cycle {n}: {cid} stored under another id");
                }
            }
        }
    }
    for (cid, (count, _)) in &stored {
        assert!(
            attempted_ids.contains(cid),
            "cycle {n}: {cid} stored but never sent"
        );
        assert_eq!(*count, 1, "cycle {n}: {cid} stored {count} times");
    }

    // (b) Retrying everything stores nothing twice.
    let resends: Vec<_> = visitors
        .iter()
        .map(|v| {
            let http = http.clone();
            let base = server.base.clone();
            let token = v.token.clone();
            let attempted = v.attempted.clone();
            let acked = v.acked.clone();
            tokio::spawn(async move {
                let url = format!("{base}/api/v1/widget/messages");
                let mut problems = Vec::new();
                for cid in attempted {
                    let body = json!({"text": text_of(&cid), "client_id": cid});
                    match post_json(&http, &url, Some(&token), &body).await {
                        Ok((status, b)) => match acked.get(&cid) {
                            Some(id)
                                if status != 200
                                    || b["message"]["id"].as_str() != Some(id.as_str()) =>
                            {
                                problems.push(format!(
                                    "acknowledged {cid} re-sent: HTTP {status}: {b}"
                                ));
                            }
                            Some(_) => {}
                            None if status != 200 && status != 201 => {
                                problems.push(format!(
                                    "unacknowledged {cid} re-sent: HTTP {status}: {b}"
                                ));
                            }
                            None => {}
                        },
                        Err(e) => problems.push(format!("{cid}: {e}")),
                    }
                }
                problems
            })
        })
        .collect();
    let mut problems = Vec::new();
    for r in resends {
        problems.extend(r.await.expect("resend task"));
    }
    assert!(problems.is_empty(), "cycle {n}: re-sending: {problems:#?}");
    let stored = stored_client_ids(&server.base, &contacts).await;
    let mut wrong: BTreeMap<&String, usize> = BTreeMap::new();
    for cid in &attempted_ids {
        let count = stored.get(*cid).map(|c| c.0).unwrap_or(0);
        if count != 1 {
            wrong.insert(cid, count);
        }
    }
    assert!(
        wrong.is_empty(),
        "cycle {n}: after re-sending, stored counts other than 1: {wrong:?}"
    );
    assert_eq!(
        stored.len(),
        attempted_ids.len(),
        "cycle {n}: unexpected extra messages"
    );
    server
}

async fn run(site: Site) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut server = site.start(&http).await;
    for n in 1..=CYCLES {
        server = cycle(&site, &http, server, n).await;
    }
    server.kill();
    eprintln!(
        "{}: {CYCLES} SIGKILL cycles passed in {:.1} s",
        site.name(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_acknowledged_message_exactly_once_across_sigkill() {
    run(Site::new(None)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_every_acknowledged_message_exactly_once_across_sigkill() {
    crate::fixtures::with_pg_schema("durability", |url, _| run(Site::new(Some(url)))).await;
}
