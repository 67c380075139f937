//! One calibrated confidence from several raw signals, and the answer and
//! candidate thresholds, both learnt from the knowledge base itself.
//!
//! Raw classifier scores mean different things in different knowledge bases
//! (more entries, shorter questions, more overlap...), so a fixed threshold on
//! them would need tuning per customer. Instead the bot cross-validates over
//! its own similar questions: each question is scored by a model that never
//! saw it, which shows how often a given signal pattern is right. A logistic
//! regression turns the signals into P(top entry is correct); the thresholds
//! then maximise a fixed utility on those held-out questions.

use serde::Serialize;

/// Gains of each outcome, the product's policy (not tuned per data set): a
/// wrong answer costs as much as a right one gains, so the bot answers when
/// it is more likely right than wrong; a list of candidates is worth half an
/// answer when it contains the right entry and costs half when it does not
/// (the customer has to read it and still gets no help); handing off is
/// neutral. Out-of-scope questions can only gain by being handed off.
pub const GAIN_RIGHT_ANSWER: f64 = 1.0;
pub const GAIN_WRONG_ANSWER: f64 = -1.0;
pub const GAIN_USEFUL_CANDIDATES: f64 = 0.5;
pub const GAIN_USELESS_CANDIDATES: f64 = -0.5;

/// Share of customer messages assumed to be out of scope when a knowledge
/// base declares out-of-scope entries. A knowledge base holds a handful of
/// examples of what it must not answer, but in live traffic such messages are
/// common (greetings aside, typically a fifth or more of what customers
/// write), so held-out out-of-scope questions are weighted up to this share
/// before fitting the calibration and choosing thresholds.
pub const OUT_OF_SCOPE_SHARE: f64 = 0.2;

/// A calibrated probability is only worth answering on above this, whatever
/// the cross-validation says (it says less in a tiny knowledge base).
pub const MIN_ANSWER_THRESHOLD: f32 = 0.5;

