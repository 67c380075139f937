//! An account's own model: the shipped training set plus the account's
//! reviewers' labels (a confirmed sentiment hit is a negative message, a
//! rejected one is not).
//!
//! The lexicon teaches words; reviewers' labels teach whole messages in the
//! account's own trade, where "cancel" or "refund" may be routine. Each label
//! counts [`LABEL_WEIGHT`] times, so a few hundred reviewed messages move the
//! model measurably against tens of thousands of lexicon entries without
//! letting one odd verdict outweigh the lexicon (docs/quality-inspection.md
//! has the measurement that chose it).
//!
//! Training is deterministic: the same lexicons and labels give the same
//! model on every node and after every restart, which is why the store keeps
//! the labels a model learnt from rather than the model.

use serde::Serialize;

use crate::error::SentimentError;
use crate::evaluation::score;
use crate::model::{Example, Polarity, SentimentModel, fold_of};

/// How many times a reviewer's label counts against one lexicon entry.
pub const LABEL_WEIGHT: usize = 10;

/// The fewest labels a retraining accepts, and the fewest of each polarity:
/// below that the held-out check says nothing.
pub const MIN_LABELS: usize = 20;
pub const MIN_PER_POLARITY: usize = 5;

/// One label in five is held out to measure the retrained model against the
/// shipped one before the final model learns from every label.
const HELD_OUT_EVERY: u64 = 5;

/// What a retraining measured, on labels the measured model did not learn
/// from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetrainReport {
    pub labels: usize,
    pub negative: usize,
    pub held_out: usize,
    /// The shipped model's accuracy on the held-out labels.
    pub shipped_accuracy: f64,
    /// The accuracy there of a model retrained without them.
    pub retrained_accuracy: f64,
    pub train_s: f64,
}

/// The shipped training set with the labels added, each [`LABEL_WEIGHT`]
/// times. The copies of a label share its text and so its calibration fold
/// (see [`fold_of`]), which keeps the calibration's margins held out.
pub fn with_labels(shipped: &[Example], labels: &[Example]) -> Vec<Example> {
    let mut out = Vec::with_capacity(shipped.len() + labels.len() * LABEL_WEIGHT);
    out.extend_from_slice(shipped);
    for l in labels {
        out.extend(std::iter::repeat_n(l.clone(), LABEL_WEIGHT));
    }
    out
}

/// Checks there are enough labels of each polarity to retrain on.
pub fn check_labels(labels: &[Example]) -> Result<(), SentimentError> {
    let negative = labels
        .iter()
        .filter(|l| l.polarity == Polarity::Neg)
        .count();
    let positive = labels.len() - negative;
    if labels.len() < MIN_LABELS || negative < MIN_PER_POLARITY || positive < MIN_PER_POLARITY {
        return Err(SentimentError::NotEnoughLabels { positive, negative });
    }
    Ok(())
}

/// Retrains: measures a model trained on the shipped set and four labels in
/// five against `shipped` on the fifth, then trains the final model on every
/// label.
pub fn retrain(
    shipped_set: &[Example],
    shipped: &SentimentModel,
    labels: &[Example],
) -> Result<(SentimentModel, RetrainReport), SentimentError> {
    check_labels(labels)?;
    let started = std::time::Instant::now();
    let (held, learnt): (Vec<Example>, Vec<Example>) = labels
        .iter()
        .cloned()
        .partition(|l| fold_of(&l.text).is_multiple_of(HELD_OUT_EVERY));
    let (shipped_accuracy, retrained_accuracy) = if held.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        let texts: Vec<&str> = held.iter().map(|e| e.text.as_str()).collect();
        let before = shipped.negative_probabilities(&texts)?;
        let probe = SentimentModel::train(&with_labels(shipped_set, &learnt), None)?;
        let after = probe.negative_probabilities(&texts)?;
        (score(&held, &before).0, score(&held, &after).0)
    };
    let model = SentimentModel::train(&with_labels(shipped_set, labels), None)?;
    let report = RetrainReport {
        labels: labels.len(),
        negative: labels
            .iter()
            .filter(|l| l.polarity == Polarity::Neg)
            .count(),
        held_out: held.len(),
        shipped_accuracy,
        retrained_accuracy,
        train_s: started.elapsed().as_secs_f64(),
    };
    Ok((model, report))
}
