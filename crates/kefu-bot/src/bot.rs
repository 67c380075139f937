//! The bot: built from a knowledge base, it decides what to do with each
//! customer message. This is the function the server calls.

use std::sync::Arc;

use serde::Serialize;

use crate::confidence_calibration::{
    Calibrator, HeldOut, OUT_OF_SCOPE_SHARE, Thresholds, choose_thresholds,
};
use crate::conversation_cues::{SmallTalk, small_talk, wants_human};
use crate::embedding::Embedder;
use crate::error::BotError;
use crate::intent_scorer::{FusionWeights, IntentScorer, Method, RawScores, Scored};
use crate::knowledge_base::{FaqEntry, KnowledgeBase};
use crate::linear_svm::SplitMix64;
use crate::text_analysis::{Analysis, analyze};

/// The longest message the bot reads, in characters. Support questions are
/// short; anything this long is a pasted document and goes to a human.
pub const MAX_QUERY_CHARS: usize = 2000;
/// BM25 weights tried when fusing BM25 into the classifier's ranking (the
/// classifier's scores are margins around ±1; BM25 is scaled to 0..1).
const BM25_WEIGHTS: [f32; 6] = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5];
/// Dense-similarity weights tried (with a model). Cosines of an entry's
/// closest question differ by a few hundredths between entries, so weights
/// that matter are large next to the classifier's ±1 margins.
const DENSE_WEIGHTS: [f32; 8] = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0];
/// Below this (weighted) number of wrongly ranked held-out questions, the
/// calibration also learns from questions about topics the knowledge base
/// lacks (see `calibrate`).
const MIN_WRONG_EXAMPLES: f64 = 100.0;
/// Share of traffic assumed to be about topics the knowledge base lacks when
/// those are simulated. A knowledge base this clean is a small FAQ, and
/// customers ask a small FAQ about many things it does not cover: as often
/// as about things it does.
const UNKNOWN_TOPIC_SHARE: f64 = 0.5;
/// How many candidates the bot offers when it is unsure.
pub const MAX_CANDIDATES: usize = 3;

/// Build settings. There are deliberately no threshold knobs: thresholds
/// come from the knowledge base (see [`crate::confidence_calibration`]).
#[derive(Debug, Clone, Copy)]
pub struct BotConfig {
    pub method: Method,
    /// Folds of the cross-validation that calibrates the confidence.
    pub folds: usize,
    /// Seed for the classifier's training order and the fold assignment.
    pub seed: u64,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            method: Method::Hybrid,
            folds: 5,
            seed: 20_261_126,
        }
    }
}

/// Why the bot hands the conversation to a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HandoffReason {
    /// The customer asked for a person.
    HumanRequested,
    /// The message matches a question the bot must not answer.
    OutOfScope { entry_id: String },
    /// The bot is not sure enough to answer or to suggest.
    LowConfidence { confidence: f32 },
    /// Nothing in the message relates to the knowledge base.
    NoMatch,
}

/// What the bot does with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<'a> {
    /// Send the entry's answer (and cite the entry).
    Answer {
        entry: &'a FaqEntry,
        confidence: f32,
    },
    /// The best entry names a business action (order lookup, refund...): the
    /// server runs it instead of sending a static answer. This is the seam
    /// for actions; the bot only recognises the intent.
    Action {
        entry: &'a FaqEntry,
        action: &'a str,
        confidence: f32,
    },
    /// Ask the customer which of these they mean (best first).
    Candidates {
        entries: Vec<&'a FaqEntry>,
        confidence: f32,
    },
    /// Hand over to a person.
    Handoff { reason: HandoffReason },
    /// Greeting or thanks, answered by the bot's own small talk.
    SmallTalk(SmallTalk),
}

/// The scorer's view of a message, for evaluation and agent assist.
#[derive(Debug, Clone)]
pub struct Assessment<'a> {
    /// The best enabled entries (at most
    /// [`crate::intent_scorer::RANKING_DEPTH`]), best first, with the
    /// fused score.
    pub ranking: Vec<(&'a FaqEntry, f32)>,
    /// Calibrated P(the first entry is right).
    pub confidence: f32,
}

