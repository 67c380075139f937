//! `kefu eval intents`: how well would the bot do on a labelled set of
//! messages? The knowledge base is built from the training records exactly as
//! an import would build it, and every test message goes through
//! [`Bot::decide`], so the numbers describe the bot customers would talk to.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::bot::{Bot, BotConfig, Decision};
use crate::confidence_calibration::Thresholds;
use crate::embedding::Embedder;
use crate::error::BotError;
use crate::intent_scorer::Method;
use crate::knowledge_base::{FaqEntry, KnowledgeBase};

/// The label of out-of-scope records.
pub const OOS_LABEL: &str = "oos";

/// One line of an intent file: `{"text","label","lang"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentRecord {
    pub text: String,
    pub label: String,
    #[serde(default)]
    pub lang: String,
}

/// Reads a JSONL intent file; blank lines are skipped.
pub fn read_records(path: &Path) -> Result<Vec<IntentRecord>, BotError> {
    let text = std::fs::read_to_string(path).map_err(|source| BotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| BotError::BadRecord {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// FNV-1a, 64-bit: a fixed, documented hash, so the dev split is the same on
/// every machine and in `scripts/baseline_svm.py`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Splits records into (train, dev) by a hash of the text: a record goes to
/// dev when `fnv1a64(text) % 1000 < fraction * 1000`. For sets that ship
/// without a dev split (Banking77).
pub fn carve_dev(
    records: &[IntentRecord],
    fraction: f64,
) -> (Vec<IntentRecord>, Vec<IntentRecord>) {
    let cut = (fraction.clamp(0.0, 1.0) * 1000.0).round() as u64;
    records
        .iter()
        .cloned()
        .partition(|r| fnv1a64(r.text.as_bytes()) % 1000 >= cut)
}

/// The knowledge base an import of these records creates: one entry per
/// label (first text as its question, the rest as similar questions), the
/// `oos` records as one out-of-scope entry.
pub fn knowledge_base_from_records(records: &[IntentRecord]) -> Result<KnowledgeBase, BotError> {
    let mut order: Vec<&str> = Vec::new();
    let mut texts: HashMap<&str, Vec<&IntentRecord>> = HashMap::new();
    for r in records {
        let list = texts.entry(r.label.as_str()).or_default();
        if list.is_empty() {
            order.push(r.label.as_str());
        }
        list.push(r);
    }
    let entries = order
        .into_iter()
        .map(|label| {
            let list = &texts[label];
            let mut entry =
                FaqEntry::new(label, list[0].text.clone(), format!("(answer for {label})"))
                    .with_similar(list[1..].iter().map(|r| r.text.clone()));
            entry.locale = list[0].lang.clone();
            entry.out_of_scope = label == OOS_LABEL;
            entry
        })
        .collect();
    KnowledgeBase::new(entries)
}

/// The evaluation's results. Rates are over all test messages unless said
/// otherwise; `None` (JSON null) where a metric does not apply.
#[derive(Debug, Clone, Serialize)]
pub struct IntentReport {
    pub method: String,
    pub n_train: usize,
    pub n_test: usize,
    pub n_test_oos: usize,
    /// In-scope messages answered directly with the right entry ÷ in-scope messages.
    pub accuracy: Option<f64>,
    /// In-scope messages whose best-ranked entry is right ÷ in-scope messages.
    pub top1_accuracy: Option<f64>,
    /// Answered (including business actions) ÷ all messages.
    pub answer_rate: Option<f64>,
    /// Offered candidates ÷ all messages.
    pub candidate_rate: Option<f64>,
    /// Handed off ÷ all messages.
    pub handoff_rate: Option<f64>,
    /// Right answers ÷ answers.
    pub answered_accuracy: Option<f64>,
    /// Out-of-scope messages handed off ÷ out-of-scope messages.
    pub oos_recall: Option<f64>,
    /// Out-of-scope messages handed off ÷ handoffs.
    pub oos_precision: Option<f64>,
    /// Mean F1 over the gold labels; a handoff predicts `oos`, candidates and
    /// small talk predict nothing.
    pub macro_f1: Option<f64>,
    /// Per-message decision time.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Time to build the bot (analysis, cross-validated calibration, training).
    pub train_s: f64,
    /// Embedding models used (null when the bot was purely lexical).
    pub models: Option<Vec<String>>,
    pub thresholds: Thresholds,
    /// Weight of BM25 in the ranking, chosen by cross-validation.
    pub bm25_weight: f32,
    /// Weight of the dense similarity in the ranking (0 without a model).
    pub dense_weight: f32,
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Builds the bot from `train`, decides every `test` message, and reports.
/// `progress(done, total)` is called now and then while deciding.
pub fn evaluate_intents(
    train: &[IntentRecord],
    test: &[IntentRecord],
    config: BotConfig,
    embedder: Option<Arc<dyn Embedder>>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<IntentReport, BotError> {
    if test.is_empty() {
        return Err(BotError::InvalidEvaluation("the test set is empty".into()));
    }
    let started = Instant::now();
    let kb = knowledge_base_from_records(train)?;
    let bot = Bot::build_with_embedder(&kb, config, embedder)?;
    let train_s = started.elapsed().as_secs_f64();

    let (mut in_scope, mut oos) = (0usize, 0usize);
    let (mut correct_answers, mut top1_right, mut answered, mut candidates) = (0usize, 0, 0, 0);
    let (mut handoffs, mut oos_handed_off) = (0usize, 0usize);
    let mut times_ms = Vec::with_capacity(test.len());
    // Per label: (true positives, gold count, predicted count).
    let mut per_label: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for (i, record) in test.iter().enumerate() {
        let is_oos = record.label == OOS_LABEL;
        if is_oos {
            oos += 1;
        } else {
            in_scope += 1;
        }
        let t = Instant::now();
        let outcome = bot.decide_explained(&record.text);
        times_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let predicted: Option<&str> = match &outcome {
            Ok((decision, assessment)) => {
                if !is_oos
                    && assessment
                        .as_ref()
                        .and_then(|a| a.ranking.first())
                        .is_some_and(|(e, _)| e.id == record.label)
                {
                    top1_right += 1;
                }
                match decision {
                    Decision::Answer { entry, .. } | Decision::Action { entry, .. } => {
                        answered += 1;
                        Some(entry.id.as_str())
                    }
                    Decision::Candidates { .. } => {
                        candidates += 1;
                        None
                    }
                    // Every handoff (asked for a human, out of scope, unsure)
                    // counts as predicting "out of scope".
                    Decision::Handoff { .. } => {
                        handoffs += 1;
                        Some(OOS_LABEL)
                    }
                    Decision::SmallTalk(_) => None,
                }
            }
            // A message the bot refuses to read (empty, too long) is not answered.
            Err(_) => None,
        };
        if predicted == Some(record.label.as_str()) {
            if is_oos {
                oos_handed_off += 1;
            } else {
                correct_answers += 1;
            }
        }
        let gold = per_label.entry(record.label.clone()).or_default();
        gold.1 += 1;
        if predicted == Some(record.label.as_str()) {
            gold.0 += 1;
        }
        if let Some(p) = predicted {
            per_label.entry(p.to_string()).or_default().2 += 1;
        }
        if (i + 1) % 500 == 0 || i + 1 == test.len() {
            progress(i + 1, test.len());
        }
    }
    let f1s: Vec<f64> = per_label
        .values()
        .filter(|(_, gold, _)| *gold > 0)
        .map(|&(tp, gold, pred)| {
            if tp == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (gold + pred) as f64
            }
        })
        .collect();
    times_ms.sort_by(f64::total_cmp);
    let n = test.len();
    Ok(IntentReport {
        method: match config.method {
            Method::Hybrid => "tfidf-svm+bm25".into(),
            Method::Bm25 => "bm25".into(),
        },
        n_train: train.len(),
        n_test: n,
        n_test_oos: oos,
        accuracy: ratio(correct_answers, in_scope),
        top1_accuracy: ratio(top1_right, in_scope),
        answer_rate: ratio(answered, n),
        candidate_rate: ratio(candidates, n),
        handoff_rate: ratio(handoffs, n),
        answered_accuracy: ratio(correct_answers, answered),
        oos_recall: ratio(oos_handed_off, oos),
        oos_precision: if oos > 0 {
            ratio(oos_handed_off, handoffs)
        } else {
            None
        },
        macro_f1: (!f1s.is_empty()).then(|| f1s.iter().sum::<f64>() / f1s.len() as f64),
        p50_ms: percentile(&times_ms, 50.0),
        p99_ms: percentile(&times_ms, 99.0),
        train_s,
        models: bot.model_name().map(|m| vec![m.to_string()]),
        thresholds: bot.thresholds(),
        bm25_weight: bot.bm25_weight(),
        dense_weight: bot.dense_weight(),
    })
}
