//! Runs the intent evaluation without building the `kefu` binary:
//! `cargo run --release -p kefu-bot --example eval_intents -- TRAIN.jsonl (TEST.jsonl | --carve-dev) [--bm25]`
//! (`kefu eval intents` is the supported command; this is for quick iterations.)

use std::path::Path;

use kefu_bot::intent_evaluation::{carve_dev, evaluate_intents, read_records};
use kefu_bot::{BotConfig, Method};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let train_path = args
        .first()
        .ok_or("usage: eval_intents TRAIN (TEST | --carve-dev) [--bm25]")?;
    let records = read_records(Path::new(train_path))?;
    let (train, test) = match args.get(1).map(String::as_str) {
        Some("--carve-dev") | None => carve_dev(&records, 0.2),
        Some(test) => (records, read_records(Path::new(test))?),
    };
    let config = BotConfig {
        method: if args.iter().any(|a| a == "--bm25") {
            Method::Bm25
        } else {
            Method::Hybrid
        },
        ..BotConfig::default()
    };
    let report = evaluate_intents(&train, &test, config, None, &mut |done, total| {
        eprint!("\r{done}/{total}")
    })?;
    eprintln!();
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
