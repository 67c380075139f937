//! Integration tests of the search index: real tantivy, in memory and on disk.

mod common;
mod erase;
mod filters;
mod isolation;
mod language;
mod lifecycle;
mod robustness;
mod snippets;
