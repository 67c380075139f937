//! The sentiment classifier: training and scoring.

use std::sync::Arc;

use kefu_bot::embedding::Embedder;
use kefu_bot::linear_svm::{LinearSvm, SvmParams};
use kefu_bot::text_analysis::{Analysis, analyze};
use kefu_bot::tfidf_features::{SparseVec, TfidfVectorizer};
use serde::{Deserialize, Serialize};

use crate::error::SentimentError;

/// A text's label, spelt as in the evaluation files (`pos` / `neg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Pos,
    Neg,
}

/// One labelled training text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub polarity: Polarity,
}

impl Example {
    pub fn new(text: impl Into<String>, polarity: Polarity) -> Self {
        Self {
            text: text.into(),
            polarity,
        }
    }
}

const NEG: usize = 0;
const POS: usize = 1;
/// Cross-validation folds whose held-out margins fit the calibration.
const CALIBRATION_FOLDS: u64 = 3;
/// The SVM's C: the usual value for TF-IDF text classification; reviews are
/// long and noisy, and a softer margin than liblinear's default C = 1 was
/// as accurate on every development split while training faster.
const SVM_C: f64 = 0.5;

/// A trained model. Scoring is a pure function of the text (plus the
/// embedding model's output when there is one), so one model serves every
/// thread.
pub struct SentimentModel {
    vectorizer: TfidfVectorizer,
    svm: LinearSvm,
    embedder: Option<Arc<dyn Embedder>>,
    /// Platt scaling: P(negative | margin m) = σ(a·m + b).
    calibration: (f64, f64),
}

impl std::fmt::Debug for SentimentModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentimentModel")
            .field("features", &self.vectorizer.n_features())
            .field("embedder", &self.embedder.as_ref().map(|e| e.name()))
            .field("calibration", &self.calibration)
            .finish_non_exhaustive()
    }
}

/// The lexical features, followed by the embedding (unit length, like each
/// lexical block) when the model uses one.
fn features(vectorizer: &TfidfVectorizer, a: &Analysis, embedding: Option<&[f32]>) -> SparseVec {
    let mut x = vectorizer.transform(a);
    if let Some(e) = embedding {
        let offset = vectorizer.n_features() as u32;
        x.indices.extend((0..e.len() as u32).map(|i| offset + i));
        x.values.extend_from_slice(e);
    }
    x
}

fn embed_all(embedder: &dyn Embedder, texts: &[&str]) -> Result<Vec<Vec<f32>>, SentimentError> {
    embedder
        .embed(texts)
        .map_err(|e| SentimentError::Embedding(e.to_string()))
}

/// The fitted pieces for one subset of the examples.
fn fit(
    analyses: &[&Analysis],
    embeddings: Option<&[&[f32]]>,
    labels: &[usize],
) -> (TfidfVectorizer, LinearSvm) {
    let vectorizer = TfidfVectorizer::fit(analyses);
    let xs: Vec<SparseVec> = analyses
        .iter()
        .enumerate()
        .map(|(i, a)| features(&vectorizer, a, embeddings.map(|e| e[i])))
        .collect();
    let dim = vectorizer.n_features() + embeddings.and_then(|e| e.first()).map_or(0, |e| e.len());
    let svm = LinearSvm::train(
        &xs,
        labels,
        2,
        dim,
        SvmParams {
            c: SVM_C,
            ..SvmParams::default()
        },
    );
    (vectorizer, svm)
}

