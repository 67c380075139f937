//! Scores a message against every entry: the linear classifier ranks, BM25
//! provides a second, independent opinion, and both become the raw signals
//! that the calibrator turns into one confidence.

use crate::bm25_index::Bm25Index;
use crate::embedding::DenseIndex;
use crate::linear_svm::{LinearSvm, SvmParams};
use crate::text_analysis::Analysis;
use crate::tfidf_features::{SparseVec, TfidfVectorizer};

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

/// Above this many entries, a message's raw scores are kept for a shortlist
/// of entries only (see [`RawScores::entries`]); at or below it, for all, so
/// a small knowledge base ranks exactly as if nothing were cut.
pub const SHORTLIST_ABOVE_ENTRIES: usize = 256;
/// How many of each scorer's best entries join the shortlist.
const SHORTLIST_PER_SCORER: usize = 64;
/// How many entries a [`Scored::ranking`] lists: callers look at the best
/// few (the answer, 2–3 candidates, a preview of five), and sorting all of a
/// 10,000-entry knowledge base for each message would cost more than scoring.
pub const RANKING_DEPTH: usize = 16;

/// Scores of one message from each scorer, for the entries in `entries`.
#[derive(Debug, Clone)]
pub struct RawScores {
    /// The entries scored, ascending. Every entry in a small knowledge base;
    /// in a large one, the union of each scorer's best entries and the best
    /// out-of-scope ones. The fused best entry is all but certainly among
    /// them, and keeping 10,000 scores per held-out question would make the
    /// cross-validation of a large knowledge base hold gigabytes.
    pub entries: Vec<u32>,
    /// Per shortlisted entry, in the order of `entries`.
    pub classifier: Option<Vec<f32>>,
    pub bm25: Vec<f32>,
    /// Per shortlisted entry, the cosine with its closest question (with a model).
    pub dense: Option<Vec<f32>>,
    /// Share of the message's distinct words that occur in some question:
    /// unknown words are what out-of-scope messages are made of.
    pub coverage: f32,
}