/// A bot ready to answer; immutable, so the server can share it across
/// conversations behind an `Arc` and swap it when the knowledge base changes.
#[derive(Debug, Clone)]
pub struct Bot {
    entries: Vec<FaqEntry>,
    scorer: IntentScorer,
    calibrator: Calibrator,
    thresholds: Thresholds,
    /// The model the questions were embedded with; messages need the same.
    embedder: Option<Arc<dyn Embedder>>,
}

/// A question prepared for training: its entry and its analysis.
type Example = (usize, Analysis);

impl Bot {
    /// Trains the classifier on every enabled entry's questions and derives
    /// the confidence calibration and thresholds by k-fold cross-validation
    /// over those same questions. Purely lexical: see
    /// [`Bot::build_with_embedder`] for the dense signal.
    pub fn build(kb: &KnowledgeBase, config: BotConfig) -> Result<Self, BotError> {
        Self::build_with_embedder(kb, config, None)
    }

    /// [`Bot::build`], plus an embedding model whose similarity between a
    /// message and each entry's questions joins the ranking (at a weight
    /// chosen by the same cross-validation) and the confidence's signals.
    /// Every question is embedded once here, so building takes longer
    /// (roughly a few milliseconds per question on a CPU); each message is
    /// then embedded once in [`Bot::decide`]. With `None`, or with
    /// [`Method::Bm25`], the bot is exactly the lexical one.
    pub fn build_with_embedder(
        kb: &KnowledgeBase,
        config: BotConfig,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Self, BotError> {
        let entries: Vec<FaqEntry> = kb.enabled_entries().cloned().collect();
        if entries.is_empty() {
            return Err(BotError::EmptyKnowledgeBase);
        }
        let embedder = embedder.filter(|_| config.method == Method::Hybrid);
        let examples: Vec<Example> = entries
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.all_questions().map(move |q| (i, analyze(q))))
            .collect();
        let embeddings = match &embedder {
            Some(model) => {
                let texts: Vec<&str> = entries.iter().flat_map(FaqEntry::all_questions).collect();
                Some(embed(model.as_ref(), &texts)?)
            }
            None => None,
        };
        let embedding_rows: Option<Vec<&[f32]>> = embeddings
            .as_ref()
            .map(|vs| vs.iter().map(Vec::as_slice).collect());
        let (calibrator, thresholds, weights) =
            calibrate(&entries, &examples, embedding_rows.as_deref(), config);
        let all: Vec<(usize, &Analysis)> = examples.iter().map(|(e, a)| (*e, a)).collect();
        let mut scorer = IntentScorer::train(
            &all,
            embedding_rows.as_deref(),
            &out_of_scope_mask(&entries),
            config.method,
            config.seed,
        );
        scorer.set_weights(weights);
        Ok(Self {
            entries,
            scorer,
            calibrator,
            thresholds,
            embedder,
        })
    }

    /// The embedding model in use, if any.
    pub fn model_name(&self) -> Option<&str> {
        self.embedder.as_deref().map(Embedder::name)
    }

    /// The weight of the dense similarity in the ranking (0 without a model).
    pub fn dense_weight(&self) -> f32 {
        self.scorer.weights().dense
    }

    /// The thresholds derived from the knowledge base.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// The weight of BM25 in the ranking, chosen by cross-validation.
    pub fn bm25_weight(&self) -> f32 {
        self.scorer.weights().bm25
    }

