//! `kefu eval`: measure the bot before a knowledge-base change goes live.
//! The work is done by `kefu_bot::intent_evaluation`; this file only parses
//! arguments and prints.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use kefu_bot::intent_evaluation::{IntentReport, carve_dev, evaluate_intents, read_records};
use kefu_bot::{BotConfig, Embedder, Method};

#[derive(clap::Subcommand)]
pub enum EvalCommand {
    /// Evaluate intent answering on labelled JSONL (`{"text","label","lang"}`,
    /// label `oos` = out of scope): builds the knowledge base from TRAIN as an
    /// import would and answers every TEST text through the bot's decision.
    Intents(IntentsArgs),
    /// Evaluate the sentiment model on labelled JSONL
    /// (`{"text","label":"pos|neg","lang"}`): trains the server's model
    /// type on TRAIN and reports accuracy and macro-F1 on TEST.
    Sentiment(SentimentArgs),
}

#[derive(clap::Args)]
pub struct SentimentArgs {
    #[arg(long, value_name = "TRAIN.jsonl", required_unless_present = "shipped")]
    train: Option<PathBuf>,
    /// Instead of training, score the model the server ships (trained from
    /// the lexicons scripts/fetch-models installs).
    #[arg(long, conflicts_with = "train")]
    shipped: bool,
    #[arg(long, value_name = "TEST.jsonl")]
    test: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Lexical features only, even when an embedding model is installed.
    #[arg(long)]
    no_models: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum MethodArg {
    /// TF-IDF linear SVM with BM25 fused in (the bot's default).
    Hybrid,
    /// BM25 alone, as a baseline.
    Bm25,
}

#[derive(clap::Args)]
pub struct IntentsArgs {
    /// Training records: they become the knowledge base.
    #[arg(long, value_name = "TRAIN.jsonl")]
    train: PathBuf,
    /// Test records.
    #[arg(long, value_name = "TEST.jsonl", required_unless_present = "carve_dev")]
    test: Option<PathBuf>,
    /// Instead of --test, hold out this fraction of TRAIN as the test set,
    /// chosen by a hash of the text (for sets without a dev split).
    #[arg(long, value_name = "FRACTION", conflicts_with = "test")]
    carve_dev: Option<f64>,
    #[arg(long, value_enum, default_value = "hybrid")]
    method: MethodArg,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Do not use an embedding model even when one is installed in
    /// KEFU_MODEL_DIR (default data/models; see scripts/fetch-models).
    #[arg(long)]
    no_models: bool,
}

pub fn run(command: EvalCommand) -> anyhow::Result<()> {
    match command {
        EvalCommand::Intents(args) => intents(args),
        EvalCommand::Sentiment(args) => sentiment(args),
    }
}

fn sentiment(args: SentimentArgs) -> anyhow::Result<()> {
    use kefu_sentiment::evaluation::{evaluate_model, read_examples};
    let test = read_examples(&args.test)?;
    let r = match &args.train {
        None => {
            let dir = kefu_embed::model_dir();
            let started = Instant::now();
            let model = kefu_sentiment::lexicon::shipped_model(&dir)?.with_context(|| {
                format!(
                    "no sentiment lexicons in {} (scripts/fetch-models)",
                    dir.display()
                )
            })?;
            let mut r = evaluate_model(&model, &test)?;
            r.train_s = started.elapsed().as_secs_f64();
            r
        }
        Some(train) => train_and_evaluate(&args, &read_examples(train)?, &test)?,
    };
    print_sentiment(&r, args.json)
}

fn train_and_evaluate(
    args: &SentimentArgs,
    train: &[kefu_sentiment::Example],
    test: &[kefu_sentiment::Example],
) -> anyhow::Result<kefu_sentiment::evaluation::SentimentReport> {
    let embedder = if args.no_models {
        None
    } else {
        let root = kefu_embed::model_dir();
        match kefu_embed::choose_sentiment_model(&root, train.iter().map(|e| e.text.as_str())) {
            Some(dir) => Some(load_encoder(&dir)?),
            None => {
                eprintln!(
                    "lexical features only (Chinese text, or no model in {})",
                    root.display()
                );
                None
            }
        }
    };
    eprintln!(
        "training on {} texts, then scoring {} test texts one by one",
        train.len(),
        test.len()
    );
    Ok(kefu_sentiment::evaluation::evaluate(train, test, embedder)?)
}

fn print_sentiment(
    r: &kefu_sentiment::evaluation::SentimentReport,
    json: bool,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, r).context("writing the report")?;
        writeln!(out)?;
    } else {
        writeln!(out, "train / test       {} / {}", r.n_train, r.n_test)?;
        for (name, value) in [
            ("accuracy", r.accuracy),
            ("macro_f1", r.macro_f1),
            ("f1_pos", r.f1_pos),
            ("f1_neg", r.f1_neg),
            ("p50_ms", r.p50_ms),
            ("p99_ms", r.p99_ms),
            ("train_s", r.train_s),
        ] {
            writeln!(out, "{name:<18} {value:.4}")?;
        }
        let models = if r.models.is_empty() {
            "none".to_string()
        } else {
            r.models.join(", ")
        };
        writeln!(out, "models             {models}")?;
    }
    Ok(())
}

