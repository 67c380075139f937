//! The intent evaluation on subsets of the shared evaluation data (read at
//! run time, never copied). Floors are far above chance but below the full
//! runs reported in docs/bot-quality.md, since the subsets are smaller.

use std::path::{Path, PathBuf};

use kefu_bot::intent_evaluation::{
    IntentRecord, OOS_LABEL, carve_dev, evaluate_intents, fnv1a64, knowledge_base_from_records,
    read_records,
};
use kefu_bot::{BotConfig, Method};

/// The shared data directory, or `None` (test skipped) when it is absent
/// outside CI. Under `CI=true` a missing directory fails the test.
fn data_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("KEFU_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let data = shared.join("data");
    if data.is_dir() {
        return Some(data);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "evaluation data not found at {} (set KEFU_SHARED_DIR)",
            data.display()
        );
    }
    eprintln!(
        "skipping: evaluation data not found at {} (set KEFU_SHARED_DIR)",
        data.display()
    );
    None
}

/// At most `per_label` records of each label, in file order.
fn per_label(records: &[IntentRecord], per_label: usize) -> Vec<IntentRecord> {
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    records
        .iter()
        .filter(|r| {
            let n = seen.entry(r.label.as_str()).or_default();
            *n += 1;
            *n <= per_label
        })
        .cloned()
        .collect()
}

/// Every `step`-th record.
fn every(records: &[IntentRecord], step: usize) -> Vec<IntentRecord> {
    records.iter().step_by(step).cloned().collect()
}

#[test]
fn clinc150_subset_is_well_above_chance_and_hands_off_out_of_scope() {
    let Some(data) = data_dir() else { return };
    let train = per_label(
        &read_records(&data.join("clinc150/train.jsonl")).expect("train"),
        40,
    );
    let dev = every(
        &read_records(&data.join("clinc150/dev.jsonl")).expect("dev"),
        3,
    );
    let report = evaluate_intents(&train, &dev, BotConfig::default(), None, &mut |_, _| {})
        .expect("evaluates");
    eprintln!(
        "clinc150 subset: {}",
        serde_json::to_string(&report).expect("json")
    );
    // Chance is 1/150.
    assert!(
        report.top1_accuracy.expect("in-scope texts") > 0.83,
        "{report:?}"
    );
    assert!(
        report.accuracy.expect("in-scope texts") > 0.72,
        "{report:?}"
    );
    assert!(report.oos_recall.expect("oos texts") > 0.60, "{report:?}");
    assert!(
        report.answered_accuracy.expect("answers") > 0.90,
        "{report:?}"
    );
    assert!(report.models.is_none());
}

#[test]
fn banking77_carved_dev_subset() {
    let Some(data) = data_dir() else { return };
    let all = read_records(&data.join("banking77/train.jsonl")).expect("train");
    let (train, dev) = carve_dev(&all, 0.2);
    let train = per_label(&train, 50);
    let dev = every(&dev, 4);
    assert!(dev.iter().all(|d| !train.contains(d)));
    let report = evaluate_intents(&train, &dev, BotConfig::default(), None, &mut |_, _| {})
        .expect("evaluates");
    eprintln!(
        "banking77 subset: {}",
        serde_json::to_string(&report).expect("json")
    );
    assert!(report.top1_accuracy.expect("in-scope") > 0.82, "{report:?}");
    assert!(report.accuracy.expect("in-scope") > 0.72, "{report:?}");
    assert!(report.oos_recall.is_none());
}

#[test]
fn massive_zh_subset_and_the_bm25_baseline() {
    let Some(data) = data_dir() else { return };
    let train = per_label(
        &read_records(&data.join("massive_zh/train.jsonl")).expect("train"),
        60,
    );
    let dev = every(
        &read_records(&data.join("massive_zh/dev.jsonl")).expect("dev"),
        3,
    );
    let hybrid = evaluate_intents(&train, &dev, BotConfig::default(), None, &mut |_, _| {})
        .expect("evaluates");
    let bm25_config = BotConfig {
        method: Method::Bm25,
        ..BotConfig::default()
    };
    let bm25 =
        evaluate_intents(&train, &dev, bm25_config, None, &mut |_, _| {}).expect("evaluates");
    eprintln!(
        "massive_zh subset: {}",
        serde_json::to_string(&hybrid).expect("json")
    );
    eprintln!(
        "massive_zh subset, bm25: {}",
        serde_json::to_string(&bm25).expect("json")
    );
    assert!(hybrid.top1_accuracy.expect("in-scope") > 0.68, "{hybrid:?}");
    assert!(bm25.top1_accuracy.expect("in-scope") > 0.50, "{bm25:?}");
    assert!(
        hybrid.top1_accuracy >= bm25.top1_accuracy,
        "the classifier beats plain BM25"
    );
}

#[test]
fn import_builds_one_entry_per_label_and_an_out_of_scope_entry() {
    let records: Vec<IntentRecord> = [
        ("kettle is leaking", "leak"),
        ("water under the kettle", "leak"),
        ("what is the meaning of life", OOS_LABEL),
    ]
    .iter()
    .map(|(t, l)| IntentRecord {
        text: t.to_string(),
        label: l.to_string(),
        lang: "en".into(),
    })
    .collect();
    let kb = knowledge_base_from_records(&records).expect("valid");
    assert_eq!(kb.entries().len(), 2);
    assert_eq!(kb.entries()[0].question, "kettle is leaking");
    assert_eq!(
        kb.entries()[0].similar_questions,
        ["water under the kettle"]
    );
    assert!(kb.entries()[1].out_of_scope);
}

#[test]
fn the_dev_split_is_a_stable_hash_split() {
    // FNV-1a test vectors, so scripts/baseline_svm.py can match the split.
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    let records: Vec<IntentRecord> = (0..1000)
        .map(|i| IntentRecord {
            text: format!("message {i}"),
            label: "x".into(),
            lang: "en".into(),
        })
        .collect();
    let (train, dev) = carve_dev(&records, 0.2);
    assert_eq!(train.len() + dev.len(), 1000);
    assert!((150..250).contains(&dev.len()), "{}", dev.len());
    assert_eq!(carve_dev(&records, 0.2).1, dev);
}