    /// The enabled entries the bot answers from.
    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    /// Decides what to do with a customer message.
    pub fn decide(&self, query: &str) -> Result<Decision<'_>, BotError> {
        self.decide_explained(query).map(|(d, _)| d)
    }

    /// [`Bot::decide`], plus the ranking behind it when the knowledge base was
    /// consulted (not for requests for a human or small talk).
    pub fn decide_explained(
        &self,
        query: &str,
    ) -> Result<(Decision<'_>, Option<Assessment<'_>>), BotError> {
        self.decide_with(query, self.thresholds)
    }

    /// [`Bot::decide_explained`] with other thresholds than the learnt ones
    /// (an inbox that wants its bot bolder or more careful).
    pub fn decide_with(
        &self,
        query: &str,
        thresholds: Thresholds,
    ) -> Result<(Decision<'_>, Option<Assessment<'_>>), BotError> {
        let chars = query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(BotError::QueryTooLong {
                chars,
                max: MAX_QUERY_CHARS,
            });
        }
        if !query.chars().any(char::is_alphanumeric) {
            return Err(BotError::EmptyQuery);
        }
        if wants_human(query) {
            return Ok((
                Decision::Handoff {
                    reason: HandoffReason::HumanRequested,
                },
                None,
            ));
        }
        if let Some(talk) = small_talk(query) {
            return Ok((Decision::SmallTalk(talk), None));
        }
        let analysis = analyze(query);
        let embedding = match &self.embedder {
            Some(model) => embed(model.as_ref(), &[query])?.pop(),
            None => None,
        };
        let scored = self.scorer.score(&analysis, embedding.as_deref());
        let confidence = self.calibrator.confidence(&scored.signals);
        let assessment = Assessment {
            ranking: scored
                .ranking
                .iter()
                .map(|&(i, s)| (&self.entries[i], s))
                .collect(),
            confidence,
        };
        let decision = self.decision_for(&scored, confidence, thresholds);
        Ok((decision, Some(assessment)))
    }

    fn decision_for(
        &self,
        scored: &Scored,
        confidence: f32,
        thresholds: Thresholds,
    ) -> Decision<'_> {
        if scored.no_overlap {
            return Decision::Handoff {
                reason: HandoffReason::NoMatch,
            };
        }
        let Some(&(top, _)) = scored.ranking.first() else {
            return Decision::Handoff {
                reason: HandoffReason::NoMatch,
            };
        };
        let entry = &self.entries[top];
        if entry.out_of_scope {
            return Decision::Handoff {
                reason: HandoffReason::OutOfScope {
                    entry_id: entry.id.clone(),
                },
            };
        }
        if confidence >= thresholds.answer {
            return match entry.action.as_deref() {
                Some(action) => Decision::Action {
                    entry,
                    action,
                    confidence,
                },
                None => Decision::Answer { entry, confidence },
            };
        }
        if confidence >= thresholds.candidates {
            let entries = candidate_entries(&scored.ranking, &self.entries);
            if !entries.is_empty() {
                return Decision::Candidates {
                    entries,
                    confidence,
                };
            }
        }
        Decision::Handoff {
            reason: HandoffReason::LowConfidence { confidence },
        }
    }
}

fn embed(model: &dyn Embedder, texts: &[&str]) -> Result<Vec<Vec<f32>>, BotError> {
    let vectors = model.embed(texts).map_err(|e| BotError::Embedding {
        model: model.name().to_string(),
        message: e.to_string(),
    })?;
    if vectors.len() != texts.len() {
        return Err(BotError::Embedding {
            model: model.name().to_string(),
            message: format!("{} vectors for {} texts", vectors.len(), texts.len()),
        });
    }
    Ok(vectors)
}

fn out_of_scope_mask(entries: &[FaqEntry]) -> Vec<bool> {
    entries.iter().map(|e| e.out_of_scope).collect()
}

/// The best in-scope entries of a ranking.
fn candidate_entries<'a>(ranking: &[(usize, f32)], entries: &'a [FaqEntry]) -> Vec<&'a FaqEntry> {
    ranking
        .iter()
        .map(|&(i, _)| &entries[i])
        .filter(|e| !e.out_of_scope)
        .take(MAX_CANDIDATES)
        .collect()
}

