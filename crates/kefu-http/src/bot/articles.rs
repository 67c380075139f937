//! Articles answer agents, not customers directly: they have no question
//! phrasings for the classifier to learn from, so the bot never sends them on
//! its own. Their chunks are searched with BM25 for agent assist, which shows
//! the passage that fits the customer's question with where it comes from.

use kefu_bot::bm25_index::Bm25Index;
use kefu_bot::text_analysis::analyze;
use kefu_core::model::{KbChunk, KbEntry, KbEntryKind};

/// The account's enabled article chunks, indexed.
#[derive(Default)]
pub struct ArticleIndex {
    chunks: Vec<KbChunk>,
    index: Bm25Index,
}

impl ArticleIndex {
    pub fn build(entries: &[KbEntry]) -> Self {
        let chunks: Vec<KbChunk> = entries
            .iter()
            .filter(|e| e.enabled && e.kind == KbEntryKind::Article)
            .flat_map(KbEntry::chunks)
            .collect();
        let terms: Vec<Vec<String>> = chunks
            .iter()
            .map(|c| analyze(&format!("{}\n{}", c.heading(), c.text)).retrieval_terms())
            .collect();
        let index = Bm25Index::build(
            terms.iter().enumerate().map(|(i, t)| (i, t.as_slice())),
            chunks.len(),
        );
        Self { chunks, index }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The `k` chunks that best match the query (BM25 above zero), best first.
    pub fn search(&self, query: &str, k: usize) -> Vec<(&KbChunk, f32)> {
        if self.chunks.is_empty() {
            return Vec::new();
        }
        let scores = self.index.entry_scores(&analyze(query).retrieval_terms());
        let mut ranked: Vec<(usize, f32)> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(k)
            .map(|(i, s)| (&self.chunks[i], s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::{AccountId, KbEntryId, Timestamp};

    fn article(title: &str, body: &str, enabled: bool) -> KbEntry {
        KbEntry {
            id: KbEntryId::new(),
            account_id: AccountId::new(),
            kind: KbEntryKind::Article,
            question: title.into(),
            similar_questions: vec![],
            answer: body.into(),
            tags: vec![],
            locale: "en".into(),
            enabled,
            out_of_scope: false,
            action: None,
            version: 1,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn the_matching_passage_is_found_with_its_heading() {
        let entries = [
            article(
                "Shipping guide",
                "## Domestic\nParcels arrive in 2 days.\n\n## International\nWe ship to Canada and Japan; customs fees are paid on delivery.",
                true,
            ),
            article(
                "Returns",
                "Return any item within 30 days for a refund.",
                true,
            ),
            article("Hidden", "We ship to Canada for free.", false),
        ];
        let index = ArticleIndex::build(&entries);
        let hits = index.search("do you ship to canada?", 2);
        assert!(!hits.is_empty());
        assert!(hits[0].0.text.contains("customs"), "{hits:?}");
        assert_eq!(hits[0].0.heading(), "Shipping guide > International");
        assert!(
            hits.iter().all(|(c, _)| !c.text.contains("free")),
            "disabled articles are not searched"
        );
        assert!(index.search("zzzz", 2).is_empty());
        assert!(ArticleIndex::build(&[]).search("canada", 2).is_empty());
    }
}
