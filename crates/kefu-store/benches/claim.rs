//! The committed claim at scale (issue 4, acceptance point 2): one account
//! with 1,000 online agents (capacity 10, one team, one web-widget inbox
//! routed to it) and 10,000 queued conversations, on SQLite and PostgreSQL.
//!
//! Measured, on each backend:
//! - one claimer, like one routing round: the head of the in-memory queue,
//!   `choose_agent` (least busy) over the in-memory agents, then
//!   `Store::claim_conversation` with the version the snapshot read; the
//!   decision, the committed claim and both, per claim;
//! - four claimers at once, each taking its own conversations (the queue
//!   split round robin), deciding over one shared view of the agents;
//! - two claimers racing for the same conversations with different agents:
//!   exactly one may win each, the other must get `VersionConflict`;
//! - the snapshot a routing round reads: `queued_conversations(account,
//!   10_000)` plus `routing_roster(account)`.
//!
//! Afterwards the store is read back and the bench panics if a conversation
//! was claimed twice, a claim returned Ok without assigning, or an agent
//! holds more than their capacity.
//!
//! `BACKENDS=sqlite,postgres` (the default) picks the backends; PostgreSQL is
//! `KEFU_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! in a fresh schema dropped afterwards, and skipped with a line saying so
//! when it cannot be reached.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_core::model::*;
use kefu_core::state::{Policy, Status};
use kefu_core::store::{Applied, Claim, NewConversation, NewMessage, Store};
use kefu_core::*;
use kefu_routing::{Agent, Queue, RoutingPolicy, Waiting, choose_agent};
use kefu_store::OpenOptions;

const AGENTS: usize = 1_000;
const QUEUED: usize = 10_000;
const CAPACITY: i32 = 10;
/// Claims made one after another by one claimer.
const SERIAL_CLAIMS: usize = 2_000;
const PARALLEL_CLAIMERS: usize = 4;
/// Claims made by the concurrent claimers together.
const PARALLEL_CLAIMS: usize = 2_000;
/// Conversations two claimers race for.
const RACE_CONVERSATIONS: usize = 200;
/// Concurrent tasks creating agents and conversations.
const SETUP_TASKS: usize = 12;
const SNAPSHOT_READS: usize = 10;

fn main() {
    let backends = std::env::var("BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut table = Vec::new();
    rt.block_on(async {
        for backend in backends.split(',').map(str::trim).filter(|b| !b.is_empty()) {
            match backend {
                "sqlite" => table.extend(sqlite().await),
                "postgres" => table.extend(postgres().await),
                other => panic!("unknown backend {other:?} in BACKENDS (sqlite, postgres)"),
            }
        }
    });
    println!();
    println!(
        "{AGENTS} agents (capacity {CAPACITY}), {QUEUED} queued conversations; \
         latencies per claim, throughput over the phase's wall time"
    );
    println!();
    println!("| backend | measured | n | p50 | p90 | p99 | max | per s |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in &table {
        println!("{row}");
    }
}

async fn sqlite() -> Vec<String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    std::fs::create_dir_all(&target).expect("create target dir");
    let dir = tempfile::Builder::new()
        .prefix("claim-bench-")
        .tempdir_in(&target)
        .expect("temp dir under target/");
    let url = format!("sqlite://{}/kefu.db", dir.path().display());
    println!("== sqlite ({url})");
    let opened = kefu_store::open(&url, options())
        .await
        .expect("open sqlite");
    run_backend("sqlite", opened.store).await
}

