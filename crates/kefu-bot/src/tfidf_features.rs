//! TF-IDF features for the intent classifier: word unigrams and bigrams plus
//! character n-grams, sublinear tf, smoothed idf, and each block L2-normalised
//! (the usual strong baseline for short-text intent classification; the same
//! recipe as scikit-learn's `TfidfVectorizer(sublinear_tf=True)` in a
//! `FeatureUnion`, so `scripts/baseline_svm.py` is a like-for-like check).

use rustc_hash::FxHashMap as HashMap;

use crate::text_analysis::Analysis;

/// A sparse vector with sorted, unique indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVec {
    pub fn squared_norm(&self) -> f32 {
        self.values.iter().map(|v| v * v).sum()
    }
}

/// A fitted vectoriser: vocabulary and idf weights learnt from training texts.
#[derive(Debug, Clone)]
pub struct TfidfVectorizer {
    word_vocab: HashMap<String, u32>,
    char_vocab: HashMap<String, u32>,
    /// idf per feature; word features first, then character features.
    idf: Vec<f32>,
}

fn word_features(a: &Analysis) -> impl Iterator<Item = String> + '_ {
    let unigrams = a.words.iter().cloned();
    let bigrams = a.words.windows(2).map(|w| format!("{} {}", w[0], w[1]));
    unigrams.chain(bigrams)
}

impl TfidfVectorizer {
    /// Learns the vocabulary and idf from the training analyses.
    pub fn fit(docs: &[&Analysis]) -> Self {
        let mut word_df: HashMap<String, u32> = HashMap::default();
        let mut char_df: HashMap<String, u32> = HashMap::default();
        for d in docs {
            let mut words: Vec<String> = word_features(d).collect();
            words.sort_unstable();
            words.dedup();
            for w in words {
                *word_df.entry(w).or_default() += 1;
            }
            let mut grams: Vec<&String> = d.char_ngrams.iter().collect();
            grams.sort_unstable();
            grams.dedup();
            for g in grams {
                *char_df.entry(g.clone()).or_default() += 1;
            }
        }
        // Sorted vocabularies make feature indices (and so training, which
        // visits features in index order) independent of hash-map order.
        let mut words: Vec<(String, u32)> = word_df.into_iter().collect();
        words.sort_unstable();
        let mut chars: Vec<(String, u32)> = char_df.into_iter().collect();
        chars.sort_unstable();
        let n = docs.len() as f32;
        let idf_of = |df: u32| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0;
        let mut idf = Vec::with_capacity(words.len() + chars.len());
        let mut word_vocab = HashMap::with_capacity_and_hasher(words.len(), Default::default());
        for (i, (w, df)) in words.into_iter().enumerate() {
            word_vocab.insert(w, i as u32);
            idf.push(idf_of(df));
        }
        let offset = idf.len() as u32;
        let mut char_vocab = HashMap::with_capacity_and_hasher(chars.len(), Default::default());
        for (i, (g, df)) in chars.into_iter().enumerate() {
            char_vocab.insert(g, offset + i as u32);
            idf.push(idf_of(df));
        }
        Self {
            word_vocab,
            char_vocab,
            idf,
        }
    }

    pub fn n_features(&self) -> usize {
        self.idf.len()
    }

    /// Features of one analysed text; unknown terms are ignored.
    pub fn transform(&self, a: &Analysis) -> SparseVec {
        let words = self.block(word_features(a).filter_map(|w| self.word_vocab.get(&w).copied()));
        let chars = self.block(
            a.char_ngrams
                .iter()
                .filter_map(|g| self.char_vocab.get(g).copied()),
        );
        // Each block has unit norm; scaling the concatenation by 1/√2 gives
        // the whole vector unit norm when both blocks are present.
        let scale = if words.indices.is_empty() || chars.indices.is_empty() {
            1.0
        } else {
            std::f32::consts::FRAC_1_SQRT_2
        };
        let mut out = words;
        out.indices.extend(chars.indices);
        out.values.extend(chars.values);
        for v in &mut out.values {
            *v *= scale;
        }
        out
    }

    fn block(&self, ids: impl Iterator<Item = u32>) -> SparseVec {
        let mut ids: Vec<u32> = ids.collect();
        ids.sort_unstable();
        let mut out = SparseVec::default();
        let mut i = 0;
        while i < ids.len() {
            let mut j = i;
            while j < ids.len() && ids[j] == ids[i] {
                j += 1;
            }
            let tf = (j - i) as f32;
            out.indices.push(ids[i]);
            out.values.push((1.0 + tf.ln()) * self.idf[ids[i] as usize]);
            i = j;
        }
        let norm = out.squared_norm().sqrt();
        if norm > 0.0 {
            for v in &mut out.values {
                *v /= norm;
            }
        }
        out
    }
}