/// The entries ranked for one message, with the raw confidence signals.
#[derive(Debug, Clone)]
pub struct Scored {
    /// `(entry index, score)` of the best [`RANKING_DEPTH`] entries, best
    /// first; ties keep entry order.
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
                let xs: Vec<_> = analyses
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let x = vectorizer.transform(a);
                        match embeddings {
                            Some(vs) => with_embedding(x, vs[i], vectorizer.n_features()),
                            None => x,
                        }
                    })
                    .collect();
                let labels: Vec<usize> = examples.iter().map(|(e, _)| *e).collect();
                let params = SvmParams {
                    seed,
                    ..SvmParams::default()
                };
                let dim = embeddings.and_then(|vs| vs.first()).map_or(0, |v| v.len());
                let svm = LinearSvm::train(
                    &xs,
                    &labels,
                    n_entries,
                    vectorizer.n_features() + dim,
                    params,
                );
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
        let dense = match (&self.dense, embedding) {
            (Some(index), Some(v)) => Some(index.entry_scores(v)),
            _ => None,
        };
        let classifier = self.classifier.as_ref().map(|(vectorizer, svm)| {
            let x = vectorizer.transform(analysis);
            let x = match (&self.dense, embedding) {
                (Some(_), Some(v)) => with_embedding(x, v, vectorizer.n_features()),
                _ => x,
            };
            svm.scores(&x)
        });
        let bm25 = self.bm25.entry_scores(&analysis.retrieval_terms());
        let coverage = coverage(analysis, |w| self.bm25.knows(w));
        if self.n_entries <= SHORTLIST_ABOVE_ENTRIES {
            return RawScores {
                entries: (0..self.n_entries as u32).collect(),
                classifier,
                bm25,
                dense,
                coverage,
            };
        }
        let mut shortlist: Vec<u32> = Vec::with_capacity(4 * SHORTLIST_PER_SCORER);
        for scores in [Some(&bm25), classifier.as_ref(), dense.as_ref()]
            .into_iter()
            .flatten()
        {
            shortlist.extend(best_indices(scores, SHORTLIST_PER_SCORER, |_| true));
        }
        if let Some(c) = &classifier {
            shortlist.extend(best_indices(c, SHORTLIST_PER_SCORER, |i| {
                self.out_of_scope[i]
            }));
        }
        shortlist.sort_unstable();
        shortlist.dedup();
        let pick = |v: &Vec<f32>| shortlist.iter().map(|&i| v[i as usize]).collect();
        RawScores {
            classifier: classifier.as_ref().map(pick),
            bm25: pick(&bm25),
            dense: dense.as_ref().map(pick),
            entries: shortlist,
            coverage,
        }
    }

    /// [`RawScores::coverage`] as if entry `absent` were not in the
    /// knowledge base (its words unknown unless other entries use them).
    pub fn coverage_without(&self, analysis: &Analysis, absent: usize) -> f32 {
        coverage(analysis, |w| self.bm25.knows_outside(w, absent))
    }

    /// Ranks as if entry `absent` were not in the knowledge base: how a
    /// message about a topic the knowledge base lacks looks to the bot
    /// (`raw` with its coverage from [`IntentScorer::coverage_without`]).
    pub fn fuse_without(&self, raw: &RawScores, weights: FusionWeights, absent: usize) -> Scored {
        let mut masked = raw.clone();
        if let Ok(k) = raw.entries.binary_search(&(absent as u32)) {
            if let Some(c) = masked.classifier.as_mut() {
                c[k] = f32::MIN / 4.0;
            }
            if let Some(d) = masked.dense.as_mut() {
                d[k] = -1.0;
            }
            masked.bm25[k] = 0.0;
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
        let entry = |k: usize| raw.entries[k] as usize;
        // Best first, ties in entry order (`entries` is ascending).
        let order = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let mut ranking: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
        if ranking.len() > RANKING_DEPTH {
            ranking.select_nth_unstable_by(RANKING_DEPTH - 1, order);
            ranking.truncate(RANKING_DEPTH);
        }
        ranking.sort_by(order);
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
                    .enumerate()
                    .filter(|(k, _)| self.out_of_scope[entry(*k)])
                    .map(|(_, s)| *s)
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
            ranking: ranking.into_iter().map(|(k, s)| (entry(k), s)).collect(),
            signals,
            no_overlap: bm25_best <= 0.0,
        }
    }

    pub fn n_entries(&self) -> usize {
        self.n_entries
    }
}

/// Share of a feature vector's squared norm given to the sentence embedding
/// when the classifier sees one: a third, as if it were a third block beside
/// the word and character blocks (each unit-normalised, like scikit-learn's
/// `FeatureUnion` of normalised blocks).
const EMBEDDING_SHARE: f32 = 1.0 / 3.0;

/// `x` (unit norm) with the embedding `e` (unit norm) appended as dense
/// features from index `offset`: the linear classifier then learns from the
/// meaning of a question as well as its words, which helps most where the
/// words differ (paraphrases, Chinese word choice).
fn with_embedding(mut x: SparseVec, e: &[f32], offset: usize) -> SparseVec {
    let text = (1.0 - EMBEDDING_SHARE).sqrt();
    let dense = EMBEDDING_SHARE.sqrt();
    for v in &mut x.values {
        *v *= text;
    }
    x.indices.extend((0..e.len()).map(|k| (offset + k) as u32));
    x.values.extend(e.iter().map(|v| v * dense));
    x
}

/// Indices of the `n` highest scores among those `keep` accepts (ties to the
/// lower index), in no particular order.
fn best_indices(scores: &[f32], n: usize, keep: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut kept: Vec<(u32, f32)> = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(i, s)| (i as u32, *s))
        .collect();
    if kept.len() > n {
        kept.select_nth_unstable_by(n - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        kept.truncate(n);
    }
    kept.into_iter().map(|(i, _)| i).collect()
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
