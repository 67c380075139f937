//! The seam for optional dense sentence embeddings. The bot does not load
//! models itself (that is `kefu-embed`, with candle): it is given an
//! [`Embedder`] and uses it as one more signal for ranking and confidence.
//! Without one the bot is purely lexical and behaves exactly as before.

use std::fmt::Debug;

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
            let dot: f32 = row.iter().zip(query).map(|(a, b)| a * b).sum();
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
    fn a_query_of_the_wrong_dimension_scores_nothing() {
        let a = [1.0, 0.0];
        let index = DenseIndex::build([(0, &a[..])], 1);
        assert_eq!(index.entry_scores(&[1.0, 0.0, 0.0]), vec![-1.0]);
    }
}
