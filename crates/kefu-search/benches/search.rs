//! Search benchmark: a seeded synthetic year of customer-service data, bulk
//! indexed (messages/s), then query latency percentiles.
//!
//! cargo bench -p kefu-search --bench search -- --messages 1000000
//!
//! Options: --messages N (default 1,000,000), --queries N (default 1000),
//! --dir PATH (default target/bench-search), --seed N, --reuse (skip
//! indexing when the directory already holds this exact data set).
//!
//! The texts are built from the word lists below (written for this bench),
//! never from a data set.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kefu_core::ids::{AccountId, ContactId, ConversationId, InboxId, MessageId, UserId};
use kefu_core::time::Timestamp;
use kefu_search::{
    ContactDoc, ConversationDoc, DocKind, MessageDoc, Order, SearchIndex, SearchQuery,
};
use uuid::Uuid;

/// SplitMix64: small, seeded, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn uuid(&mut self) -> Uuid {
        Uuid::from_u64_pair(self.next(), self.next())
    }
}

const ZH_NOUNS: &[&str] = &[
    "订单",
    "退款",
    "发票",
    "物流",
    "快递",
    "地址",
    "优惠券",
    "会员",
    "积分",
    "密码",
    "账号",
    "手机",
    "耳机",
    "充电器",
    "屏幕",
    "电池",
    "保修",
    "换货",
    "价格",
    "库存",
    "银行卡",
    "包裹",
    "尺码",
    "颜色",
    "商品",
    "运费",
    "售后",
    "赠品",
    "验证码",
    "余额",
    "押金",
    "套餐",
    "门店",
    "预约",
    "配件",
    "说明书",
    "二维码",
    "定金",
    "尾款",
    "红包",
];
const ZH_VERBS: &[&str] = &[
    "申请", "查询", "修改", "取消", "确认", "收到", "发货", "退回", "更换", "登录", "绑定", "支付",
    "使用", "开具", "补发", "核实", "处理", "升级", "激活", "领取",
];
const ZH_ADJ: &[&str] = &[
    "一直没到",
    "有问题",
    "坏了",
    "不对",
    "太慢了",
    "显示异常",
    "没有反应",
    "丢了",
    "不见了",
    "被扣了两次",
];
const ZH_TEMPLATES: &[&str] = &[
    "你好，我想{v}{n}",
    "{n}{a}，怎么办",
    "请问{n}什么时候能{v}",
    "我的{n}{a}，麻烦帮我{v}一下",
    "昨天{v}的{n}{a}",
    "能不能帮我{v}{n}？谢谢",
    "客服你好，{n}和{n2}都{a}",
    "已经{v}了{n}，但是{n2}{a}",
];
const EN_NOUNS: &[&str] = &[
    "order",
    "refund",
    "invoice",
    "parcel",
    "delivery",
    "address",
    "coupon",
    "membership",
    "points",
    "password",
    "account",
    "phone",
    "charger",
    "screen",
    "battery",
    "warranty",
    "exchange",
    "price",
    "payment",
    "card",
    "size",
    "color",
    "shipping",
    "receipt",
    "subscription",
    "voucher",
    "tracking",
    "headphones",
    "tablet",
    "laptop",
];
const EN_VERBS: &[&str] = &[
    "cancel", "change", "track", "return", "replace", "update", "confirm", "check", "reset",
    "activate", "redeem", "refund",
];
const EN_ADJ: &[&str] = &[
    "broken",
    "late",
    "missing",
    "wrong",
    "damaged",
    "charged twice",
    "not working",
    "lost",
];
const EN_TEMPLATES: &[&str] = &[
    "Hi, I want to {v} my {n}",
    "my {n} is {a}",
    "when will my {n} arrive?",
    "please {v} the {n} for order {num}",
    "the {n} and the {n2} are both {a}",
    "Could you help me {v} my {n}? Thanks",
];
const BRANDS: &[&str] = &[
    "iphone", "ipad", "macbook", "kindle", "switch", "airpods", "galaxy",
];
const STATUSES: &[&str] = &["open", "pending", "snoozed", "resolved"];
const LABELS: &[&str] = &[
    "vip",
    "billing",
    "shipping",
    "complaint",
    "presale",
    "urgent",
];
const CHANNELS: &[&str] = &["web", "email", "wechat", "api"];

fn fill(rng: &mut Rng, template: &str, zh: bool) -> String {
    let (nouns, verbs, adj) = if zh {
        (ZH_NOUNS, ZH_VERBS, ZH_ADJ)
    } else {
        (EN_NOUNS, EN_VERBS, EN_ADJ)
    };
    template
        .replace("{n2}", rng.pick(nouns))
        .replace("{n}", rng.pick(nouns))
        .replace("{v}", rng.pick(verbs))
        .replace("{a}", rng.pick(adj))
        .replace("{num}", &format!("{}", 100_000 + rng.below(900_000)))
}

