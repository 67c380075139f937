//! BM25 over the knowledge base's questions, on a small inverted index of our
//! own. A knowledge base has at most tens of thousands of questions and is
//! rebuilt in memory whenever it changes, so a `HashMap` of postings builds in
//! milliseconds and answers in microseconds; tantivy would add a large build,
//! on-disk segments and a tokenizer bridge for no gain at this size (the
//! design keeps tantivy for full-text search over conversations).

use std::collections::HashMap;

/// BM25 parameters: the usual defaults.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Each question of each entry is one document; an entry scores as its best
/// question, since customers phrase a question like one of the variants, not
/// like their concatenation.
#[derive(Debug, Clone, Default)]
pub struct Bm25Index {
    postings: HashMap<String, Vec<(u32, u16)>>,
    doc_len: Vec<f32>,
    doc_entry: Vec<u32>,
    avg_len: f32,
    n_entries: usize,
}

impl Bm25Index {
    /// Builds the index from `(entry index, terms)` documents.
    pub fn build<'a>(
        docs: impl IntoIterator<Item = (usize, &'a [String])>,
        n_entries: usize,
    ) -> Self {
        let mut index = Self {
            n_entries,
            ..Self::default()
        };
        for (entry, terms) in docs {
            let doc = index.doc_len.len() as u32;
            index.doc_len.push(terms.len() as f32);
            index.doc_entry.push(entry as u32);
            let mut counts: HashMap<&str, u16> = HashMap::new();
            for t in terms {
                let c = counts.entry(t.as_str()).or_default();
                *c = c.saturating_add(1);
            }
            for (t, tf) in counts {
                index
                    .postings
                    .entry(t.to_string())
                    .or_default()
                    .push((doc, tf));
            }
        }
        let n = index.doc_len.len().max(1) as f32;
        index.avg_len = (index.doc_len.iter().sum::<f32>() / n).max(1.0);
        index
    }

    /// Whether any question contains the term.
    pub fn knows(&self, term: &str) -> bool {
        self.postings.contains_key(term)
    }

    /// Whether a question of an entry other than `absent` contains the term.
    pub fn knows_outside(&self, term: &str, absent: usize) -> bool {
        self.postings.get(term).is_some_and(|list| {
            list.iter()
                .any(|&(doc, _)| self.doc_entry[doc as usize] as usize != absent)
        })
    }

    /// Best BM25 score of each entry for the query terms (0 when no term
    /// matches). Repeated query terms count once.
    pub fn entry_scores(&self, terms: &[String]) -> Vec<f32> {
        let mut unique: Vec<&String> = terms.iter().collect();
        unique.sort_unstable();
        unique.dedup();
        let n_docs = self.doc_len.len() as f32;
        // A dense accumulator: a few tens of thousands of floats are cheaper
        // to clear and scan than hashing every posting of a common word.
        let mut doc_scores = vec![0.0f32; self.doc_len.len()];
        for t in unique {
            let Some(list) = self.postings.get(t.as_str()) else {
                continue;
            };
            let df = list.len() as f32;
            let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
            for &(doc, tf) in list {
                let tf = f32::from(tf);
                let norm = K1 * (1.0 - B + B * self.doc_len[doc as usize] / self.avg_len);
                doc_scores[doc as usize] += idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
        let mut out = vec![0.0f32; self.n_entries];
        for (&e, &s) in self.doc_entry.iter().zip(&doc_scores) {
            let best = &mut out[e as usize];
            if s > *best {
                *best = s;
            }
        }
        out
    }
}