/// How much more negative than positive a feature vector looks.
fn margin(svm: &LinearSvm, x: &SparseVec) -> f64 {
    let s = svm.scores(x);
    f64::from(s[NEG] - s[POS])
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Platt scaling fitted by Newton's method with Platt's smoothed targets
/// (Lin, Lin and Weng, "A note on Platt's probabilistic outputs", 2007):
/// returns (a, b) with P(negative | m) = σ(a·m + b).
fn platt(margins: &[f64], negative: &[bool]) -> (f64, f64) {
    let n_neg = negative.iter().filter(|n| **n).count() as f64;
    let n_pos = negative.len() as f64 - n_neg;
    let hi = (n_neg + 1.0) / (n_neg + 2.0);
    let lo = 1.0 / (n_pos + 2.0);
    let targets: Vec<f64> = negative.iter().map(|&n| if n { hi } else { lo }).collect();
    let loss = |a: f64, b: f64| -> f64 {
        margins
            .iter()
            .zip(&targets)
            .map(|(&m, &t)| {
                let z = a * m + b;
                // log(1 + e^z) − t·z, computed without overflow.
                let softplus = if z > 0.0 {
                    z + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                };
                softplus - t * z
            })
            .sum()
    };
    let (mut a, mut b) = (1.0, ((n_neg + 1.0) / (n_pos + 1.0)).ln());
    let mut current = loss(a, b);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for (&m, &t) in margins.iter().zip(&targets) {
            let p = sigmoid(a * m + b);
            let d = p - t;
            let w = p * (1.0 - p);
            ga += d * m;
            gb += d;
            haa += w * m * m;
            hab += w * m;
            hbb += w;
        }
        if ga.abs() < 1e-6 && gb.abs() < 1e-6 {
            break;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let da = -(hbb * ga - hab * gb) / det;
        let db = -(haa * gb - hab * ga) / det;
        let mut step = 1.0;
        loop {
            let (na, nb) = (a + step * da, b + step * db);
            let l = loss(na, nb);
            if l < current + 1e-4 * step * (ga * da + gb * db) {
                a = na;
                b = nb;
                current = l;
                break;
            }
            step /= 2.0;
            if step < 1e-10 {
                return (a, b);
            }
        }
    }
    (a, b)
}

/// A text's stable fold number (FNV-1a of its bytes). Folds go by text
/// rather than position so that copies of one text (a weighted label) are
/// never on both sides of a held-out split.
pub fn fold_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SentimentModel {
    /// Trains on labelled texts. With an embedder every text is embedded
    /// once and the embedding joins the lexical features.
    pub fn train(
        examples: &[Example],
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Self, SentimentError> {
        let negative: Vec<bool> = examples
            .iter()
            .map(|e| e.polarity == Polarity::Neg)
            .collect();
        let n_neg = negative.iter().filter(|n| **n).count();
        if n_neg == 0 || n_neg == examples.len() {
            return Err(SentimentError::OneSided {
                positive: examples.len() - n_neg,
                negative: n_neg,
            });
        }
        let labels: Vec<usize> = negative
            .iter()
            .map(|&n| if n { NEG } else { POS })
            .collect();
        let analyses: Vec<Analysis> = examples.iter().map(|e| analyze(&e.text)).collect();
        let embeddings = match &embedder {
            Some(e) => {
                let texts: Vec<&str> = examples.iter().map(|x| x.text.as_str()).collect();
                Some(embed_all(e.as_ref(), &texts)?)
            }
            None => None,
        };
        let emb_refs: Option<Vec<&[f32]>> = embeddings
            .as_ref()
            .map(|e| e.iter().map(Vec::as_slice).collect());

        // Held-out margins for the calibration: a model's margins on its own
        // training texts are overconfident.
        let mut margins = vec![0.0; examples.len()];
        let folds: Vec<u64> = examples
            .iter()
            .map(|e| fold_of(&e.text) % CALIBRATION_FOLDS)
            .collect();
        for fold in 0..CALIBRATION_FOLDS {
            let (train, held): (Vec<usize>, Vec<usize>) =
                (0..examples.len()).partition(|&i| folds[i] != fold);
            let pick =
                |idx: &[usize]| -> Vec<&Analysis> { idx.iter().map(|&i| &analyses[i]).collect() };
            let train_emb: Option<Vec<&[f32]>> = emb_refs
                .as_ref()
                .map(|e| train.iter().map(|&i| e[i]).collect());
            let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
            if train_labels.iter().all(|&l| l == train_labels[0]) {
                continue;
            }
            let (v, svm) = fit(&pick(&train), train_emb.as_deref(), &train_labels);
            for &i in &held {
                let x = features(&v, &analyses[i], emb_refs.as_ref().map(|e| e[i]));
                margins[i] = margin(&svm, &x);
            }
        }
        // With very few examples the held-out margins can say nothing, or
        // even point the wrong way; a calibration that inverts the SVM is
        // worse than none, so the raw margin's sigmoid is used then.
        let calibration = match platt(&margins, &negative) {
            (a, b) if a > 0.0 => (a, b),
            _ => (1.0, 0.0),
        };
        let all: Vec<&Analysis> = analyses.iter().collect();
        let (vectorizer, svm) = fit(&all, emb_refs.as_deref(), &labels);
        Ok(Self {
            vectorizer,
            svm,
            embedder,
            calibration,
        })
    }

    /// P(negative) for each text, in order.
    pub fn negative_probabilities(&self, texts: &[&str]) -> Result<Vec<f32>, SentimentError> {
        let embeddings = match &self.embedder {
            Some(e) => Some(embed_all(e.as_ref(), texts)?),
            None => None,
        };
        Ok(texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let x = features(
                    &self.vectorizer,
                    &analyze(t),
                    embeddings.as_ref().map(|e| e[i].as_slice()),
                );
                let (a, b) = self.calibration;
                sigmoid(a * margin(&self.svm, &x) + b) as f32
            })
            .collect())
    }

    /// P(negative) of one text.
    pub fn negative_probability(&self, text: &str) -> Result<f32, SentimentError> {
        Ok(self.negative_probabilities(&[text])?[0])
    }

    /// The embedding model the features include, if any.
    pub fn embedder_name(&self) -> Option<&str> {
        self.embedder.as_ref().map(|e| e.name())
    }
}