/// Logistic regression over standardised signals.
#[derive(Debug, Clone, Serialize)]
pub struct Calibrator {
    mean: Vec<f64>,
    std: Vec<f64>,
    weights: Vec<f64>,
    bias: f64,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Calibrator {
    /// Fits P(correct | signals) by Newton's method with a small ridge
    /// penalty (which also keeps the fit finite when every example agrees).
    /// `weights` are per-example importance weights.
    pub fn fit(signals: &[Vec<f64>], correct: &[bool], weights: &[f64]) -> Self {
        let d = signals.first().map_or(0, Vec::len);
        let n = signals.len().max(1) as f64;
        let mut mean = vec![0.0; d];
        let mut std = vec![0.0; d];
        for s in signals {
            for (m, v) in mean.iter_mut().zip(s) {
                *m += v / n;
            }
        }
        for s in signals {
            for ((sd, v), m) in std.iter_mut().zip(s).zip(&mean) {
                *sd += (v - m).powi(2) / n;
            }
        }
        for sd in &mut std {
            *sd = if *sd > 1e-12 { sd.sqrt() } else { 1.0 };
        }
        let xs: Vec<Vec<f64>> = signals
            .iter()
            .map(|s| {
                let mut z: Vec<f64> = s
                    .iter()
                    .zip(&mean)
                    .zip(&std)
                    .map(|((v, m), sd)| (v - m) / sd)
                    .collect();
                z.push(1.0);
                z
            })
            .collect();
        let dim = d + 1;
        let ridge = 1.0;
        let mut beta = vec![0.0; dim];
        for _ in 0..50 {
            let mut grad = vec![0.0; dim];
            let mut hess = vec![vec![0.0; dim]; dim];
            for ((x, &y), &weight) in xs.iter().zip(correct).zip(weights) {
                let p = sigmoid(x.iter().zip(&beta).map(|(a, b)| a * b).sum());
                let r = weight * (p - if y { 1.0 } else { 0.0 });
                let w = weight * (p * (1.0 - p)).max(1e-9);
                for a in 0..dim {
                    grad[a] += r * x[a];
                    for b in 0..dim {
                        hess[a][b] += w * x[a] * x[b];
                    }
                }
            }
            // Penalise the signal weights, not the intercept.
            for a in 0..d {
                grad[a] += ridge * beta[a];
                hess[a][a] += ridge;
            }
            hess[d][d] += 1e-6;
            let Some(step) = solve(hess, grad) else { break };
            let mut max_step: f64 = 0.0;
            for (b, s) in beta.iter_mut().zip(&step) {
                *b -= s;
                max_step = max_step.max(s.abs());
            }
            if max_step < 1e-8 {
                break;
            }
        }
        let bias = beta.pop().unwrap_or(0.0);
        Self {
            mean,
            std,
            weights: beta,
            bias,
        }
    }

    /// P(the top entry is right) for these signals.
    pub fn confidence(&self, signals: &[f64]) -> f32 {
        let z: f64 = signals
            .iter()
            .zip(&self.mean)
            .zip(&self.std)
            .zip(&self.weights)
            .map(|(((v, m), sd), w)| (v - m) / sd * w)
            .sum::<f64>()
            + self.bias;
        sigmoid(z) as f32
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (r, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *r -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Where the bot stops answering and starts offering candidates, and where it
/// stops offering candidates and hands off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub answer: f32,
    pub candidates: f32,
}

/// One held-out question as the thresholds see it.
#[derive(Debug, Clone, Copy)]
pub struct HeldOut {
    pub confidence: f32,
    /// The top entry is the right one.
    pub top_correct: bool,
    /// The right entry is among the candidates the bot would offer.
    pub in_candidates: bool,
    /// Importance weight (see [`OUT_OF_SCOPE_SHARE`]).
    pub weight: f64,
}

/// Picks the thresholds that maximise the total gain over held-out questions
/// whose top entry is in scope (when the top entry is out of scope the bot
/// hands off whatever the confidence). Linear after sorting: for each answer
/// threshold the best candidate threshold is a running maximum.
pub fn choose_thresholds(items: &[HeldOut]) -> Thresholds {
    if items.is_empty() {
        return Thresholds {
            answer: MIN_ANSWER_THRESHOLD,
            candidates: MIN_ANSWER_THRESHOLD,
        };
    }
    let mut sorted = items.to_vec();
    sorted.sort_by(|a, b| a.confidence.total_cmp(&b.confidence));
    let n = sorted.len();
    // answer_gain_from[i]: gain if items i.. are answered.
    let mut answer_gain_from = vec![0.0; n + 1];
    for i in (0..n).rev() {
        let g = sorted[i].weight
            * if sorted[i].top_correct {
                GAIN_RIGHT_ANSWER
            } else {
                GAIN_WRONG_ANSWER
            };
        answer_gain_from[i] = answer_gain_from[i + 1] + g;
    }
    // cand_prefix[i]: gain if items ..i are offered candidates.
    let mut cand_prefix = vec![0.0; n + 1];
    for i in 0..n {
        let g = sorted[i].weight
            * if sorted[i].in_candidates {
                GAIN_USEFUL_CANDIDATES
            } else {
                GAIN_USELESS_CANDIDATES
            };
        cand_prefix[i + 1] = cand_prefix[i] + g;
    }
    // Cut points: index i means items i.. are answered; j <= i means items
    // j..i get candidates and ..j are handed off. Only cut between distinct
    // confidences, and never answer below MIN_ANSWER_THRESHOLD.
    let value_at = |i: usize| {
        if i < n {
            sorted[i].confidence
        } else {
            f32::INFINITY
        }
    };
    let cut_ok = |i: usize| i == 0 || i == n || sorted[i - 1].confidence < sorted[i].confidence;
    let mut best = (f64::NEG_INFINITY, n, n);
    let mut min_prefix = (f64::INFINITY, 0usize);
    for i in 0..=n {
        if cut_ok(i) && cand_prefix[i] < min_prefix.0 {
            min_prefix = (cand_prefix[i], i);
        }
        if !cut_ok(i) || value_at(i) < MIN_ANSWER_THRESHOLD {
            continue;
        }
        let gain = answer_gain_from[i] + cand_prefix[i] - min_prefix.0;
        if gain > best.0 {
            best = (gain, i, min_prefix.1);
        }
    }
    let (_, i, j) = best;
    let answer = if i < n {
        sorted[i].confidence.max(MIN_ANSWER_THRESHOLD)
    } else {
        1.0 + f32::EPSILON
    };
    let candidates = if j < n { sorted[j].confidence } else { answer };
    Thresholds {
        answer,
        candidates: candidates.min(answer),
    }
}
