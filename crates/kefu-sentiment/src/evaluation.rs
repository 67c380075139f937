//! `kefu eval sentiment`: train the server's model type on labelled JSONL
//! (`{"text","label":"pos|neg","lang"}`) and score it on a test file.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use kefu_bot::embedding::Embedder;
use serde::{Deserialize, Serialize};

use crate::error::SentimentError;
use crate::model::{Example, Polarity, SentimentModel};

#[derive(Debug, Deserialize)]
struct Record {
    text: String,
    label: Polarity,
}

/// Reads a JSONL sentiment file; blank lines are skipped, any other bad
/// line is an error naming it.
pub fn read_examples(path: &Path) -> Result<Vec<Example>, SentimentError> {
    let text = std::fs::read_to_string(path).map_err(|source| SentimentError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<Record>(l)
                .map(|r| Example::new(r.text, r.label))
                .map_err(|e| SentimentError::BadRecord {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                })
        })
        .collect()
}

/// What `kefu eval sentiment --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentReport {
    /// Correct labels ÷ test texts (a text is negative when P(negative) ≥ 0.5).
    pub accuracy: f64,
    /// The mean of the positive and the negative class's F1.
    pub macro_f1: f64,
    pub f1_pos: f64,
    pub f1_neg: f64,
    /// Latency of scoring one text on its own, as a live check does.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Training time, including embedding the training texts.
    pub train_s: f64,
    /// Embedding models the features include (empty: lexical only).
    pub models: Vec<String>,
    pub n_train: usize,
    pub n_test: usize,
}

fn f1(tp: usize, fp: usize, fn_: usize) -> f64 {
    if tp == 0 {
        return 0.0;
    }
    let p = tp as f64 / (tp + fp) as f64;
    let r = tp as f64 / (tp + fn_) as f64;
    2.0 * p * r / (p + r)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Scores already-predicted probabilities against the labels.
pub fn score(test: &[Example], p_negative: &[f32]) -> (f64, f64, f64, f64) {
    let (mut tp_neg, mut fp_neg, mut fn_neg, mut tp_pos) = (0, 0, 0, 0);
    for (e, &p) in test.iter().zip(p_negative) {
        let predicted_neg = p >= 0.5;
        match (e.polarity == Polarity::Neg, predicted_neg) {
            (true, true) => tp_neg += 1,
            (false, true) => fp_neg += 1,
            (true, false) => fn_neg += 1,
            (false, false) => tp_pos += 1,
        }
    }
    // The positive class's false positives are the negatives missed.
    let f1_neg = f1(tp_neg, fp_neg, fn_neg);
    let f1_pos = f1(tp_pos, fn_neg, fp_neg);
    let accuracy = if test.is_empty() {
        0.0
    } else {
        (tp_neg + tp_pos) as f64 / test.len() as f64
    };
    (accuracy, (f1_pos + f1_neg) / 2.0, f1_pos, f1_neg)
}

/// Trains on `train`, then scores every test text on its own (so the
/// latency is that of a live check, embedding included).
pub fn evaluate(
    train: &[Example],
    test: &[Example],
    embedder: Option<Arc<dyn Embedder>>,
) -> Result<SentimentReport, SentimentError> {
    let started = Instant::now();
    let model = SentimentModel::train(train, embedder)?;
    let train_s = started.elapsed().as_secs_f64();
    let mut report = evaluate_model(&model, test)?;
    report.train_s = train_s;
    report.n_train = train.len();
    Ok(report)
}

/// Scores a trained model (e.g. the shipped one) on `test`; `train_s` and
/// `n_train` are 0.
pub fn evaluate_model(
    model: &SentimentModel,
    test: &[Example],
) -> Result<SentimentReport, SentimentError> {
    let mut latencies = Vec::with_capacity(test.len());
    let mut p_negative = Vec::with_capacity(test.len());
    for e in test {
        let t = Instant::now();
        p_negative.push(model.negative_probability(&e.text)?);
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let (accuracy, macro_f1, f1_pos, f1_neg) = score(test, &p_negative);
    Ok(SentimentReport {
        accuracy,
        macro_f1,
        f1_pos,
        f1_neg,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        train_s: 0.0,
        models: model
            .embedder_name()
            .map(String::from)
            .into_iter()
            .collect(),
        n_train: 0,
        n_test: test.len(),
    })
}
