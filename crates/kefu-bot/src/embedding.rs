//! The seam for optional dense sentence embeddings. The bot does not load
//! models itself (that is `kefu-embed`, with candle): it is given an
//! [`Embedder`] and uses it as one more signal for ranking and confidence.
//! Without one the bot is purely lexical and behaves exactly as before.

use std::fmt::Debug;
use std::path::PathBuf;

/// The model directory: `KEFU_MODEL_DIR`, else the nearest `data/models`
/// in the working directory or one of its parents (where
/// `scripts/fetch-models` puts the models; tests run from a crate's folder
/// inside the workspace), else `data/models`.
pub fn model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEFU_MODEL_DIR") {
        return PathBuf::from(dir);
    }
    let relative = PathBuf::from("data/models");
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            cwd.ancestors()
                .map(|a| a.join(&relative))
                .find(|d| d.is_dir())
        })
        .unwrap_or(relative)
}

/// Why embedding failed (the model's own error, rendered).
pub type EmbedFailure = Box<dyn std::error::Error + Send + Sync>;

/// Turns texts into unit-length vectors whose dot product measures how
/// similar the texts' meanings are.
pub trait Embedder: Send + Sync + Debug {
    /// The model's name, for reports (e.g. `multilingual-e5-small`).
    fn name(&self) -> &str;
    /// One L2-normalised vector per text, all of the same dimension.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedFailure>;
}

/// Question embeddings of a knowledge base, kept row-major in one buffer so
/// scoring a message is one pass over contiguous memory.
#[derive(Debug, Clone, Default)]
pub struct DenseIndex {
    dim: usize,
    /// Entry of each row.
    entry_of: Vec<u32>,
    rows: Vec<f32>,
    n_entries: usize,
}

impl DenseIndex {
    /// Builds the index over `(entry, embedding)` pairs.
    pub fn build<'a>(
        items: impl IntoIterator<Item = (usize, &'a [f32])>,
        n_entries: usize,
    ) -> Self {
        let mut index = Self {
            n_entries,
            ..Self::default()
        };
        for (entry, v) in items {
            if index.dim == 0 {
                index.dim = v.len();
            }
            debug_assert_eq!(v.len(), index.dim);
            index.entry_of.push(entry as u32);
            index.rows.extend_from_slice(v);
        }
        index
    }

    /// Per entry, the cosine of the message with the entry's closest question
    /// (-1 for entries without questions). Nearest neighbour rather than a
    /// centroid: an entry's questions often cover several phrasings that a
    /// mean would blur.
    pub fn entry_scores(&self, query: &[f32]) -> Vec<f32> {
        let mut best = vec![-1.0f32; self.n_entries];
        if self.dim == 0 || query.len() != self.dim {
            return best;
        }
        for (row, &entry) in self.rows.chunks_exact(self.dim).zip(&self.entry_of) {
            let dot = dot(row, query);
            let slot = &mut best[entry as usize];
            if dot > *slot {
                *slot = dot;
            }
        }
        best
    }

    pub fn is_empty(&self) -> bool {
        self.entry_of.is_empty()
    }
}

/// Dot product in eight independent lanes: a plain `sum()` of products
/// must add in order, which keeps the compiler from using SIMD, and scoring a
/// message against 20,000 questions is 7.7 million of these products.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a_chunks, a_rest) = a.as_chunks::<8>();
    let (b_chunks, b_rest) = b.as_chunks::<8>();
    let mut lanes = [0.0f32; 8];
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_score_is_the_closest_question() {
        let a = [1.0, 0.0];
        let b = [0.0, 1.0];
        let c = [0.6, 0.8];
        let index = DenseIndex::build([(0, &a[..]), (0, &b[..]), (2, &c[..])], 3);
        let s = index.entry_scores(&[1.0, 0.0]);
        assert_eq!(s, vec![1.0, -1.0, 0.6]);
        let s = index.entry_scores(&[0.0, 1.0]);
        assert_eq!(s, vec![1.0, -1.0, 0.8]);
    }

    #[test]
    fn the_dot_product_counts_every_component() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..19).map(|i| (i % 3) as f32).collect();
        let expected: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), expected);
    }

    #[test]
    fn a_query_of_the_wrong_dimension_scores_nothing() {
        let a = [1.0, 0.0];
        let index = DenseIndex::build([(0, &a[..])], 1);
        assert_eq!(index.entry_scores(&[1.0, 0.0, 0.0]), vec![-1.0]);
    }
}
