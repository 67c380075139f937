//! The open-loop realtime benchmark.
//!
//! Setup (through the admin API): per conversation one widget inbox, one
//! agent who is its only member, the agent's API token, a widget visitor
//! session and a first message that opens the conversation. Then every agent
//! opens `--tabs` sockets (console tabs) and every visitor one socket.
//!
//! Load: message `k` of a phase is *scheduled* at `t0 + k / rate` and goes to
//! conversation `k % conversations`. A dispatcher starts each send at its
//! scheduled time whether or not earlier sends have been answered (open
//! loop), and every latency is measured from the scheduled time, so a server
//! stall shows up in the percentiles instead of silently slowing the load
//! down (no coordinated omission). The message text carries a marker with
//! the phase and `k`, so a delivery is matched to its schedule without any
//! shared table and without trusting the server's clock.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::api::{self, Api};
use crate::stats::{self, Latency, Quantiles};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Base URL of the Kefu server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Conversations (each with its own inbox, agent and visitor).
    #[arg(long, default_value_t = 200)]
    pub conversations: usize,
    /// Messages per second, across all conversations.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 5.0)]
    pub warmup: f64,
    /// Seconds to wait after the last send for answers and deliveries.
    #[arg(long, default_value_t = 10.0)]
    pub drain: f64,
    /// Sockets per agent (console tabs), 1 to 6.
    #[arg(long, default_value_t = 2)]
    pub tabs: usize,
    /// Bytes of text per message.
    #[arg(long, default_value_t = 200)]
    pub text_bytes: usize,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub json_out: Option<std::path::PathBuf>,
    /// Admin to set up with (the `kefu serve --demo` admin by default).
    #[arg(long, default_value = "admin@kefu.demo")]
    pub admin_email: String,
    #[arg(
        long,
        default_value = "kefu-demo-admin",
        env = "KEFU_BENCH_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: String,
    /// Setup requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub setup_concurrency: usize,
    /// Seconds before a send counts as timed out.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Sends in flight at most; a send due beyond that is not made and
    /// counts as an error (`client_overload`), keeping the schedule honest.
    #[arg(long, default_value_t = 20_000)]
    pub max_in_flight: usize,
    /// The server's process id, to report its CPU use and memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// A run passes when p99 send→deliver latency stays under this (ms),
    /// with no errors, no dropped sockets and no missing deliveries.
    #[arg(long, default_value_t = 100.0)]
    pub p99_limit_ms: f64,
    /// Find the highest rate that passes: raise the rate from
    /// --sweep-start by --sweep-factor until a step fails, then bisect.
    #[arg(long)]
    pub sweep: bool,
    #[arg(long, default_value_t = 1000.0)]
    pub sweep_start: f64,
    #[arg(long, default_value_t = 1.5)]
    pub sweep_factor: f64,
    #[arg(long, default_value_t = 40_000.0)]
    pub sweep_max: f64,
    /// Measured seconds per sweep step (warm-up: --warmup).
    #[arg(long, default_value_t = 15.0)]
    pub sweep_duration: f64,
    /// Bisection steps after the first failure.
    #[arg(long, default_value_t = 3)]
    pub sweep_refine: u32,
}

impl Args {
    fn check(&self) -> anyhow::Result<()> {
        if self.conversations == 0 {
            bail!("--conversations must be at least 1");
        }
        if !(1..=6).contains(&self.tabs) {
            bail!("--tabs must be between 1 and 6");
        }
        for (name, v) in [
            ("--rate", self.rate),
            ("--duration", self.duration),
            ("--timeout", self.timeout),
            ("--sweep-start", self.sweep_start),
            ("--sweep-duration", self.sweep_duration),
        ] {
            if !(v.is_finite() && v > 0.0) {
                bail!("{name} must be a positive number");
            }
        }
        if !(self.warmup.is_finite() && self.warmup >= 0.0 && self.drain >= 0.0) {
            bail!("--warmup and --drain must not be negative");
        }
        // Per-message bookkeeping is two bytes; keep a typo from asking for
        // gigabytes.
        let most =
            self.rate.max(self.sweep_max) * (self.warmup + self.duration.max(self.sweep_duration));
        if most > 200_000_000.0 {
            bail!("rate × (warm-up + duration) must stay under 200 million messages");
        }
        if !(self.sweep_factor.is_finite() && self.sweep_factor > 1.0) {
            bail!("--sweep-factor must be greater than 1");
        }
        if self.text_bytes < 48 || self.text_bytes > 16 * 1024 {
            bail!("--text-bytes must be between 48 and 16384");
        }
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            bail!("--url must start with http:// or https://");
        }
        Ok(())
    }
}

/// One conversation's fixtures.
struct Conv {
    agent_token: String,
    visitor_token: String,
    visitor_auth: HeaderValue,
}

/// Ack states (0: pending).
const ACK_OK: u8 = 1;
const ACK_FAILED: u8 = 2;
/// Delivery bits: agent tab `t` is bit `t`, the visitor's socket bit 7.
const VISITOR_BIT: u8 = 0x80;