/// Cross-validates over the questions: every question is scored by a model
/// trained without it (folds stratified per entry, so each entry keeps most
/// of its questions in every training fold). The held-out scores choose the
/// BM25 weight of the ranking, the held-out signals fit the calibrator, and
/// the calibrated held-out confidences give the thresholds.
fn calibrate(
    entries: &[FaqEntry],
    examples: &[Example],
    embeddings: Option<&[&[f32]]>,
    config: BotConfig,
) -> (Calibrator, Thresholds, FusionWeights) {
    let folds = config.folds.max(2);
    let fold_of = assign_folds(examples, entries.len(), folds, config.seed);
    let mut raw_held_out: Vec<(RawScores, usize)> = Vec::with_capacity(examples.len());
    // The same questions as if their entry were missing (in-scope ones only).
    let mut raw_unknown: Vec<(RawScores, usize)> = Vec::new();
    let mut fold_scorer = None;
    for fold in 0..folds {
        // Borrowed, not cloned: the analyses are the bulk of the build's memory.
        let train: Vec<(usize, &Analysis)> = examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f != fold)
            .map(|((e, a), _)| (*e, a))
            .collect();
        if train.is_empty() {
            continue;
        }
        let train_embeddings: Option<Vec<&[f32]>> = embeddings.map(|vs| {
            vs.iter()
                .zip(&fold_of)
                .filter(|(_, f)| **f != fold)
                .map(|(v, _)| *v)
                .collect()
        });
        let scorer = IntentScorer::train(
            &train,
            train_embeddings.as_deref(),
            &out_of_scope_mask(entries),
            config.method,
            config.seed,
        );
        for (i, ((gold, analysis), _)) in examples
            .iter()
            .zip(&fold_of)
            .enumerate()
            .filter(|(_, (_, f))| **f == fold)
        {
            let embedding = embeddings.map(|vs| vs[i]);
            let raw = scorer.raw_scores(analysis, embedding);
            if !entries[*gold].out_of_scope {
                let mut unknown = raw.clone();
                unknown.coverage = scorer.coverage_without(analysis, *gold);
                raw_unknown.push((unknown, *gold));
            }
            raw_held_out.push((raw, *gold));
        }
        fold_scorer = Some(scorer);
    }
    let Some(scorer) = fold_scorer else {
        return (
            Calibrator::fit(&[], &[], &[]),
            choose_thresholds(&[]),
            FusionWeights::default(),
        );
    };
    // The fusion weights in the ranking: the pair that ranks most held-out
    // questions right (the first, i.e. smallest, on ties).
    let fusion = match config.method {
        Method::Bm25 => FusionWeights::default(),
        Method::Hybrid => {
            let top1_right = |w: FusionWeights| {
                raw_held_out
                    .iter()
                    .filter(|(raw, gold)| {
                        scorer
                            .fuse(raw, w)
                            .ranking
                            .first()
                            .is_some_and(|r| r.0 == *gold)
                    })
                    .count()
            };
            let dense_grid: &[f32] = if embeddings.is_some() {
                &DENSE_WEIGHTS
            } else {
                &[0.0]
            };
            let mut best = (FusionWeights::default(), 0);
            for &dense in dense_grid {
                for bm25 in BM25_WEIGHTS {
                    let w = FusionWeights { bm25, dense };
                    let right = top1_right(w);
                    if right > best.1 {
                        best = (w, right);
                    }
                }
            }
            best.0
        }
    };
    let held_out: Vec<(Scored, usize)> = raw_held_out
        .iter()
        .map(|(raw, gold)| (scorer.fuse(raw, fusion), *gold))
        .collect();
    // Only questions whose top entry is in scope need a confidence: the bot
    // hands off on out-of-scope entries without looking at it.
    let considered: Vec<&(Scored, usize)> = held_out
        .iter()
        .filter(|(s, _)| {
            !s.no_overlap
                && s.ranking
                    .first()
                    .is_some_and(|r| !entries[r.0].out_of_scope)
        })
        .collect();
    let mut signals: Vec<Vec<f64>> = considered.iter().map(|(s, _)| s.signals.clone()).collect();
    let mut correct: Vec<bool> = considered
        .iter()
        .map(|(s, g)| s.ranking[0].0 == *g)
        .collect();
    // Out-of-scope questions weigh as if they were OUT_OF_SCOPE_SHARE of the
    // traffic (only when the knowledge base has any).
    let n_oos = held_out
        .iter()
        .filter(|(_, g)| entries[*g].out_of_scope)
        .count();
    let n_in = held_out.len() - n_oos;
    let oos_weight = if n_oos > 0 && n_in > 0 {
        OUT_OF_SCOPE_SHARE / (1.0 - OUT_OF_SCOPE_SHARE) * n_in as f64 / n_oos as f64
    } else {
        1.0
    };
    let mut weights: Vec<f64> = considered
        .iter()
        .map(|(_, g)| {
            if entries[*g].out_of_scope {
                oos_weight
            } else {
                1.0
            }
        })
        .collect();
    // A knowledge base whose own questions are (nearly) never confused gives
    // the calibration no wrong examples to learn from, and it would answer
    // anything with full confidence. Then each held-out question is scored
    // once more as if its entry were missing: the bot's view of a question
    // about a topic the knowledge base lacks, which must not be answered.
    // Only confusions between in-scope entries count: declared out-of-scope
    // examples say nothing about topics nobody declared.
    let wrong = considered
        .iter()
        .zip(&correct)
        .filter(|((_, gold), c)| !**c && !entries[*gold].out_of_scope)
        .count() as f64;
    let unknown: Vec<Scored> = if wrong < MIN_WRONG_EXAMPLES {
        raw_unknown
            .iter()
            .map(|(raw, gold)| scorer.fuse_without(raw, fusion, *gold))
            .filter(|s| {
                !s.no_overlap
                    && s.ranking
                        .first()
                        .is_some_and(|r| !entries[r.0].out_of_scope)
            })
            .collect()
    } else {
        Vec::new()
    };
    let n_known: f64 = weights.iter().sum();
    // Fading out as real mistakes appear, so the calibration does not jump
    // when a knowledge base grows past the limit.
    let unknown_weight = if unknown.is_empty() {
        0.0
    } else {
        UNKNOWN_TOPIC_SHARE / (1.0 - UNKNOWN_TOPIC_SHARE) * n_known / unknown.len() as f64
            * (1.0 - wrong / MIN_WRONG_EXAMPLES)
    };
    for s in &unknown {
        signals.push(s.signals.clone());
        correct.push(false);
        weights.push(unknown_weight);
    }
    let calibrator = Calibrator::fit(&signals, &correct, &weights);
    let mut items: Vec<HeldOut> = considered
        .iter()
        .zip(&correct)
        .zip(&weights)
        .map(|(((s, gold), &top_correct), &weight)| HeldOut {
            weight,
            confidence: calibrator.confidence(&s.signals),
            // An out-of-scope question is never helped by answering or by candidates.
            top_correct: top_correct && !entries[*gold].out_of_scope,
            in_candidates: !entries[*gold].out_of_scope
                && candidate_entries(&s.ranking, entries)
                    .iter()
                    .any(|e| e.id == entries[*gold].id),
        })
        .collect();
    items.extend(unknown.iter().map(|s| HeldOut {
        weight: unknown_weight,
        confidence: calibrator.confidence(&s.signals),
        top_correct: false,
        in_candidates: false,
    }));
    (calibrator, choose_thresholds(&items), fusion)
}

/// Stratified fold assignment: each entry's questions are shuffled (seeded)
/// and dealt round-robin, starting at a per-entry offset so small entries do
/// not all land in fold 0.
fn assign_folds(examples: &[Example], n_entries: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed);
    let mut per_entry: Vec<Vec<usize>> = vec![Vec::new(); n_entries];
    for (i, (e, _)) in examples.iter().enumerate() {
        per_entry[*e].push(i);
    }
    let mut fold_of = vec![0; examples.len()];
    for members in &mut per_entry {
        for i in (1..members.len()).rev() {
            let j = rng.below(i + 1);
            members.swap(i, j);
        }
        let offset = rng.below(folds);
        for (k, &m) in members.iter().enumerate() {
            fold_of[m] = (offset + k) % folds;
        }
    }
    fold_of
}