async fn postgres() -> Vec<String> {
    use sqlx::Connection;
    let base = std::env::var("KEFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => {
            println!("== postgres: SKIPPED, cannot connect to {base}: {e}");
            return Vec::new();
        }
    };
    let schema = format!("kefu_claim_bench_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    println!("== postgres ({base}, schema {schema})");
    // Run in a task so the schema is dropped even when an invariant fails.
    let result = tokio::spawn(async move {
        let opened = kefu_store::open(&url, options())
            .await
            .expect("open postgres");
        run_backend("postgres", opened.store).await
    })
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut conn)
        .await
        .expect("drop schema");
    match result {
        Ok(rows) => rows,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn options() -> OpenOptions {
    OpenOptions {
        max_connections: 16,
        ..OpenOptions::default()
    }
}

/// What setup made: the account, its team and inbox.
#[derive(Clone)]
struct World {
    account: AccountId,
    team: TeamId,
    inbox: InboxId,
}

impl World {
    fn policy(&self) -> Policy {
        Policy {
            bot_enabled: false,
            default_team: Some(self.team),
            bot_while_queued: false,
        }
    }

    fn claim(&self, conversation: ConversationId, agent: UserId, version: i64) -> Claim {
        Claim {
            account_id: self.account,
            conversation_id: conversation,
            agent,
            expected_version: Some(version),
            check_capacity: true,
            transfer_notice: None,
            policy: self.policy(),
            actor: Sender::system(),
            now: Timestamp::now(),
        }
    }
}

/// Runs `f(0..n)` on `SETUP_TASKS` tasks; a panic in any of them is re-raised.
async fn in_parallel<F, Fut>(n: usize, f: F)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for t in 0..SETUP_TASKS {
        let f = f.clone();
        set.spawn(async move {
            let mut i = t;
            while i < n {
                f(i).await;
                i += SETUP_TASKS;
            }
        });
    }
    while let Some(done) = set.join_next().await {
        if let Err(e) = done {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

async fn setup(store: Arc<dyn Store>) -> World {
    let now = Timestamp::now();
    let account = Account {
        id: AccountId::new(),
        name: "Claim bench".into(),
        time_zone: "Asia/Shanghai".into(),
        created_at: now,
        updated_at: now,
    };
    store.create_account(&account).await.expect("account");
    let team = Team {
        id: TeamId::new(),
        account_id: account.id,
        name: "Support".into(),
        skills: vec![],
        created_at: now,
    };
    store.create_team(&team).await.expect("team");
    let inbox = Inbox {
        id: InboxId::new(),
        account_id: account.id,
        name: "Website".into(),
        channel: ChannelKind::WebWidget,
        bot_enabled: false,
        default_team_id: Some(team.id),
        allowed_origins: vec!["https://shop.example".into()],
        require_identity: false,
        settings: serde_json::json!({"routing": {"policy": "least_busy"}}),
        created_at: now,
        updated_at: now,
    };
    store.create_inbox(&inbox, "secret").await.expect("inbox");
    let world = World {
        account: account.id,
        team: team.id,
        inbox: inbox.id,
    };

    let t = Instant::now();
    let (s, w) = (store.clone(), world.clone());
    in_parallel(AGENTS, move |i| {
        let (s, w) = (s.clone(), w.clone());
        async move {
            let id = UserId::new();
            let user = User {
                id,
                email: format!("agent-{i}-{}@example.com", id.0.simple()),
                name: format!("Agent {i}"),
                created_at: Timestamp::now(),
            };
            s.create_user(&user, "hash").await.expect("user");
            let member = Member {
                account_id: w.account,
                user_id: id,
                email: user.email.clone(),
                name: user.name.clone(),
                role: Role::Agent,
                availability: Availability::Online,
                capacity: CAPACITY,
                skills: vec![],
                channel_capacity: Default::default(),
                last_assigned_at: None,
                created_at: Timestamp::now(),
            };
            s.upsert_member(&member).await.expect("member");
            s.set_availability(w.account, id, Availability::Online)
                .await
                .expect("online");
            s.set_team_member(w.account, w.team, id, true)
                .await
                .expect("team member");
            s.set_inbox_member(w.account, w.inbox, id, true)
                .await
                .expect("inbox member");
        }
    })
    .await;
    let agents_took = t.elapsed();

    let t = Instant::now();
    let (s, w) = (store.clone(), world.clone());
    // Arrivals spread over the last QUEUED seconds, so the queue has an order.
    let base = now.millis() - (QUEUED as i64) * 1000;
    in_parallel(QUEUED, move |i| {
        let (s, w) = (s.clone(), w.clone());
        async move {
            let at = Timestamp::from_millis(base + (i as i64) * 1000);
            let contact = Contact {
                id: ContactId::new(),
                account_id: w.account,
                name: Some(format!("Customer {i}")),
                email: Some(format!("customer-{i}@example.com")),
                phone: None,
                attributes: serde_json::json!({}),
                created_at: at,
                updated_at: at,
                erased_at: None,
            };
            s.create_contact(&contact, &[]).await.expect("contact");
            let conversation = s
                .create_conversation(
                    &NewConversation {
                        id: ConversationId::new(),
                        account_id: w.account,
                        inbox_id: w.inbox,
                        contact_id: contact.id,
                        kind: ConversationKind::Chat,
                        priority: Priority::Normal,
                        subject: None,
                        labels: vec![],
                        ticket_type: None,
                        custom_fields: Default::default(),
                        follow_up_of: None,
                        actor: Sender::contact(contact.id),
                        now: at,
                    },
                    &w.policy(),
                )
                .await
                .expect("conversation")
                .conversation;
            let appended = s
                .append_message(
                    &NewMessage {
                        id: MessageId::new(),
                        account_id: w.account,
                        conversation_id: conversation.id,
                        sender: Sender::contact(contact.id),
                        content: MessageContent::text("你好, where is my order?"),
                        visibility: MessageVisibility::Public,
                        external_id: None,
                        client_id: None,
                        mentions: vec![],
                        now: at,
                    },
                    &w.policy(),
                )
                .await
                .expect("message");
            assert_eq!(appended.conversation.status, Status::Queued, "not queued");
        }
    })
    .await;
    let conversations_took = t.elapsed();
    println!(
        "setup: {AGENTS} agents in {:.1} s, {QUEUED} queued conversations (contact, \
         conversation, first message each) in {:.1} s, {SETUP_TASKS} tasks",
        agents_took.as_secs_f64(),
        conversations_took.as_secs_f64()
    );
    world
}

/// What a routing round works from, as crates/kefu-http/src/routing/snapshot.rs
/// builds it.
struct Snapshot {
    queue: Queue,
    agents: Vec<Agent>,
    versions: HashMap<ConversationId, i64>,
}

async fn snapshot(store: &dyn Store, w: &World) -> (Snapshot, Duration, Duration) {
    let t = Instant::now();
    let queued = store
        .queued_conversations(w.account, QUEUED as u32)
        .await
        .expect("queued conversations");
    let queued_took = t.elapsed();
    let t = Instant::now();
    let roster = store.routing_roster(w.account).await.expect("roster");
    let roster_took = t.elapsed();
    let mut versions = HashMap::new();
    let queue = Queue::new(queued.into_iter().map(|q| {
        let c = q.conversation;
        versions.insert(c.id, c.version);
        Waiting {
            conversation: c.id,
            priority: c.priority,
            enqueued_at: c.queued_at.unwrap_or(c.updated_at),
            channel: ChannelKind::WebWidget,
            skills: vec![],
            last_agent: q.last_agent,
        }
    }));
    let agents = roster
        .iter()
        .filter(|r| {
            r.member.capacity > 0 && r.teams.contains(&w.team) && r.inboxes.contains(&w.inbox)
        })
        .map(|r| {
            let m = &r.member;
            Agent {
                id: m.user_id,
                availability: m.availability,
                capacity: u32::try_from(m.capacity).unwrap_or(0),
                channel_capacity: m
                    .channel_capacity
                    .iter()
                    .map(|(c, n)| (*c, u32::try_from(*n).unwrap_or(0)))
                    .collect(),
                load: r
                    .open
                    .iter()
                    .map(|(c, n)| (*c, u32::try_from(*n).unwrap_or(u32::MAX)))
                    .collect(),
                skills: Default::default(),
                last_assigned_at: m.last_assigned_at,
            }
        })
        .collect();
    (
        Snapshot {
            queue,
            agents,
            versions,
        },
        queued_took,
        roster_took,
    )
}

/// Every claim that returned Ok, checked on the spot and recorded; a second
/// Ok for one conversation panics.
#[derive(Default)]
struct Ledger {
    assigned: HashMap<ConversationId, UserId>,
}

impl Ledger {
    fn record(&mut self, applied: &Applied, conversation: ConversationId, agent: UserId) {
        let c = &applied.conversation;
        assert!(
            c.id == conversation && c.status == Status::Assigned && c.assignee_id == Some(agent),
            "claim of {conversation} for {agent} returned Ok but the conversation is {:?} \
             assigned to {:?}",
            c.status,
            c.assignee_id
        );
        assert!(
            !applied.events.is_empty(),
            "claim of {conversation} returned Ok without events"
        );
        if let Some(first) = self.assigned.insert(conversation, agent) {
            panic!("conversation {conversation} claimed twice: by {first} and by {agent}");
        }
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let n = sorted.len();
    sorted[((p * n as f64).ceil() as usize).clamp(1, n) - 1]
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

/// One table row: count, p50, p90, p99, max and, when given, the rate.
fn row(backend: &str, what: &str, mut times: Vec<Duration>, rate: Option<f64>) -> String {
    assert!(!times.is_empty(), "no samples for {what}");
    times.sort();
    let line = format!(
        "| {backend} | {what} | {} | {} | {} | **{}** | {} | {} |",
        times.len(),
        fmt(pct(&times, 0.50)),
        fmt(pct(&times, 0.90)),
        fmt(pct(&times, 0.99)),
        fmt(times[times.len() - 1]),
        rate.map_or_else(|| "–".into(), |r| format!("{r:.0}")),
    );
    println!("{line}");
    line
}

/// The machine is shared: the load average says how much else was running.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

async fn run_backend(backend: &str, store: Arc<dyn Store>) -> Vec<String> {
    let mut rows = Vec::new();
    println!("load average before: {}", load_average());
    let world = setup(store.clone()).await;

    // The snapshot a routing round reads, on the full queue.
    let mut reads = Vec::new();
    let mut snap = None;
    for _ in 0..SNAPSHOT_READS {
        let (s, queued, roster) = snapshot(&*store, &world).await;
        reads.push((queued, roster));
        snap = Some(s);
    }
    let Snapshot {
        mut queue,
        mut agents,
        versions,
    } = snap.expect("a snapshot");
    assert_eq!(queue.len(), QUEUED, "queued conversations read back");
    assert_eq!(agents.len(), AGENTS, "eligible agents read back");
    rows.push(row(
        backend,
        "snapshot: `queued_conversations(10,000)`",
        reads.iter().map(|r| r.0).collect(),
        None,
    ));
    rows.push(row(
        backend,
        "snapshot: `routing_roster` (1,000 members)",
        reads.iter().map(|r| r.1).collect(),
        None,
    ));

    let mut ledger = Ledger::default();

    // One claimer, like one routing round.
    let (mut decide, mut commit, mut both) = (vec![], vec![], vec![]);
    let started = Instant::now();
    for _ in 0..SERIAL_CLAIMS {
        let t0 = Instant::now();
        let now = Timestamp::now();
        let head = queue.iter().next().expect("a queued conversation");
        let conversation = head.conversation;
        let agent = choose_agent(head, &agents, RoutingPolicy::LeastBusy, now, None)
            .expect("an agent with a free slot")
            .id;
        let t1 = Instant::now();
        let claim = world.claim(conversation, agent, versions[&conversation]);
        let applied = store
            .claim_conversation(&claim)
            .await
            .unwrap_or_else(|e| panic!("uncontended claim failed: {e}"));
        let t2 = Instant::now();
        ledger.record(&applied, conversation, agent);
        let waiting = queue.remove(conversation).expect("in the queue");
        agents
            .iter_mut()
            .find(|a| a.id == agent)
            .expect("chosen agent")
            .take(&waiting, now);
        let t3 = Instant::now();
        decide.push(t1 - t0);
        commit.push(t2 - t1);
        both.push(t3 - t0);
    }
    let rate = SERIAL_CLAIMS as f64 / started.elapsed().as_secs_f64();
    rows.push(row(
        backend,
        "1 claimer: decision (`choose_agent`)",
        decide,
        None,
    ));
    rows.push(row(backend, "1 claimer: committed claim", commit, None));
    rows.push(row(
        backend,
        "1 claimer: decision + claim",
        both,
        Some(rate),
    ));

    // Four claimers, each with its own conversations, one shared view of the
    // agents: a decision reserves the slot, a failed claim gives it back.
    let heads: Vec<Waiting> = queue.iter().take(PARALLEL_CLAIMS).cloned().collect();
    for w in &heads {
        queue.remove(w.conversation);
    }
    let shared = Arc::new(Mutex::new(agents));
    let versions = Arc::new(versions);
    let mut set = tokio::task::JoinSet::new();
    let started = Instant::now();
    for k in 0..PARALLEL_CLAIMERS {
        let mine: Vec<Waiting> = heads
            .iter()
            .skip(k)
            .step_by(PARALLEL_CLAIMERS)
            .cloned()
            .collect();
        let (store, world, shared, versions) = (
            store.clone(),
            world.clone(),
            shared.clone(),
            versions.clone(),
        );
        set.spawn(async move {
            let mut out = Vec::with_capacity(mine.len());
            for w in mine {
                let t0 = Instant::now();
                let now = Timestamp::now();
                let agent = {
                    let mut agents = shared.lock().expect("agents");
                    let id = choose_agent(&w, &agents, RoutingPolicy::LeastBusy, now, None)
                        .expect("an agent with a free slot")
                        .id;
                    let a = agents.iter_mut().find(|a| a.id == id).expect("agent");
                    a.take(&w, now);
                    id
                };
                let t1 = Instant::now();
                let claim = world.claim(w.conversation, agent, versions[&w.conversation]);
                let result = store.claim_conversation(&claim).await;
                let t2 = Instant::now();
                if result.is_err() {
                    let mut agents = shared.lock().expect("agents");
                    let a = agents.iter_mut().find(|a| a.id == agent).expect("agent");
                    *a.load.entry(w.channel).or_insert(1) -= 1;
                }
                out.push((w.conversation, agent, result, t1 - t0, t2 - t1, t2 - t0));
            }
            out
        });
    }
    let mut results = vec![];
    while let Some(done) = set.join_next().await {
        match done {
            Ok(r) => results.extend(r),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    let wall = started.elapsed();
    let (mut commit, mut both, mut failed) = (vec![], vec![], HashMap::<String, usize>::new());
    for (conversation, agent, result, _decide, c, b) in results {
        match result {
            Ok(applied) => ledger.record(&applied, conversation, agent),
            Err(e) => *failed.entry(e.to_string()).or_default() += 1,
        }
        commit.push(c);
        both.push(b);
    }
    let ok = PARALLEL_CLAIMS - failed.values().sum::<usize>();
    println!("{PARALLEL_CLAIMERS} claimers: {ok} assigned, failed: {failed:?}");
    let rate = ok as f64 / wall.as_secs_f64();
    rows.push(row(
        backend,
        &format!("{PARALLEL_CLAIMERS} claimers: committed claim"),
        commit,
        None,
    ));
    rows.push(row(
        backend,
        &format!("{PARALLEL_CLAIMERS} claimers: decision + claim"),
        both,
        Some(rate),
    ));
    let agents = shared.lock().expect("agents").clone();

    // Two claimers race for the same conversations, each choosing among its
    // own half of the agents, so the conversation's version decides.
    let contested: Vec<Waiting> = queue.iter().take(RACE_CONVERSATIONS).cloned().collect();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let mut set = tokio::task::JoinSet::new();
    let started = Instant::now();
    for k in 0..2 {
        let mut mine: Vec<Agent> = agents.iter().skip(k).step_by(2).cloned().collect();
        let (store, world, versions, barrier, contested) = (
            store.clone(),
            world.clone(),
            versions.clone(),
            barrier.clone(),
            contested.clone(),
        );
        set.spawn(async move {
            let mut out = Vec::with_capacity(contested.len());
            for w in contested {
                let now = Timestamp::now();
                let agent = choose_agent(&w, &mine, RoutingPolicy::LeastBusy, now, None)
                    .expect("an agent with a free slot")
                    .id;
                let claim = world.claim(w.conversation, agent, versions[&w.conversation]);
                barrier.wait().await;
                let t = Instant::now();
                let result = store.claim_conversation(&claim).await;
                let took = t.elapsed();
                if result.is_ok() {
                    mine.iter_mut()
                        .find(|a| a.id == agent)
                        .expect("agent")
                        .take(&w, now);
                }
                out.push((w.conversation, agent, result, took));
            }
            out
        });
    }
    let mut results = vec![];
    while let Some(done) = set.join_next().await {
        match done {
            Ok(r) => results.extend(r),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    let wall = started.elapsed();
    let mut wins: HashMap<ConversationId, usize> = HashMap::new();
    let (mut conflicts, mut times) = (0, vec![]);
    for (conversation, agent, result, took) in results {
        times.push(took);
        match result {
            Ok(applied) => {
                ledger.record(&applied, conversation, agent);
                *wins.entry(conversation).or_default() += 1;
            }
            Err(StoreError::VersionConflict(_)) => conflicts += 1,
            Err(e) => panic!("racing claim for {conversation} failed unexpectedly: {e}"),
        }
    }
    for w in &contested {
        assert_eq!(
            wins.get(&w.conversation).copied().unwrap_or(0),
            1,
            "conversation {} must be won exactly once",
            w.conversation
        );
    }
    assert_eq!(
        conflicts, RACE_CONVERSATIONS,
        "one loser per contested conversation"
    );
    println!(
        "2 racing claimers: {RACE_CONVERSATIONS} conversations, {RACE_CONVERSATIONS} won, {conflicts} VersionConflict"
    );
    rows.push(row(
        backend,
        &format!("2 claimers racing for the same {RACE_CONVERSATIONS} (1 wins)"),
        times,
        Some(RACE_CONVERSATIONS as f64 / wall.as_secs_f64()),
    ));

    verify(&*store, &world, &ledger).await;
    println!("load average after: {}", load_average());
    rows
}

/// Reads the store back: every Ok claim holds, nobody is over capacity, the
/// load per agent is exactly what was claimed, and the rest is still queued.
async fn verify(store: &dyn Store, w: &World, ledger: &Ledger) {
    let mut expected: HashMap<UserId, i64> = HashMap::new();
    for agent in ledger.assigned.values() {
        *expected.entry(*agent).or_default() += 1;
    }
    let roster = store.routing_roster(w.account).await.expect("roster");
    assert_eq!(roster.len(), AGENTS, "members read back");
    let mut total = 0;
    for r in &roster {
        let open: i64 = r.open.values().sum();
        assert!(
            open <= i64::from(r.member.capacity),
            "agent {} holds {open} conversations, capacity {}",
            r.member.user_id,
            r.member.capacity
        );
        assert_eq!(
            open,
            expected.get(&r.member.user_id).copied().unwrap_or(0),
            "agent {} holds a different number of conversations than were claimed for them",
            r.member.user_id
        );
        total += open;
    }
    assert_eq!(
        total,
        ledger.assigned.len() as i64,
        "assigned conversations"
    );
    for (conversation, agent) in &ledger.assigned {
        let c = store
            .get_conversation(w.account, *conversation)
            .await
            .expect("claimed conversation");
        assert!(
            c.status == Status::Assigned && c.assignee_id == Some(*agent),
            "conversation {conversation} claimed for {agent} is {:?} assigned to {:?}",
            c.status,
            c.assignee_id
        );
    }
    let still: HashSet<ConversationId> = store
        .queued_conversations(w.account, QUEUED as u32)
        .await
        .expect("queued")
        .into_iter()
        .map(|q| q.conversation.id)
        .collect();
    assert_eq!(
        still.len(),
        QUEUED - ledger.assigned.len(),
        "conversations still queued"
    );
    assert!(
        ledger.assigned.keys().all(|c| !still.contains(c)),
        "a claimed conversation is still queued"
    );
    println!(
        "verified: {} claimed conversations assigned once each to the agent claimed for, \
         no agent over capacity {CAPACITY}, {} still queued",
        ledger.assigned.len(),
        still.len()
    );
}
