//! Inspection throughput on one core: 200 rules (a 10,000-word forbidden
//! list, keyword, regular-expression, required-phrase, time, PII and
//! escalation rules) over conversations of 20 messages of about 30 Chinese
//! characters or 15 English words. Prints conversations per second.

use std::hint::black_box;

// The allocator the server runs with (crates/kefu): text analysis
// allocates an n-gram string per feature, so the allocator shows.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

use kefu_qa::{Inspector, Party, Rule, Transcript, Turn};
use serde_json::json;

const ZH: &[&str] = &[
    "您好",
    "请问",
    "订单",
    "什么时候",
    "发货",
    "已经",
    "帮您",
    "查询",
    "物流",
    "信息",
    "稍等",
    "退款",
    "申请",
    "处理",
    "预计",
    "明天",
    "到达",
    "地址",
    "修改",
    "感谢",
    "耐心",
    "抱歉",
    "久等",
    "客服",
    "为您",
    "服务",
    "商品",
    "质量",
    "问题",
    "换货",
];
const EN: &[&str] = &[
    "hello",
    "please",
    "order",
    "when",
    "will",
    "ship",
    "already",
    "check",
    "tracking",
    "the",
    "refund",
    "request",
    "processed",
    "tomorrow",
    "address",
    "change",
    "thanks",
    "patience",
    "sorry",
    "wait",
    "service",
    "item",
    "quality",
    "problem",
    "exchange",
    "my",
    "your",
    "is",
];

/// Words the rules look for that the conversations never use: most rules,
/// like most real rules on most conversations, find nothing.
const RULE_ZH: &[&str] = &[
    "投诉",
    "赔偿",
    "差评",
    "骗子",
    "垃圾",
    "退货",
    "发票",
    "优惠",
    "会员",
    "积分",
    "保修",
    "维修",
    "快递员",
    "破损",
    "少件",
    "错发",
    "假货",
    "过期",
    "漏发",
    "催单",
];
const RULE_EN: &[&str] = &[
    "complaint",
    "compensation",
    "scam",
    "garbage",
    "invoice",
    "discount",
    "member",
    "points",
    "warranty",
    "repair",
    "courier",
    "damaged",
    "missing",
    "wrong",
    "fake",
    "expired",
    "late",
    "lawyer",
    "cancel",
    "manager",
];

/// Deterministic pseudo-random words for message `i`, `n` of them.
fn words(vocab: &[&str], i: usize, n: usize, sep: &str) -> String {
    (0..n)
        .map(|k| vocab[(i * 7919 + k * 104_729 + k * k * 31) % vocab.len()])
        .collect::<Vec<_>>()
        .join(sep)
}

fn conversation(i: usize, zh: bool) -> Transcript {
    let turns = (0..20)
        .map(|m| {
            let party = if m % 2 == 0 {
                Party::Customer
            } else {
                Party::Agent
            };
            let text = if zh {
                words(ZH, i * 20 + m, 15, "") // 15 two-character words: 30 characters
            } else {
                words(EN, i * 20 + m, 15, " ")
            };
            Turn {
                party,
                text,
                at_ms: (m as i64) * 45_000,
            }
        })
        .collect();
    Transcript {
        turns,
        handed_off_at_ms: None,
    }
}

fn rules() -> Vec<Rule> {
    let forbidden: Vec<String> = (0..10_000)
        .map(|i| {
            if i % 2 == 0 {
                format!("禁语{i}")
            } else {
                format!("badword{i}")
            }
        })
        .collect();
    let mut rules = vec![
        json!({"id": "forbidden", "name": "禁语", "type": "forbidden", "words": forbidden}),
        json!({"id": "greeting", "name": "g", "type": "greeting", "phrases": ["您好", "hello"]}),
        json!({"id": "closing", "name": "c", "type": "closing", "phrases": ["感谢", "thanks"]}),
        json!({"id": "apology", "name": "a", "type": "apology", "complaint": ["问题", "problem"], "apology": ["抱歉", "sorry"]}),
        json!({"id": "first", "name": "f", "type": "response_time", "metric": "first_response", "over_s": 60}),
        json!({"id": "gap", "name": "g", "type": "response_time", "metric": "any_gap", "over_s": 120}),
        json!({"id": "pii", "name": "p", "type": "pii"}),
        json!({"id": "escalation", "name": "e", "type": "escalation"}),
        json!({"id": "upset", "name": "s", "type": "sentiment", "level": "negative"}),
        json!({"id": "temper", "name": "t", "type": "sentiment", "level": "negative", "speaker": "agent"}),
    ];
    let mut n = 0;
    while rules.len() < 200 {
        // One rule in four also names a word the conversations use.
        let (a, b) = if n % 4 == 0 {
            (ZH[n % ZH.len()], EN[n % EN.len()])
        } else {
            (RULE_ZH[n % RULE_ZH.len()], RULE_EN[n % RULE_EN.len()])
        };
        let (c, d) = (
            RULE_ZH[(n * 7 + 3) % RULE_ZH.len()],
            RULE_EN[(n * 5 + 1) % RULE_EN.len()],
        );
        rules.push(match n % 3 {
            0 => json!({"id": format!("kw{n}"), "name": "k", "type": "keywords", "mode": "any", "speaker": "all",
                        "terms": [{"text": a, "synonyms": [b]}, {"text": c, "synonyms": [d]}]}),
            1 => json!({"id": format!("kw{n}"), "name": "k", "type": "keywords", "mode": "at_least", "at_least": 2,
                        "terms": [{"text": a}, {"text": b}, {"text": c}]}),
            _ => json!({"id": format!("re{n}"), "name": "r", "type": "regex", "pattern": format!("(?i){a}.{{0,4}}{c}|{b}\\s+{d}"),
                        "exclude": [format!("不{a}")]}),
        });
        n += 1;
    }
    rules
        .into_iter()
        .map(|r| serde_json::from_value(r).expect("bench rule"))
        .collect()
}

fn main() {
    // The shipped sentiment model (scripts/fetch-models installs its
    // lexicons): two of the 200 rules read every customer and every agent
    // message with it.
    let started = Instant::now();
    let model = kefu_sentiment::lexicon::shipped_model(&kefu_sentiment::lexicon::model_dir())
        .expect("the sentiment lexicons read")
        .expect("no sentiment lexicons: run scripts/fetch-models");
    println!(
        "trained the shipped sentiment model in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let inspector = Inspector::compile_with_sentiment(&rules(), Some(std::sync::Arc::new(model)))
        .expect("rules compile");
    println!(
        "compiled 200 rules (10,000 forbidden words, 2 sentiment rules) in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    for (lang, zh) in [("zh", true), ("en", false)] {
        let convs: Vec<Transcript> = (0..2_000).map(|i| conversation(i, zh)).collect();
        // Warm-up, then three timed passes; the best is reported.
        let mut hits = 0;
        for c in convs.iter().take(200) {
            hits += black_box(inspector.inspect(c)).len();
        }
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            for c in &convs {
                hits += black_box(inspector.inspect(c)).len();
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        let per_conv = convs
            .iter()
            .map(|c| inspector.inspect(c).len())
            .sum::<usize>() as f64
            / convs.len() as f64;
        black_box(hits);
        println!(
            "{lang}: {:>8.0} conversations/s on one core ({:.1} µs each; {per_conv:.1} hits per conversation)",
            convs.len() as f64 / best,
            best / convs.len() as f64 * 1e6,
        );
    }
}