#[derive(Default)]
struct ErrorCounts {
    http_429: AtomicU64,
    http_4xx: AtomicU64,
    http_5xx: AtomicU64,
    timeout: AtomicU64,
    connect: AtomicU64,
    transport: AtomicU64,
    client_overload: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Errors {
    pub total: u64,
    pub http_429: u64,
    pub http_4xx: u64,
    pub http_5xx: u64,
    pub timeout: u64,
    pub connect: u64,
    pub transport: u64,
    pub client_overload: u64,
}

/// One load phase (a run, or one step of a sweep).
struct Phase {
    id: u32,
    rate: f64,
    t0: Instant,
    total: u64,
    /// First message scheduled inside the measured window.
    measure_from: u64,
    window_start: Instant,
    window_end: Instant,
    acks: Vec<AtomicU8>,
    delivered: Vec<AtomicU8>,
    in_flight: AtomicUsize,
    acked_total: AtomicU64,
    acked_in_window: AtomicU64,
    delivered_total: AtomicU64,
    delivered_in_window: AtomicU64,
    redelivered: AtomicU64,
    repeated_acks: AtomicU64,
    errors: ErrorCounts,
    error_samples: Mutex<Vec<String>>,
    ack_latency: Latency,
    deliver_first: Latency,
    deliver_all: Latency,
}

impl Phase {
    fn new(id: u32, rate: f64, warmup: f64, duration: f64) -> Self {
        let t0 = Instant::now() + Duration::from_millis(200);
        let total = (rate * (warmup + duration)).floor() as u64;
        let measure_from = (rate * warmup).ceil() as u64;
        let atomics = |n: u64| (0..n).map(|_| AtomicU8::new(0)).collect::<Vec<_>>();
        Self {
            id,
            rate,
            t0,
            total,
            measure_from: measure_from.min(total),
            window_start: t0 + Duration::from_secs_f64(warmup),
            window_end: t0 + Duration::from_secs_f64(warmup + duration),
            acks: atomics(total),
            delivered: atomics(total),
            in_flight: AtomicUsize::new(0),
            acked_total: AtomicU64::new(0),
            acked_in_window: AtomicU64::new(0),
            delivered_total: AtomicU64::new(0),
            delivered_in_window: AtomicU64::new(0),
            redelivered: AtomicU64::new(0),
            repeated_acks: AtomicU64::new(0),
            errors: ErrorCounts::default(),
            error_samples: Mutex::new(Vec::new()),
            ack_latency: Latency::new(),
            deliver_first: Latency::new(),
            deliver_all: Latency::new(),
        }
    }

    fn scheduled(&self, k: u64) -> Instant {
        self.t0 + Duration::from_secs_f64(k as f64 / self.rate)
    }

    fn in_window(&self, t: Instant) -> bool {
        t >= self.window_start && t < self.window_end
    }

    fn fail(&self, k: u64, counter: &AtomicU64, sample: impl FnOnce() -> String) {
        if let Some(a) = self.acks.get(k as usize) {
            a.store(ACK_FAILED, Ordering::Release);
        }
        if k >= self.measure_from {
            counter.fetch_add(1, Ordering::Relaxed);
            let mut s = self.error_samples.lock().unwrap_or_else(|p| p.into_inner());
            if s.len() < 8 {
                s.push(sample());
            }
        }
    }

    fn errors(&self) -> Errors {
        let e = &self.errors;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = Errors {
            total: 0,
            http_429: l(&e.http_429),
            http_4xx: l(&e.http_4xx),
            http_5xx: l(&e.http_5xx),
            timeout: l(&e.timeout),
            connect: l(&e.connect),
            transport: l(&e.transport),
            client_overload: l(&e.client_overload),
        };
        out.total = out.http_429
            + out.http_4xx
            + out.http_5xx
            + out.timeout
            + out.connect
            + out.transport
            + out.client_overload;
        out
    }
}

/// State shared by the dispatcher and every socket task.
struct Shared {
    run: String,
    conversations: usize,
    tabs: usize,
    phases: RwLock<Vec<Arc<Phase>>>,
    stop: watch::Sender<bool>,
    dropped_sockets: AtomicU64,
    misrouted: AtomicU64,
    socket_errors: Mutex<Vec<String>>,
}

impl Shared {
    fn marker_prefix(&self) -> String {
        format!("KB{}P", self.run)
    }

    fn phase(&self, id: u32) -> Option<Arc<Phase>> {
        let p = self.phases.read().unwrap_or_else(|p| p.into_inner());
        p.get(id as usize).cloned()
    }

    fn socket_error(&self, what: String) {
        let mut s = self.socket_errors.lock().unwrap_or_else(|p| p.into_inner());
        if s.len() < 8 {
            s.push(what);
        }
    }

