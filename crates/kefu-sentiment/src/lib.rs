//! Sentiment for quality inspection and live alerts: how likely a message
//! is negative, for Chinese, English and mixed text.
//!
//! The model is the strong classical baseline for review sentiment, a
//! linear SVM over TF-IDF word (jieba for Chinese) and character n-grams,
//! optionally joined by a dense sentence embedding, and its margin is turned
//! into a probability by Platt scaling fitted on cross-validated margins (so
//! "strongly negative" is a probability threshold that means the same on
//! every account). It reuses the bot's text analysis and SVM, so a message
//! is tokenised the same way everywhere.
//!
//! - [`model`]: [`SentimentModel::train`] and scoring.
//! - [`lexicon`]: the training set Kefu builds at install from licence-clean
//!   lexicons (never from evaluation data).
//! - [`account`]: an account's model, retrained with its reviewers' labels.
//! - [`evaluation`]: `kefu eval sentiment`.

#![forbid(unsafe_code)]

pub mod account;
pub mod error;
pub mod evaluation;
pub mod lexicon;

pub mod model;

pub use error::SentimentError;
pub use model::{Example, Polarity, SentimentModel};
