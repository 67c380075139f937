use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SentimentError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {message}")]
    BadRecord {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "training needs both positive and negative examples ({positive} positive, {negative} negative)"
    )]
    OneSided { positive: usize, negative: usize },
    #[error(
        "retraining needs at least {min} reviewed labels with {per} of each kind ({positive} not negative, {negative} negative so far)",
        min = crate::account::MIN_LABELS,
        per = crate::account::MIN_PER_POLARITY
    )]
    NotEnoughLabels { positive: usize, negative: usize },
    #[error("the embedding model failed: {0}")]
    Embedding(String),
}