    /// A frame carrying one of our markers arrived on a socket.
    fn delivered(&self, who: Who, phase: u32, k: u64, at: Instant) {
        let Some(p) = self.phase(phase) else { return };
        let Some(cell) = p.delivered.get(k as usize) else {
            return;
        };
        let conv = (k % self.conversations as u64) as usize;
        let (socket_conv, bit) = match who {
            Who::Agent { conv, tab } => (conv, 1u8 << tab),
            Who::Visitor { conv } => (conv, VISITOR_BIT),
        };
        if socket_conv != conv {
            // An event reached a socket that must not see it.
            self.misrouted.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if cell.fetch_or(bit, Ordering::AcqRel) & bit != 0 {
            p.redelivered.fetch_add(1, Ordering::Relaxed);
            return;
        }
        p.delivered_total.fetch_add(1, Ordering::Relaxed);
        if p.in_window(at) {
            p.delivered_in_window.fetch_add(1, Ordering::Relaxed);
        }
        if k >= p.measure_from {
            let latency = at.saturating_duration_since(p.scheduled(k));
            p.deliver_all.record(latency);
            if bit == 1 {
                p.deliver_first.record(latency);
            }
        }
    }
}

/// Parses `KB<run>P<phase>N<k>E` out of a frame.
fn find_marker(frame: &str, prefix: &str) -> Option<(u32, u64)> {
    let start = frame.find(prefix)? + prefix.len();
    let rest = &frame[start..];
    let n = rest.find('N')?;
    let phase = rest[..n].parse().ok()?;
    let rest = &rest[n + 1..];
    let e = rest.find('E')?;
    let k = rest[..e].parse().ok()?;
    Some((phase, k))
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Agent { conv: usize, tab: u8 },
    Visitor { conv: usize },
}

/// The few fields of a frame we look at; the rest is skipped unparsed.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    seq: Option<i64>,
    cursor: Option<Value>,
}

fn ws_base(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_string()
    }
}

