//! Kefu's full-text search index for conversations, messages and contacts.
//!
//! Neither SQLite FTS5 nor PostgreSQL text search splits Chinese into words,
//! so Kefu keeps one [tantivy] index per node, shared by all accounts, with
//! its own tokenizer ([`tokenizer`]: jieba for Han text plus character
//! bigrams, NFKC width folding and lowercasing for Latin text). The server
//! keeps it current from the event stream (storing the stream cursor in each
//! commit, see [`SearchIndex::commit`] and [`SearchIndex::cursor`]) and
//! rebuilds it with `kefu search reindex` ([`SearchIndex::clear`] then bulk
//! adds).
//!
//! # Isolation
//!
//! Every [`SearchQuery`] names an account and the inboxes the asking agent may
//! see; [`SearchIndex::search`] always adds both as required filter clauses
//! (an account term and an inbox term set). There is no way to search without
//! them: `inboxes: None` means "all inboxes of this account" (supervisors),
//! `Some(vec![])` means nothing. Contacts have no inbox of their own; a
//! contact document carries the inboxes of the contact's conversations, so an
//! agent sees a contact only through an inbox they may see.
//!
//! # Denormalisation
//!
//! Conversation-level fields (inbox, channel, contact, status, assignee, team,
//! labels) are copied into the conversation's message documents so that
//! filters apply to message hits. [`SearchIndex::upsert_conversation`]
//! rewrites those message documents from the index's own stored fields (no
//! database needed). Documents added since the last commit are not visible to
//! the index reader, so the writer keeps them in memory until the next commit
//! to be able to rewrite them too: commit regularly (the reindex every
//! ~100,000 messages).
//!
//! # Erasure
//!
//! [`SearchIndex::erase_contact`] deletes the contact, their conversations and
//! all their messages. Tantivy only marks deleted documents until segments
//! are merged; [`SearchIndex::purge`] merges every segment that has deletes
//! and garbage-collects the old files, after which the text is physically
//! gone from the directory. The doc store is written WITHOUT compression
//! (tantivy's `Compressor::None`, and the crate is built without its lz4/zstd
//! features) so that this can be checked honestly by scanning the index files
//! for the erased strings; the cost is a larger store on disk.
//!
//! # Deviations from the first design
//!
//! * Han text is indexed as jieba search-mode words AND character bigrams:
//!   jieba alone segments by context and can split a word differently inside
//!   a sentence than in the query ("乒乓球拍卖完了吗" has no 球拍 token), which
//!   would make some two-character words unfindable in some sentences.
//! * Snippets are built by this crate rather than tantivy's
//!   `SnippetGenerator`, so that highlights are merged byte ranges into the
//!   original text and never HTML.

#![forbid(unsafe_code)]

mod index;
pub mod tokenizer;
mod types;

pub use index::SearchIndex;
pub use types::{
    ContactDoc, ConversationDoc, DocKind, Hit, MessageDoc, Order, SearchQuery, SearchResults,
    Snippet,
};

/// Longest query text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 512;
/// Most query words used; the rest are ignored.
pub const MAX_QUERY_WORDS: usize = 32;
/// Largest page.
pub const MAX_LIMIT: usize = 200;
/// Deepest offset (beyond it, narrow the query).
pub const MAX_OFFSET: usize = 10_000;

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("query text is longer than {MAX_QUERY_CHARS} characters")]
    QueryTooLong,
    #[error("offset is beyond {MAX_OFFSET}; narrow the query instead")]
    OffsetTooDeep,
    #[error("the index writer lock was poisoned by a panic")]
    Poisoned,
    #[error("the index writer could not be reopened after a purge; reopen the index")]
    WriterLost,
    #[error("corrupt stored document: {0}")]
    Corrupt(String),
}