fn sentence(rng: &mut Rng) -> String {
    let kind = rng.below(10);
    let mut s = if kind < 6 {
        let t = rng.pick(ZH_TEMPLATES);
        fill(rng, t, true)
    } else if kind < 9 {
        let t = rng.pick(EN_TEMPLATES);
        fill(rng, t, false)
    } else {
        // Mixed: a product name inside Chinese.
        format!(
            "{}{}{}",
            rng.pick(BRANDS),
            rng.pick(ZH_NOUNS),
            rng.pick(ZH_ADJ)
        )
    };
    if rng.chance(30) {
        s.push('。');
        let t = rng.pick(ZH_TEMPLATES);
        s.push_str(&fill(rng, t, true));
    }
    s
}

struct Args {
    messages: usize,
    queries: usize,
    dir: PathBuf,
    seed: u64,
    reuse: bool,
}

fn args() -> Args {
    let mut a = Args {
        messages: 1_000_000,
        queries: 1000,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-search"),
        seed: 7,
        reuse: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--messages" => {
                a.messages = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--messages N")
            }
            "--queries" => a.queries = it.next().and_then(|v| v.parse().ok()).expect("--queries N"),
            "--dir" => a.dir = PathBuf::from(it.next().expect("--dir PATH")),
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--reuse" => a.reuse = true,
            _ => {} // cargo passes --bench
        }
    }
    a
}

/// Free space (bytes) on the file system holding `dir`, from `df`.
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    let out = std::process::Command::new("df")
        .arg("-Pk")
        .arg(dir)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().nth(1)?;
    line.split_whitespace()
        .nth(3)?
        .parse::<u64>()
        .ok()
        .map(|k| k * 1024)
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

struct World {
    accounts: Vec<AccountId>,
    inboxes: Vec<Vec<InboxId>>,
    agents: Vec<UserId>,
}

const INBOXES_PER_ACCOUNT: usize = 8;
const YEAR_MS: i64 = 365 * 86_400_000;
const START: i64 = 1_735_689_600_000; // 2025-01-01

fn world(rng: &mut Rng) -> World {
    let accounts: Vec<AccountId> = (0..50).map(|_| AccountId(rng.uuid())).collect();
    let inboxes = accounts
        .iter()
        .map(|_| {
            (0..INBOXES_PER_ACCOUNT)
                .map(|_| InboxId(rng.uuid()))
                .collect()
        })
        .collect();
    let agents = (0..40).map(|_| UserId(rng.uuid())).collect();
    World {
        accounts,
        inboxes,
        agents,
    }
}