/// One socket, reconnecting (from where it left off) until told to stop.
/// `ready` is answered once: when the first connection has replayed its
/// backlog, or with the error that prevented connecting.
async fn socket_task(
    shared: Arc<Shared>,
    who: Who,
    base: String,
    token: String,
    ready: oneshot::Sender<anyhow::Result<()>>,
) {
    let mut ready = Some(ready);
    let mut stop = shared.stop.subscribe();
    // Agents resume from a stream cursor, visitors from a sequence number.
    let mut resume: Option<String> = None;
    let prefix = shared.marker_prefix();
    loop {
        if *stop.borrow() {
            return;
        }
        let url = match who {
            Who::Agent { .. } => match &resume {
                Some(c) => format!("{base}/api/v1/ws?token={token}&cursor={c}"),
                None => format!("{base}/api/v1/ws?token={token}"),
            },
            Who::Visitor { .. } => format!(
                "{base}/api/v1/widget/ws?token={token}&after_seq={}",
                resume.as_deref().unwrap_or("0")
            ),
        };
        let connected = tokio::select! {
            c = tokio_tungstenite::connect_async(url.as_str()) => c,
            _ = stop.changed() => return,
        };
        let mut ws = match connected {
            Ok((ws, _)) => ws,
            Err(e) => {
                if let Some(r) = ready.take() {
                    let _ = r.send(Err(anyhow::anyhow!("{who:?}: connecting: {e}")));
                    return;
                }
                shared.socket_error(format!("{who:?}: reconnecting: {e}"));
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let why = loop {
            let msg = tokio::select! {
                m = ws.next() => m,
                _ = stop.changed() => {
                    let _ = ws.close(None).await;
                    return;
                }
            };
            let text = match msg {
                Some(Ok(WsMessage::Text(t))) => t,
                Some(Ok(WsMessage::Close(frame))) => {
                    break format!("closed by the server: {frame:?}");
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => break format!("socket error: {e}"),
                None => break "socket ended".to_string(),
            };
            let at = Instant::now();
            let text: &str = text.as_str();
            let head: Head<'_> = match serde_json::from_str(text) {
                Ok(h) => h,
                Err(_) => {
                    shared.socket_error(format!("{who:?}: unparsable frame"));
                    continue;
                }
            };
            match head.kind.as_deref() {
                Some("ready") => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(Ok(()));
                    }
                }
                Some("event") => {
                    match who {
                        Who::Agent { .. } => {
                            if let Some(c) = head.cursor.as_ref().and_then(cursor_text) {
                                resume = Some(c);
                            }
                        }
                        Who::Visitor { .. } => {
                            if let Some(s) = head.seq {
                                resume = Some(s.to_string());
                            }
                        }
                    }
                    if let Some((phase, k)) = find_marker(text, &prefix) {
                        shared.delivered(who, phase, k, at);
                    }
                }
                Some("error") => shared.socket_error(format!("{who:?}: {text}")),
                _ => {}
            }
        };
        if *stop.borrow() {
            return;
        }
        if let Some(r) = ready.take() {
            let _ = r.send(Err(anyhow::anyhow!("{who:?}: {why} before becoming ready")));
            return;
        }
        shared.dropped_sockets.fetch_add(1, Ordering::Relaxed);
        shared.socket_error(format!("{who:?}: {why}"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn cursor_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Creates every conversation's inbox, agent, token and visitor.
async fn setup(args: &Args, run: &str) -> anyhow::Result<Vec<Conv>> {
    let timeout = Duration::from_secs_f64(args.timeout.max(30.0));
    let admin = Api::login(&args.url, &args.admin_email, &args.admin_password, timeout)
        .await
        .context("signing in as the admin (is the server running with --demo, or are --admin-email/--admin-password set?)")?;
    let anon = Api::anonymous(&args.url, timeout)?;
    let password = format!("kefu-bench-{run}-password");
    let started = Instant::now();
    let convs: Vec<Conv> = stream::iter(0..args.conversations)
        .map(|i| {
            let admin = admin.clone();
            let anon = anon.clone();
            let password = password.clone();
            let run = run.to_string();
            async move { setup_one(&admin, &anon, &run, i, &password, timeout).await }
        })
        .buffered(args.setup_concurrency.max(1))
        .try_collect()
        .await?;
    if !args.json {
        eprintln!(
            "setup: {} conversations (inbox + agent + token + visitor each) in {:.1} s",
            convs.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(convs)
}

async fn setup_one(
    admin: &Api,
    anon: &Api,
    run: &str,
    i: usize,
    password: &str,
    timeout: Duration,
) -> anyhow::Result<Conv> {
    let inbox = admin
        .expect(
            Method::POST,
            "/api/v1/inboxes",
            None,
            Some(&json!({"name": format!("bench {run} #{i}"), "channel": "web_widget"})),
            "creating an inbox",
        )
        .await?;
    let inbox_id = api::require(&inbox, &["/id", "/inbox/id"], "creating an inbox")?;
    let email = format!("bench-{run}-{i}@example.com");
    let user = admin
        .expect(
            Method::POST,
            "/api/v1/users",
            None,
            Some(&json!({"email": email, "name": format!("Bench agent {i}"), "password": password, "role": "agent"})),
            "creating an agent",
        )
        .await?;
    let user_id = api::require(&user, &["/user_id", "/id"], "creating an agent")?;
    admin
        .expect(
            Method::PUT,
            &format!("/api/v1/inboxes/{inbox_id}/members/{user_id}"),
            None,
            None,
            "adding the agent to the inbox",
        )
        .await?;
    let agent = Api::login(admin.base(), &email, password, timeout).await?;
    let token = agent
        .expect(
            Method::POST,
            "/api/v1/tokens",
            None,
            Some(&json!({"name": format!("kefu-bench {run}")})),
            "creating the agent's API token",
        )
        .await?;
    let agent_token = api::require(
        &token,
        &["/secret", "/token/secret", "/token"],
        "creating the agent's API token",
    )?;
    let session = anon
        .expect(
            Method::POST,
            "/api/v1/widget/sessions",
            None,
            Some(&json!({"inbox_id": inbox_id})),
            "starting a widget session",
        )
        .await?;
    let visitor_token = api::require(&session, &["/token"], "starting a widget session")?;
    // The first message opens the conversation before any socket connects.
    anon.expect(
        Method::POST,
        "/api/v1/widget/messages",
        Some(&visitor_token),
        Some(&json!({"text": format!("Hello from kefu-bench {run}"), "client_id": format!("hello-{run}-{i}")})),
        "sending the visitor's first message",
    )
    .await?;
    let visitor_auth = HeaderValue::from_str(&format!("Bearer {visitor_token}"))
        .context("the visitor token is not a valid header value")?;
    Ok(Conv {
        agent_token,
        visitor_token,
        visitor_auth,
    })
}

async fn open_sockets(shared: &Arc<Shared>, args: &Args, convs: &[Conv]) -> anyhow::Result<()> {
    let base = ws_base(&args.url);
    let started = Instant::now();
    let mut specs = Vec::new();
    for (c, conv) in convs.iter().enumerate() {
        for tab in 0..args.tabs {
            specs.push((
                Who::Agent {
                    conv: c,
                    tab: tab as u8,
                },
                conv.agent_token.clone(),
            ));
        }
        specs.push((Who::Visitor { conv: c }, conv.visitor_token.clone()));
    }
    let n = specs.len();
    // Connect a few at a time; each must reach "ready" before the load starts.
    stream::iter(specs)
        .map(|(who, token)| {
            let shared = shared.clone();
            let base = base.clone();
            async move {
                let (tx, rx) = oneshot::channel();
                tokio::spawn(socket_task(shared, who, base, token, tx));
                match tokio::time::timeout(Duration::from_secs(30), rx).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(_)) => bail!("{who:?}: the socket task ended"),
                    Err(_) => bail!("{who:?}: no \"ready\" frame within 30 s"),
                }
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<()>>()
        .await?;
    if !args.json {
        eprintln!(
            "sockets: {n} open and ready ({} agent tabs, {} visitors) in {:.1} s",
            convs.len() * args.tabs,
            convs.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Text of `len` bytes: the marker, then filler (ASCII, nothing to escape).
fn message_text(marker: &str, filler: &str, len: usize) -> String {
    let mut t = String::with_capacity(len);
    t.push_str(marker);
    t.push(' ');
    let room = len.saturating_sub(t.len());
    t.push_str(&filler[..room.min(filler.len())]);
    t
}

fn filler(len: usize) -> String {
    let base = "Hello, I ordered a blue kettle last week and it has not arrived yet; could you check the delivery status for me please? ";
    base.repeat(len / base.len() + 1)
}

struct Sender {
    http: reqwest::Client,
    url: Arc<str>,
    convs: Arc<Vec<Conv>>,
    filler: Arc<str>,
    text_bytes: usize,
    max_in_flight: usize,
}

async fn send_one(
    http: reqwest::Client,
    url: Arc<str>,
    auth: HeaderValue,
    body: String,
    p: Arc<Phase>,
    k: u64,
) {
    let res = http
        .post(&*url)
        .header(AUTHORIZATION, auth)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    let outcome = match res {
        Ok(r) => {
            let status = r.status().as_u16();
            match r.bytes().await {
                Ok(b) => Ok((status, b)),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let now = Instant::now();
    match outcome {
        Ok((status, _)) if (200..300).contains(&status) => {
            if let Some(a) = p.acks.get(k as usize) {
                a.store(ACK_OK, Ordering::Release);
            }
            p.acked_total.fetch_add(1, Ordering::Relaxed);
            if status == 200 {
                // 200 means "already stored": a fresh client_id must be 201.
                p.repeated_acks.fetch_add(1, Ordering::Relaxed);
            }
            if p.in_window(now) {
                p.acked_in_window.fetch_add(1, Ordering::Relaxed);
            }
            if k >= p.measure_from {
                p.ack_latency
                    .record(now.saturating_duration_since(p.scheduled(k)));
            }
        }
        Ok((status, body)) => {
            let counter = match status {
                429 => &p.errors.http_429,
                400..=499 => &p.errors.http_4xx,
                _ => &p.errors.http_5xx,
            };
            p.fail(k, counter, || {
                format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                )
            });
        }
        Err(e) => {
            let counter = if e.is_timeout() {
                &p.errors.timeout
            } else if e.is_connect() {
                &p.errors.connect
            } else {
                &p.errors.transport
            };
            p.fail(k, counter, || error_chain(&e));
        }
    }
    p.in_flight.fetch_sub(1, Ordering::AcqRel);
}

/// An error with its causes (reqwest's own message rarely says what failed).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Sends every message of the phase at its scheduled time.
async fn dispatch(shared: Arc<Shared>, sender: Arc<Sender>, p: Arc<Phase>) {
    let prefix = shared.marker_prefix();
    let mut k = 0u64;
    while k < p.total {
        let due = p.scheduled(k);
        let now = Instant::now();
        if due > now {
            tokio::time::sleep_until(due.into()).await;
            continue;
        }
        while k < p.total && p.scheduled(k) <= now {
            if p.in_flight.load(Ordering::Acquire) >= sender.max_in_flight {
                p.fail(k, &p.errors.client_overload, || {
                    format!("{} sends already in flight", sender.max_in_flight)
                });
            } else {
                let conv = &sender.convs[(k % sender.convs.len() as u64) as usize];
                let marker = format!("{prefix}{}N{k}E", p.id);
                let text = message_text(&marker, &sender.filler, sender.text_bytes);
                let body = format!(r#"{{"text":"{text}","client_id":"{marker}"}}"#);
                p.in_flight.fetch_add(1, Ordering::AcqRel);
                tokio::spawn(send_one(
                    sender.http.clone(),
                    sender.url.clone(),
                    conv.visitor_auth.clone(),
                    body,
                    p.clone(),
                    k,
                ));
            }
            k += 1;
        }
    }
}

/// What one phase measured.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseReport {
    pub target_rate: f64,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub conversations: usize,
    pub agent_sockets: usize,
    pub visitor_sockets: usize,
    /// Sends scheduled inside the measured window.
    pub sent: u64,
    /// Of those, answered 2xx.
    pub acked: u64,
    /// 2xx answers received during the window, per second.
    pub persisted_per_s: f64,
    /// Frames with a message received during the window (all sockets), per second.
    pub delivered_per_s: f64,
    /// Deliveries the acknowledged sends imply (tabs + visitor each).
    pub expected_deliveries: u64,
    pub missing_deliveries: u64,
    /// Acknowledged messages the first agent tab never received.
    pub undelivered_to_first_agent: u64,
    /// Scheduled send → 2xx answer.
    pub ack_latency: Quantiles,
    /// Scheduled send → frame on the agent's first tab (the headline number).
    pub deliver_latency: Quantiles,
    /// Scheduled send → frame, over every socket.
    pub deliver_latency_all_sockets: Quantiles,
    pub errors: Errors,
    pub error_samples: Vec<String>,
    pub dropped_sockets: u64,
    pub misrouted_frames: u64,
    pub repeated_deliveries: u64,
    pub repeated_acks: u64,
    pub server_cpu_pct: Option<f64>,
    pub server_rss_mib: Option<f64>,
    pub bench_cpu_pct: Option<f64>,
    pub passed: bool,
    pub verdict: String,
}

async fn run_phase(
    shared: &Arc<Shared>,
    sender: &Arc<Sender>,
    args: &Args,
    rate: f64,
    warmup: f64,
    duration: f64,
) -> PhaseReport {
    let p = {
        let mut phases = shared.phases.write().unwrap_or_else(|p| p.into_inner());
        let p = Arc::new(Phase::new(phases.len() as u32, rate, warmup, duration));
        phases.push(p.clone());
        p
    };
    let dropped_before = shared.dropped_sockets.load(Ordering::Relaxed);
    let misrouted_before = shared.misrouted.load(Ordering::Relaxed);

    // CPU readings at the window's edges, off the dispatcher's task.
    let server_pid = args.server_pid;
    let cpu = {
        let (start, end) = (p.window_start, p.window_end);
        tokio::spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            let s0 = server_pid.and_then(|pid| stats::cpu_seconds(Some(pid)));
            let b0 = stats::cpu_seconds(None);
            tokio::time::sleep_until(end.into()).await;
            let s1 = server_pid.and_then(|pid| stats::cpu_seconds(Some(pid)));
            let b1 = stats::cpu_seconds(None);
            let secs = end.duration_since(start).as_secs_f64();
            let pct = |a: Option<f64>, b: Option<f64>| Some((b? - a?) / secs * 100.0);
            (pct(s0, s1), pct(b0, b1))
        })
    };

    dispatch(shared.clone(), sender.clone(), p.clone()).await;

    // Drain: wait for answers, then for the deliveries they imply.
    let per_message = (shared.tabs + 1) as u64;
    let deadline = Instant::now() + Duration::from_secs_f64(args.drain);
    loop {
        let idle = p.in_flight.load(Ordering::Acquire) == 0;
        let complete = p.delivered_total.load(Ordering::Relaxed)
            >= p.acked_total.load(Ordering::Relaxed) * per_message;
        if (idle && complete) || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (server_cpu_pct, bench_cpu_pct) = cpu.await.unwrap_or((None, None));

    let measured = p.measure_from..p.total;
    let sent = measured.end - measured.start;
    let mut acked = 0;
    let mut missing = 0;
    let mut undelivered_first = 0;
    let all_bits = ((1u16 << shared.tabs) - 1) as u8 | VISITOR_BIT;
    for k in measured {
        let k = k as usize;
        if p.acks[k].load(Ordering::Acquire) != ACK_OK {
            continue;
        }
        acked += 1;
        let got = p.delivered[k].load(Ordering::Acquire);
        missing += u64::from((all_bits & !got).count_ones());
        if got & 1 == 0 {
            undelivered_first += 1;
        }
    }
    let errors = p.errors();
    let dropped = shared.dropped_sockets.load(Ordering::Relaxed) - dropped_before;
    let misrouted = shared.misrouted.load(Ordering::Relaxed) - misrouted_before;
    let deliver = p.deliver_first.summary();
    let persisted_per_s = p.acked_in_window.load(Ordering::Relaxed) as f64 / duration;
    let mut problems = Vec::new();
    if errors.total > 0 {
        problems.push(format!("{} send errors", errors.total));
    }
    if dropped > 0 {
        problems.push(format!("{dropped} sockets dropped"));
    }
    if missing > 0 {
        problems.push(format!("{missing} deliveries missing"));
    }
    if misrouted > 0 {
        problems.push(format!("{misrouted} frames reached the wrong socket"));
    }
    if deliver.count == 0 || deliver.p99_ms > args.p99_limit_ms {
        problems.push(format!(
            "p99 {:.1} ms over {} ms",
            deliver.p99_ms, args.p99_limit_ms
        ));
    }
    if persisted_per_s < rate * 0.97 {
        problems.push(format!("persisted {persisted_per_s:.0}/s of {rate:.0}/s"));
    }
    let error_samples = p
        .error_samples
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    PhaseReport {
        target_rate: rate,
        warmup_s: warmup,
        duration_s: duration,
        conversations: shared.conversations,
        agent_sockets: shared.conversations * shared.tabs,
        visitor_sockets: shared.conversations,
        sent,
        acked,
        persisted_per_s,
        delivered_per_s: p.delivered_in_window.load(Ordering::Relaxed) as f64 / duration,
        expected_deliveries: acked * per_message,
        missing_deliveries: missing,
        undelivered_to_first_agent: undelivered_first,
        ack_latency: p.ack_latency.summary(),
        deliver_latency: deliver,
        deliver_latency_all_sockets: p.deliver_all.summary(),
        errors,
        error_samples,
        dropped_sockets: dropped,
        misrouted_frames: misrouted,
        repeated_deliveries: p.redelivered.load(Ordering::Relaxed),
        repeated_acks: p.repeated_acks.load(Ordering::Relaxed),
        server_cpu_pct,
        server_rss_mib: args.server_pid.and_then(stats::rss_mib),
        bench_cpu_pct,
        passed: problems.is_empty(),
        verdict: if problems.is_empty() {
            "pass".into()
        } else {
            problems.join("; ")
        },
    }
}

#[derive(Serialize)]
struct SweepReport {
    max_sustainable_rate: Option<f64>,
    p99_limit_ms: f64,
    steps: Vec<PhaseReport>,
}

/// Runs the benchmark; `Ok(false)` when it ran but did not pass.
pub async fn run(args: Args) -> anyhow::Result<bool> {
    args.check()?;
    let run = uuid::Uuid::now_v7().simple().to_string()[20..].to_string();
    let (stop, _) = watch::channel(false);
    let shared = Arc::new(Shared {
        run: run.clone(),
        conversations: args.conversations,
        tabs: args.tabs,
        phases: RwLock::new(Vec::new()),
        stop,
        dropped_sockets: AtomicU64::new(0),
        misrouted: AtomicU64::new(0),
        socket_errors: Mutex::new(Vec::new()),
    });
    let convs = setup(&args, &run).await?;
    open_sockets(&shared, &args, &convs).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs_f64(args.timeout))
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .context("building the HTTP client")?;
    let sender = Arc::new(Sender {
        http,
        url: format!("{}/api/v1/widget/messages", args.url.trim_end_matches('/')).into(),
        convs: Arc::new(convs),
        filler: filler(args.text_bytes).into(),
        text_bytes: args.text_bytes,
        max_in_flight: args.max_in_flight,
    });

    let passed = if args.sweep {
        sweep(&shared, &sender, &args).await
    } else {
        if !args.json {
            eprintln!(
                "load: {:.0} msg/s for {:.0} s warm-up + {:.0} s measured",
                args.rate, args.warmup, args.duration
            );
        }
        let r = run_phase(
            &shared,
            &sender,
            &args,
            args.rate,
            args.warmup,
            args.duration,
        )
        .await;
        let json = serde_json::to_string_pretty(&r)?;
        if args.json {
            println!("{json}");
        } else {
            print_report(&r, &args);
        }
        write_json(&args, &json)?;
        r.passed
    };
    let _ = shared.stop.send(true);
    let errors = shared
        .socket_errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if !errors.is_empty() && !args.json {
        eprintln!("socket problems (first {}):", errors.len());
        for e in errors {
            eprintln!("  {e}");
        }
    }
    Ok(passed)
}

async fn sweep(shared: &Arc<Shared>, sender: &Arc<Sender>, args: &Args) -> bool {
    let mut steps: Vec<PhaseReport> = Vec::new();
    let mut best: Option<f64> = None;
    let mut worst: Option<f64> = None;
    let mut rate = args.sweep_start;
    let step = |r: PhaseReport, steps: &mut Vec<PhaseReport>| {
        if !args.json {
            eprintln!("{}", step_line(&r));
        }
        let passed = r.passed;
        steps.push(r);
        passed
    };
    if !args.json {
        eprintln!("{}", step_header());
    }
    // Climb until a step fails (or, when even the first fails, descend).
    loop {
        let r = run_phase(shared, sender, args, rate, args.warmup, args.sweep_duration).await;
        if step(r, &mut steps) {
            best = Some(rate);
            if worst.is_some() || rate >= args.sweep_max {
                break;
            }
            rate = (rate * args.sweep_factor).min(args.sweep_max);
        } else {
            worst = Some(rate);
            if best.is_some() || rate < 50.0 {
                break;
            }
            rate /= 2.0;
        }
        settle().await;
    }
    if let (Some(_), Some(_)) = (best, worst) {
        for _ in 0..args.sweep_refine {
            let (Some(lo), Some(hi)) = (best, worst) else {
                break;
            };
            if (hi - lo) / lo < 0.05 {
                break;
            }
            settle().await;
            let mid = ((lo + hi) / 2.0).round();
            let r = run_phase(shared, sender, args, mid, args.warmup, args.sweep_duration).await;
            if step(r, &mut steps) {
                best = Some(mid);
            } else {
                worst = Some(mid);
            }
        }
    }
    let report = serde_json::to_string_pretty(&SweepReport {
        max_sustainable_rate: best,
        p99_limit_ms: args.p99_limit_ms,
        steps,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the report: {e}\"}}"));
    if args.json {
        println!("{report}");
    } else {
        match best {
            Some(b) => println!(
                "max sustainable rate: {b:.0} msg/s (p99 send→deliver < {} ms, no errors, nothing lost)",
                args.p99_limit_ms
            ),
            None => println!(
                "no rate passed (p99 < {} ms, no errors, nothing lost)",
                args.p99_limit_ms
            ),
        }
    }
    if let Err(e) = write_json(args, &report) {
        eprintln!("kefu-bench: {e:#}");
    }
    best.is_some()
}

fn write_json(args: &Args, json: &str) -> anyhow::Result<()> {
    if let Some(path) = &args.json_out {
        std::fs::write(path, format!("{json}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Lets the server finish background work between sweep steps.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

fn step_header() -> String {
    format!(
        "{:>8} {:>10} {:>11} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7}  verdict",
        "rate",
        "persist/s",
        "deliver/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "srv cpu",
        "cli cpu"
    )
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "-".into())
}

fn step_line(r: &PhaseReport) -> String {
    format!(
        "{:>8.0} {:>10.0} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>7} {:>7} {:>7}  {}",
        r.target_rate,
        r.persisted_per_s,
        r.delivered_per_s,
        r.deliver_latency.p50_ms,
        r.deliver_latency.p90_ms,
        r.deliver_latency.p99_ms,
        r.deliver_latency.max_ms,
        r.errors.total,
        pct(r.server_cpu_pct),
        pct(r.bench_cpu_pct),
        r.verdict
    )
}

fn print_report(r: &PhaseReport, args: &Args) {
    let q = |q: &Quantiles| {
        format!(
            "p50 {:>7.2}  p90 {:>7.2}  p99 {:>7.2}  p99.9 {:>7.2}  max {:>8.2} ms  (n={})",
            q.p50_ms, q.p90_ms, q.p99_ms, q.p999_ms, q.max_ms, q.count
        )
    };
    println!(
        "kefu-bench realtime: {} conversations, {} agent sockets, {} visitor sockets, {} B texts",
        r.conversations, r.agent_sockets, r.visitor_sockets, args.text_bytes
    );
    println!(
        "target {:.0} msg/s, {:.0} s measured after {:.0} s warm-up",
        r.target_rate, r.duration_s, r.warmup_s
    );
    println!(
        "  persisted (2xx):  {:>10.1} msg/s   ({} of {} sends acknowledged)",
        r.persisted_per_s, r.acked, r.sent
    );
    println!(
        "  delivered:        {:>10.1} frames/s ({} expected, {} missing)",
        r.delivered_per_s, r.expected_deliveries, r.missing_deliveries
    );
    println!("  send→deliver (agent tab 1): {}", q(&r.deliver_latency));
    println!(
        "  send→deliver (all sockets): {}",
        q(&r.deliver_latency_all_sockets)
    );
    println!("  send→2xx:                   {}", q(&r.ack_latency));
    println!(
        "  errors: {} (429: {}, other 4xx: {}, 5xx: {}, timeout: {}, connect: {}, transport: {}, client overload: {})",
        r.errors.total,
        r.errors.http_429,
        r.errors.http_4xx,
        r.errors.http_5xx,
        r.errors.timeout,
        r.errors.connect,
        r.errors.transport,
        r.errors.client_overload
    );
    for s in &r.error_samples {
        println!("    e.g. {s}");
    }
    println!(
        "  dropped sockets: {}   misrouted frames: {}   repeated deliveries: {}   repeated acks: {}",
        r.dropped_sockets, r.misrouted_frames, r.repeated_deliveries, r.repeated_acks
    );
    println!(
        "  CPU: server {}  bench {}   server RSS: {}",
        pct(r.server_cpu_pct),
        pct(r.bench_cpu_pct),
        r.server_rss_mib
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "-".into())
    );
    println!("  verdict: {}", r.verdict);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_through_json() {
        let marker = "KBabc123P7N123456E";
        let text = message_text(marker, &filler(200), 200);
        assert_eq!(text.len(), 200);
        let frame =
            json!({"type": "event", "event": {"data": {"message": {"content": {"text": text}}}}})
                .to_string();
        assert_eq!(find_marker(&frame, "KBabc123P"), Some((7, 123456)));
        assert_eq!(find_marker(&frame, "KBzzzzzzP"), None);
        assert_eq!(find_marker("KBabc123PxN1E", "KBabc123P"), None);
    }

    #[test]
    fn schedule_is_open_loop_and_windowed() {
        let p = Phase::new(0, 1000.0, 2.0, 3.0);
        assert_eq!(p.total, 5000);
        assert_eq!(p.measure_from, 2000);
        let gap = p.scheduled(1000).duration_since(p.scheduled(0));
        assert!((gap.as_secs_f64() - 1.0).abs() < 1e-6);
        assert!(p.in_window(p.scheduled(2500)));
        assert!(!p.in_window(p.scheduled(1999)));
    }

    #[test]
    fn head_parses_agent_and_visitor_frames() {
        let a: Head<'_> =
            serde_json::from_str(r#"{"type":"event","cursor":"0.42","event":{"x":[1,2]}}"#)
                .unwrap();
        assert_eq!(a.kind.as_deref(), Some("event"));
        assert_eq!(
            a.cursor.as_ref().and_then(cursor_text).as_deref(),
            Some("0.42")
        );
        let v: Head<'_> = serde_json::from_str(r#"{"type":"event","seq":9,"event":{}}"#).unwrap();
        assert_eq!(v.seq, Some(9));
        assert_eq!(ws_base("http://127.0.0.1:8080/"), "ws://127.0.0.1:8080");
    }

    #[test]
    fn arguments_are_checked() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            a: Args,
        }
        let ok = T::try_parse_from(["t"]).unwrap();
        assert!(ok.a.check().is_ok());
        let bad = T::try_parse_from(["t", "--tabs", "9"]).unwrap();
        assert!(bad.a.check().is_err());
        let bad = T::try_parse_from(["t", "--rate", "0"]).unwrap();
        assert!(bad.a.check().is_err());
    }
}