fn intents(args: IntentsArgs) -> anyhow::Result<()> {
    let records = read_records(&args.train)?;
    let (train, test) = match (&args.test, args.carve_dev) {
        (Some(test), _) => (records, read_records(test)?),
        (None, Some(fraction)) => {
            anyhow::ensure!(
                fraction > 0.0 && fraction < 1.0,
                "--carve-dev takes a fraction between 0 and 1"
            );
            carve_dev(&records, fraction)
        }
        (None, None) => anyhow::bail!("give --test or --carve-dev"),
    };
    let config = BotConfig {
        method: match args.method {
            MethodArg::Hybrid => Method::Hybrid,
            MethodArg::Bm25 => Method::Bm25,
        },
        ..BotConfig::default()
    };
    let embedder = if args.no_models || config.method == Method::Bm25 {
        None
    } else {
        load_model(train.iter().map(|r| r.text.as_str()))?
    };
    eprintln!(
        "building the bot from {} training texts, then deciding {} test texts",
        train.len(),
        test.len()
    );
    let report = evaluate_intents(&train, &test, config, embedder, &mut |done, total| {
        eprint!("\rdecided {done}/{total}");
        if done == total {
            eprintln!();
        }
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &report).context("writing the report")?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &report)?;
    }
    Ok(())
}

/// The embedding model that suits the training texts, if one is installed
/// (the bot works without: then `models` is null).
fn load_model<'a>(
    train: impl IntoIterator<Item = &'a str>,
) -> anyhow::Result<Option<Arc<dyn Embedder>>> {
    let root = kefu_embed::model_dir();
    let Some(dir) = kefu_embed::choose_model(&root, train) else {
        eprintln!(
            "no embedding model in {} (scripts/fetch-models installs them): lexical only",
            root.display()
        );
        return Ok(None);
    };
    load_encoder(&dir).map(Some)
}

fn load_encoder(dir: &std::path::Path) -> anyhow::Result<Arc<dyn Embedder>> {
    let started = Instant::now();
    let model = kefu_embed::SentenceEncoder::load(dir)
        .with_context(|| format!("loading the embedding model in {}", dir.display()))?;
    eprintln!(
        "loaded {} in {:.1} s",
        model.name(),
        started.elapsed().as_secs_f64()
    );
    Ok(Arc::new(model))
}

fn print_table(out: &mut impl Write, r: &IntentReport) -> std::io::Result<()> {
    let fmt = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.4}"));
    writeln!(out, "method             {}", r.method)?;
    writeln!(
        out,
        "train / test       {} / {} ({} out of scope)",
        r.n_train, r.n_test, r.n_test_oos
    )?;
    for (name, value) in [
        ("accuracy", r.accuracy),
        ("top1_accuracy", r.top1_accuracy),
        ("answer_rate", r.answer_rate),
        ("candidate_rate", r.candidate_rate),
        ("handoff_rate", r.handoff_rate),
        ("answered_accuracy", r.answered_accuracy),
        ("oos_recall", r.oos_recall),
        ("oos_precision", r.oos_precision),
        ("macro_f1", r.macro_f1),
        ("p50_ms", r.p50_ms),
        ("p99_ms", r.p99_ms),
        ("train_s", Some(r.train_s)),
    ] {
        writeln!(out, "{name:<18} {}", fmt(value))?;
    }
    writeln!(
        out,
        "thresholds         answer {:.3}, candidates {:.3}",
        r.thresholds.answer, r.thresholds.candidates
    )?;
    writeln!(out, "bm25_weight        {:.2}", r.bm25_weight)?;
    writeln!(out, "dense_weight       {:.2}", r.dense_weight)?;
    let models = r
        .models
        .as_ref()
        .map_or("none".to_string(), |m| m.join(", "));
    writeln!(out, "models             {models}")
}
