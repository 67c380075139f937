//! Scores a message against every entry: the linear classifier ranks, BM25
//! provides a second, independent opinion, and both become the raw signals
//! that the calibrator turns into one confidence.

use crate::bm25_index::Bm25Index;
use crate::embedding::DenseIndex;
use crate::linear_svm::{LinearSvm, SvmParams};
use crate::text_analysis::Analysis;
use crate::tfidf_features::TfidfVectorizer;

/// How entries are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Linear SVM over TF-IDF ranks, with BM25 added at a weight chosen by
    /// cross-validation; BM25's agreement also feeds the confidence.
    #[default]
    Hybrid,
    /// BM25 alone (the baseline the classifier has to beat).
    Bm25,
}

/// A trained scorer over a fixed list of entries (indices `0..n_entries`).
#[derive(Debug, Clone)]
pub struct IntentScorer {
    method: Method,
    n_entries: usize,
    /// Which entries are out of scope (their score is a signal of its own).
    out_of_scope: Vec<bool>,
    /// See [`IntentScorer::set_weights`].
    weights: FusionWeights,
    classifier: Option<(TfidfVectorizer, LinearSvm)>,
    bm25: Bm25Index,
    /// Question embeddings, when the bot has an embedding model.
    dense: Option<DenseIndex>,
}

/// How much BM25 and the dense similarity add to the classifier's scores.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FusionWeights {
    /// Times BM25 scaled to 0..1 by the best entry's score.
    pub bm25: f32,
    /// Times the cosine of the closest question of each entry.
    pub dense: f32,
}

/// Per-entry scores of one message from each scorer.
#[derive(Debug, Clone)]
pub struct RawScores {
    pub classifier: Option<Vec<f32>>,
    pub bm25: Vec<f32>,
    /// Per entry, the cosine with its closest question (with a model).
    pub dense: Option<Vec<f32>>,
    /// Share of the message's distinct words that occur in some question:
    /// unknown words are what out-of-scope messages are made of.
    pub coverage: f32,
}

/// The entries ranked for one message, with the raw confidence signals.
#[derive(Debug, Clone)]
pub struct Scored {
    /// `(entry index, score)`, best first; ties keep entry order.
    pub ranking: Vec<(usize, f32)>,
    /// Raw signals for the calibrator (see [`IntentScorer::score`]).
    pub signals: Vec<f64>,
    /// No word (nor Han character pair) of the message occurs in any question:
    /// character n-grams alone are too weak a basis for an answer.
    pub no_overlap: bool,
}

impl IntentScorer {
    /// Trains on `(entry index, analysed question)` pairs; `out_of_scope[e]`
    /// tells whether entry `e` is an out-of-scope entry. `embeddings`, when
    /// given, are the questions' embeddings in the same order.
    pub fn train(
        examples: &[(usize, &Analysis)],
        embeddings: Option<&[&[f32]]>,
        out_of_scope: &[bool],
        method: Method,
        seed: u64,
    ) -> Self {
        let n_entries = out_of_scope.len();
        let terms: Vec<Vec<String>> = examples.iter().map(|(_, a)| a.retrieval_terms()).collect();
        let bm25 = Bm25Index::build(
            examples
                .iter()
                .zip(&terms)
                .map(|((e, _), t)| (*e, t.as_slice())),
            n_entries,
        );
        let classifier = match method {
            Method::Bm25 => None,
            Method::Hybrid => {
                let analyses: Vec<&Analysis> = examples.iter().map(|(_, a)| *a).collect();
                let vectorizer = TfidfVectorizer::fit(&analyses);
                let xs: Vec<_> = analyses.iter().map(|a| vectorizer.transform(a)).collect();
                let labels: Vec<usize> = examples.iter().map(|(e, _)| *e).collect();
                let params = SvmParams {
                    seed,
                    ..SvmParams::default()
                };
                let svm =
                    LinearSvm::train(&xs, &labels, n_entries, vectorizer.n_features(), params);
                Some((vectorizer, svm))
            }
        };
        Self {
            method,
            n_entries,
            out_of_scope: out_of_scope.to_vec(),
            weights: FusionWeights::default(),
            classifier,
            bm25,
            dense: embeddings.map(|vs| {
                DenseIndex::build(
                    examples.iter().zip(vs).map(|((e, _), v)| (*e, *v)),
                    n_entries,
                )
            }),
        }
    }

    /// Ranks the entries for an analysed message.
    ///
    /// Signals (hybrid): the top (fused) score; its margin over the second;
    /// whether BM25's best entry is the top entry; the top entry's BM25 score
    /// relative to BM25's best; how close the message is to the out-of-scope
    /// entries (their best score minus the top score, -1 when there are none);
    /// the log of the top entry's BM25 score; the share of known words.
    /// Signals (BM25 alone): log of the top score, the relative margin over
    /// the second, the share of known words.
    /// With a model, three more: the top entry's dense similarity, whether
    /// the dense similarity's best entry is the top entry, and the best dense
    /// similarity minus the top entry's.
    pub fn score(&self, analysis: &Analysis, embedding: Option<&[f32]>) -> Scored {
        self.fuse(&self.raw_scores(analysis, embedding), self.weights)
    }

    /// Whether the scorer was trained with question embeddings (and so
    /// needs the message's embedding).
    pub fn uses_embeddings(&self) -> bool {
        self.dense.is_some()
    }

