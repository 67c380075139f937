//! `kefu bench bot`: the bot's latency on a 10,000-entry knowledge base, one
//! thread, with and without the embedding model (docs/benchmarks.md, "Bot
//! latency"). The knowledge base is built at run time from the shared intent
//! sets' texts (nothing of them is stored): every label's training texts, in
//! file order, are grouped into entries of `--per-entry` texts (the first is
//! the question, the rest similar questions), and entries are taken round-robin
//! over labels (every label's first group, then every label's second...)
//! until there are `--entries`. Queries are the sets' dev texts, cut to 64
//! tokens.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use kefu_bot::intent_evaluation::{IntentRecord, read_records};
use kefu_bot::{Bot, BotConfig, Embedder, FaqEntry, KnowledgeBase};

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Build a large knowledge base from the shared intent sets and time
    /// `Bot::decide` on dev messages, single-threaded.
    Bot(BotArgs),
}

#[derive(clap::Args)]
pub struct BotArgs {
    /// The shared data folder (banking77/, clinc150/, massive_zh/).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    entries: usize,
    /// Texts per entry (question + similar questions).
    #[arg(long, default_value_t = 2)]
    per_entry: usize,
    /// Messages timed (taken evenly from the dev splits).
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Skip the run with the embedding model.
    #[arg(long)]
    no_models: bool,
    /// The sets whose texts make the knowledge base and the queries (e.g.
    /// `banking77,clinc150` for an English-only one, which gets the English
    /// model). Queries come from the sets with a dev split.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "banking77,clinc150,massive_zh"
    )]
    sets: Vec<String>,
}

/// Longest message timed, in tokens (a word of Latin text or one Han
/// character counts as one, about what the models' tokenizers do).
const QUERY_TOKENS: usize = 64;

pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    let BenchCommand::Bot(args) = command;
    // One thread: candle's matrix products use rayon's pool, sized by this
    // variable, and the variable can only be set safely before start-up.
    if std::env::var("RAYON_NUM_THREADS").as_deref() != Ok("1") {
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env("RAYON_NUM_THREADS", "1")
            .status()
            .context("re-running single-threaded")?;
        std::process::exit(status.code().unwrap_or(1));
    }
    let data = if args.data.is_dir() {
        args.data.clone()
    } else {
        PathBuf::from("/work/shared/data")
    };
    let kb = knowledge_base(&data, &args.sets, args.entries, args.per_entry)?;
    let n_texts: usize = kb.entries().iter().map(|e| e.all_questions().count()).sum();
    let queries = queries(&data, &args.sets, args.queries)?;
    println!(
        "knowledge base: {} entries, {} questions; {} queries (≤ {QUERY_TOKENS} tokens)",
        kb.entries().len(),
        n_texts,
        queries.len()
    );
    measure(&kb, &queries, None)?;
    if !args.no_models {
        let root = kefu_embed::model_dir();
        let texts = kb.entries().iter().flat_map(|e| e.all_questions());
        match kefu_embed::choose_model(&root, texts) {
            Some(dir) => {
                let started = Instant::now();
                let model = kefu_embed::SentenceEncoder::load(&dir)?;
                println!(
                    "loaded {} in {:.1} s",
                    model.name(),
                    started.elapsed().as_secs_f64()
                );
                measure(&kb, &queries, Some(Arc::new(model)))?;
            }
            None => println!("no embedding model in {}: skipped", root.display()),
        }
    }
    Ok(())
}

fn measure(
    kb: &KnowledgeBase,
    queries: &[String],
    model: Option<Arc<dyn Embedder>>,
) -> anyhow::Result<()> {
    let name = model
        .as_ref()
        .map_or("none".to_string(), |m| m.name().to_string());
    let started = Instant::now();
    let bot = Bot::build_with_embedder(kb, BotConfig::default(), model)?;
    let build_s = started.elapsed().as_secs_f64();
    // Warm-up (page faults, caches), not timed.
    for q in queries.iter().take(20) {
        let _ = bot.decide(q);
    }
    let mut times: Vec<f64> = Vec::with_capacity(queries.len());
    for q in queries {
        let t = Instant::now();
        let decision = bot.decide(q);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(&decision);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        times[((p / 100.0 * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1]
    };
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "model {name}: build {build_s:.1} s; decide p50 {:.2} ms, p99 {:.2} ms, mean {mean:.2} ms, max {:.2} ms",
        pct(50.0),
        pct(99.0),
        times[times.len() - 1]
    );
    Ok(())
}

fn read(data: &Path, set: &str, split: &str) -> anyhow::Result<Vec<IntentRecord>> {
    let path = data.join(set).join(format!("{split}.jsonl"));
    read_records(&path).with_context(|| format!("reading {}", path.display()))
}

fn knowledge_base(
    data: &Path,
    sets: &[String],
    n: usize,
    per_entry: usize,
) -> anyhow::Result<KnowledgeBase> {
    // (set, label) -> texts in file order.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for set in sets {
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for r in read(data, set, "train")? {
            let key = format!("{set}/{}", r.label);
            let i = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[i].1.push(r.text);
        }
    }
    let per_entry = per_entry.max(1);
    let mut entries = Vec::with_capacity(n);
    let rounds = groups
        .iter()
        .map(|g| g.1.len())
        .max()
        .unwrap_or(0)
        .div_ceil(per_entry);
    'fill: for round in 0..rounds {
        for (key, texts) in &groups {
            let Some(chunk) = texts.chunks(per_entry).nth(round) else {
                continue;
            };
            let mut entry = FaqEntry::new(
                format!("{key}#{round}"),
                chunk[0].clone(),
                format!("(answer for {key})"),
            )
            .with_similar(chunk[1..].iter().cloned());
            entry.out_of_scope = key.ends_with("/oos");
            entries.push(entry);
            if entries.len() == n {
                break 'fill;
            }
        }
    }
    Ok(KnowledgeBase::new(entries)?)
}

fn queries(data: &Path, sets: &[String], n: usize) -> anyhow::Result<Vec<String>> {
    let mut all = Vec::new();
    for set in sets
        .iter()
        .filter(|s| data.join(s.as_str()).join("dev.jsonl").is_file())
    {
        all.extend(
            read(data, set, "dev")?
                .into_iter()
                .map(|r| truncate(&r.text)),
        );
    }
    let step = (all.len() / n.max(1)).max(1);
    Ok(all.into_iter().step_by(step).take(n).collect())
}

fn truncate(text: &str) -> String {
    let mut tokens = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let han = matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}');
        let starts = han || (!c.is_whitespace() && !in_word);
        in_word = !han && !c.is_whitespace();
        if starts {
            tokens += 1;
            if tokens > QUERY_TOKENS {
                return text[..i].trim_end().to_string();
            }
        }
    }
    text.to_string()
}
