//! The sentiment model quality inspection uses: the shipped one, trained
//! once per process from the lexicons `scripts/fetch-models` installs
//! (`KEFU_MODEL_DIR/sentiment`). Without them sentiment rules cannot be
//! saved (422 `invalid_qa_rule` says why); every other rule works.

use std::sync::{Arc, OnceLock};

use kefu_bot::embedding::model_dir;
use kefu_sentiment::SentimentModel;

static SHIPPED: OnceLock<Option<Arc<SentimentModel>>> = OnceLock::new();

/// The shipped model, trained on first use (about a second; `serve` warms
/// it up at start so no request waits for it).
pub fn shipped() -> Option<Arc<SentimentModel>> {
    SHIPPED
        .get_or_init(|| {
            let dir = model_dir();
            let started = std::time::Instant::now();
            match kefu_sentiment::lexicon::shipped_model(&dir) {
                Ok(Some(m)) => {
                    tracing::info!(
                        dir = %dir.display(),
                        seconds = started.elapsed().as_secs_f64(),
                        "sentiment model trained from the installed lexicons"
                    );
                    Some(Arc::new(m))
                }
                Ok(None) => {
                    tracing::info!(
                        dir = %dir.display(),
                        "no sentiment lexicons installed (scripts/fetch-models): sentiment rules are unavailable"
                    );
                    None
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "the sentiment lexicons could not be read");
                    None
                }
            }
        })
        .clone()
}