    /// The classifier's, BM25's and the dense scores for every entry, before
    /// fusion.
    pub fn raw_scores(&self, analysis: &Analysis, embedding: Option<&[f32]>) -> RawScores {
        RawScores {
            dense: match (&self.dense, embedding) {
                (Some(index), Some(v)) => Some(index.entry_scores(v)),
                _ => None,
            },
            classifier: self
                .classifier
                .as_ref()
                .map(|(vectorizer, svm)| svm.scores(&vectorizer.transform(analysis))),
            bm25: self.bm25.entry_scores(&analysis.retrieval_terms()),
            coverage: coverage(analysis, |w| self.bm25.knows(w)),
        }
    }

    /// [`IntentScorer::raw_scores`] as if entry `absent` were not in the
    /// knowledge base (its words unknown unless other entries use them).
    pub fn raw_scores_without(
        &self,
        analysis: &Analysis,
        embedding: Option<&[f32]>,
        absent: usize,
    ) -> RawScores {
        let mut raw = self.raw_scores(analysis, embedding);
        raw.coverage = coverage(analysis, |w| self.bm25.knows_outside(w, absent));
        raw
    }

    /// Ranks as if entry `absent` were not in the knowledge base: how a
    /// message about a topic the knowledge base lacks looks to the bot
    /// (`raw` from [`IntentScorer::raw_scores_without`]).
    pub fn fuse_without(&self, raw: &RawScores, weights: FusionWeights, absent: usize) -> Scored {
        let mut masked = raw.clone();
        if let Some(c) = masked.classifier.as_mut().and_then(|c| c.get_mut(absent)) {
            *c = f32::MIN / 4.0;
        }
        if let Some(d) = masked.dense.as_mut().and_then(|d| d.get_mut(absent)) {
            *d = -1.0;
        }
        if let Some(b) = masked.bm25.get_mut(absent) {
            *b = 0.0;
        }
        let mut scored = self.fuse(&masked, weights);
        scored.ranking.retain(|r| r.0 != absent);
        scored
    }

    /// How much BM25 (scaled to 0..1 by the best entry's score) and the
    /// dense similarity are added to the classifier's scores when ranking.
    pub fn set_weights(&mut self, weights: FusionWeights) {
        self.weights = weights;
    }

    pub fn weights(&self) -> FusionWeights {
        self.weights
    }

    /// Ranks entries from raw scores with given fusion weights (hybrid
    /// only; BM25 alone ranks by BM25).
    pub fn fuse(&self, raw: &RawScores, weights: FusionWeights) -> Scored {
        let bm25 = &raw.bm25;
        let bm25_best = bm25.iter().copied().fold(0.0f32, f32::max);
        let mut scores: Vec<f32> = match &raw.classifier {
            Some(classifier) if bm25_best > 0.0 && weights.bm25 != 0.0 => classifier
                .iter()
                .zip(bm25)
                .map(|(c, b)| c + weights.bm25 * b / bm25_best)
                .collect(),
            Some(classifier) => classifier.clone(),
            None => bm25.clone(),
        };
        if let (Some(dense), Some(_), true) = (&raw.dense, &raw.classifier, weights.dense != 0.0) {
            for (s, d) in scores.iter_mut().zip(dense) {
                *s += weights.dense * d;
            }
        }
        let mut ranking: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
        ranking.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let s1 = ranking.first().map_or(0.0, |r| r.1);
        let s2 = ranking.get(1).map_or(0.0, |r| r.1);
        let top = ranking.first().map_or(0, |r| r.0);
        let signals = match self.method {
            Method::Hybrid => {
                let bm25_top = bm25
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                    .map(|(i, _)| i);
                let agree = bm25_best > 0.0 && bm25_top == Some(top);
                let ratio = if bm25_best > 0.0 {
                    bm25[top] / bm25_best
                } else {
                    0.0
                };
                let oos_best = scores
                    .iter()
                    .zip(&self.out_of_scope)
                    .filter(|(_, o)| **o)
                    .map(|(s, _)| *s)
                    .fold(None, |m: Option<f32>, s| Some(m.map_or(s, |m| m.max(s))));
                let mut signals = vec![
                    f64::from(s1),
                    f64::from(s1 - s2),
                    if agree { 1.0 } else { 0.0 },
                    f64::from(ratio),
                    oos_best.map_or(-1.0, |o| f64::from(o - s1)),
                    f64::from(bm25[top]).ln_1p(),
                    f64::from(raw.coverage),
                ];
                if let Some(dense) = &raw.dense {
                    let (dense_top, dense_best) = dense
                        .iter()
                        .enumerate()
                        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                        .map_or((top, 0.0), |(i, v)| (i, *v));
                    signals.extend([
                        f64::from(dense[top]),
                        if dense_top == top { 1.0 } else { 0.0 },
                        f64::from(dense_best - dense[top]),
                    ]);
                }
                signals
            }
            Method::Bm25 => vec![
                f64::from(s1).ln_1p(),
                if s1 > 0.0 {
                    f64::from((s1 - s2) / s1)
                } else {
                    0.0
                },
                f64::from(raw.coverage),
            ],
        };
        Scored {
            ranking,
            signals,
            no_overlap: bm25_best <= 0.0,
        }
    }

    pub fn n_entries(&self) -> usize {
        self.n_entries
    }
}

/// Share of the message's distinct words that `known` accepts.
fn coverage(analysis: &Analysis, known: impl Fn(&str) -> bool) -> f32 {
    let mut words: Vec<&String> = analysis.words.iter().collect();
    words.sort_unstable();
    words.dedup();
    if words.is_empty() {
        return 0.0;
    }
    let n = words.iter().filter(|w| known(w.as_str())).count();
    n as f32 / words.len() as f32
}
