//! Kefu's bot: answers customers from a FAQ knowledge base, says how sure it
//! is, and hands over to a person when it should not answer.
//!
//! - [`text_analysis`]: normalisation and tokens for Chinese, English and mixed text.
//! - [`knowledge_base`]: FAQ entries, including out-of-scope ones.
//! - [`bm25_index`], [`tfidf_features`], [`linear_svm`], [`intent_scorer`]: ranking.
//! - [`confidence_calibration`]: one confidence and thresholds learnt from the knowledge base.
//! - [`conversation_cues`]: requests for a human, greetings, thanks.
//! - [`bot`]: [`Bot::decide`], the function the server calls.
//! - [`intent_evaluation`]: `kefu eval intents`.

pub mod bm25_index;
pub mod bot;
pub mod confidence_calibration;
pub mod conversation_cues;
pub mod embedding;
pub mod error;
pub mod intent_evaluation;
pub mod intent_scorer;
pub mod knowledge_base;
pub mod linear_svm;
pub mod text_analysis;
pub mod tfidf_features;

pub use bot::{Assessment, Bot, BotConfig, Decision, HandoffReason};
pub use conversation_cues::SmallTalk;
pub use embedding::Embedder;
pub use error::BotError;
pub use intent_scorer::Method;
pub use knowledge_base::{FaqEntry, KnowledgeBase};