fn index_data(idx: &SearchIndex, w: &World, rng: &mut Rng, messages: usize) -> Duration {
    idx.clear().expect("clear");
    let conversations = messages.div_ceil(10);
    let started = Instant::now();
    let mut done = 0usize;
    let mut since_commit = 0usize;
    let mut contact: Option<(usize, ContactId, usize)> = None; // account, id, left
    for c in 0..conversations {
        // 80% of the data is in account 0: the hard case.
        let acct_i = if rng.chance(80) { 0 } else { 1 + rng.below(49) };
        let account = w.accounts[acct_i];
        // Contacts have ~3 conversations each (within one account).
        let contact_id = match contact {
            Some((a, id, left)) if a == acct_i && left > 0 => {
                contact = Some((a, id, left - 1));
                id
            }
            _ => {
                let id = ContactId(rng.uuid());
                let n = rng.below(1_000_000);
                let name = format!(
                    "{}{} Customer{}",
                    rng.pick(&["王", "李", "张", "刘", "陈"]),
                    rng.pick(&["伟", "芳", "娜", "敏", "静", "强"]),
                    n
                );
                idx.upsert_contact(ContactDoc {
                    account,
                    id,
                    name: Some(name),
                    email: Some(format!("customer{n}@example.com")),
                    phone: Some(format!("+86 138{:08}", n)),
                    inboxes: Vec::new(),
                    created_at: Timestamp::from_millis(
                        START + (c as i64 * YEAR_MS) / conversations as i64,
                    ),
                })
                .expect("contact");
                contact = Some((acct_i, id, 2));
                id
            }
        };
        let created = START + (c as i64 * YEAR_MS) / conversations as i64;
        let conv = ConversationDoc {
            account,
            id: ConversationId(rng.uuid()),
            inbox: rng.pick(&w.inboxes[acct_i]),
            contact: Some(contact_id),
            channel: Some(rng.pick(CHANNELS).to_string()),
            status: rng.pick(STATUSES).to_string(),
            assignee: if rng.chance(80) {
                Some(rng.pick(&w.agents))
            } else {
                None
            },
            team: None,
            labels: (0..rng.below(3))
                .map(|_| rng.pick(LABELS).to_string())
                .collect(),
            subject: if rng.chance(30) {
                Some(sentence(rng))
            } else {
                None
            },
            created_at: Timestamp::from_millis(created),
        };
        idx.upsert_conversation(conv.clone()).expect("conversation");
        let n = (messages - done).min(6 + rng.below(9));
        for m in 0..n {
            idx.add_message(MessageDoc {
                account,
                id: MessageId(rng.uuid()),
                conversation: conv.id,
                inbox: conv.inbox,
                contact: conv.contact,
                channel: conv.channel.clone(),
                body: sentence(rng),
                created_at: Timestamp::from_millis(created + m as i64 * 60_000),
            })
            .expect("message");
        }
        done += n;
        since_commit += n;
        if since_commit >= 100_000 {
            idx.commit(None).expect("commit");
            since_commit = 0;
            eprintln!(
                "  {done} messages, {:.0} msg/s",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
        if done >= messages {
            break;
        }
    }
    idx.commit(None).expect("commit");
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let a = args();
    std::fs::create_dir_all(&a.dir).expect("bench dir");
    let free = free_bytes(&a.dir);
    // The uncompressed index is ~1 KB per message with all fields; ask for 4x.
    let need = a.messages as u64 * 4_000;
    println!(
        "index directory: {} (free: {})",
        a.dir.display(),
        free.map_or("unknown".into(), |f| format!("{} MB", f / 1_000_000))
    );
    if let Some(f) = free
        && f < need
    {
        eprintln!("not enough free disk: need ~{} MB", need / 1_000_000);
        std::process::exit(2);
    }
    let mut rng = Rng(a.seed);
    let w = world(&mut rng);
    let tag = format!("bench:{}:{}", a.messages, a.seed);
    let idx = SearchIndex::open(&a.dir).expect("open");
    if a.reuse && idx.cursor().as_deref() == Some(tag.as_str()) {
        println!("reusing the index ({} docs)", idx.num_docs());
    } else {
        let took = index_data(&idx, &w, &mut rng, a.messages);
        idx.commit(Some(&tag)).expect("commit");
        println!(
            "indexed {} messages ({} docs with conversations and contacts) in {:.1} s: {:.0} messages/s",
            a.messages,
            idx.num_docs(),
            took.as_secs_f64(),
            a.messages as f64 / took.as_secs_f64()
        );
    }
    println!("index size on disk: {} MB", dir_size(&a.dir) / 1_000_000);

    // Queries in the big account, as an agent who sees 3 of its 8 inboxes.
    let mut qrng = Rng(a.seed ^ 0xABCD);
    let account = w.accounts[0];
    let visible: Vec<InboxId> = w.inboxes[0][..3].to_vec();
    let make = |rng: &mut Rng, i: usize| -> (&'static str, SearchQuery) {
        let mut q = SearchQuery::new(account, "");
        q.inboxes = Some(visible.clone());
        let kind = match i % 7 {
            0 => {
                q.text = rng.pick(ZH_NOUNS).to_string();
                "zh word"
            }
            1 => {
                q.text = rng.pick(EN_NOUNS).to_string();
                "en word"
            }
            2 => {
                q.text = format!("{} {}", rng.pick(ZH_NOUNS), rng.pick(ZH_VERBS));
                "two words"
            }
            3 => {
                q.text = format!("{}{}", rng.pick(ZH_VERBS), rng.pick(ZH_NOUNS));
                q.status = Some(rng.pick(STATUSES).to_string());
                q.label = Some(rng.pick(LABELS).to_string());
                "zh+filters"
            }
            4 => {
                q.text = rng.pick(ZH_NOUNS).to_string();
                q.order = Order::Recency;
                q.kinds = vec![DocKind::Message];
                "recency"
            }
            5 => {
                q.text = format!("{} {}", rng.pick(BRANDS), rng.pick(ZH_NOUNS));
                let from = START + rng.below(300) as i64 * 86_400_000;
                q.from = Some(Timestamp::from_millis(from));
                q.to = Some(Timestamp::from_millis(from + 30 * 86_400_000));
                "mixed+dates"
            }
            _ => {
                q.assignee = Some(rng.pick(&w.agents));
                q.status = Some("open".into());
                "list (no text)"
            }
        };
        (kind, q)
    };
    for i in 0..50 {
        let (_, q) = make(&mut qrng, i);
        idx.search(&q).expect("warm-up");
    }
    let mut all = Vec::with_capacity(a.queries);
    let mut by_kind: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut total_hits = 0usize;
    for i in 0..a.queries {
        let (kind, q) = make(&mut qrng, i);
        let t = Instant::now();
        let r = idx.search(&q).expect("search");
        let d = t.elapsed();
        total_hits += r.total;
        all.push(d);
        by_kind.entry(kind).or_default().push(d);
    }
    all.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} queries (account with 80% of the data, 3 of 8 inboxes visible, 20 hits with snippets): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; mean matches per query {}",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.95)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().expect("queries")),
        total_hits / all.len().max(1)
    );
    for (kind, mut v) in by_kind {
        v.sort();
        println!(
            "  {kind:<15} n={:<4} p50 {:.2} ms  p95 {:.2} ms",
            v.len(),
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.95))
        );
    }
}
