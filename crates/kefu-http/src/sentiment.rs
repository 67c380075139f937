//! The sentiment models inspection and the bot use: the shipped one,
//! trained once per process from the lexicons `scripts/fetch-models`
//! installs (`KEFU_MODEL_DIR/sentiment`), and an account's own, retrained
//! with its reviewers' labels (`POST /qa/sentiment/retrain`). Without the
//! lexicons sentiment rules cannot be saved (422 `invalid_qa_rule` says
//! why); every other rule works.
//!
//! Training takes seconds, so it runs on the blocking pool and never on an
//! async worker: a message that needs a model still being trained waits for
//! it without holding up anything else (a worker blocked on training would
//! stall every request on a two-core machine). Each model trains once,
//! however many callers want it at the same moment.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use kefu_bot::embedding::model_dir;
use kefu_core::model::LabelledText;
use kefu_core::store::Store;
use kefu_core::{AccountId, StoreError, Timestamp};
use kefu_sentiment::{Example, Polarity, SentimentModel};
use tokio::sync::OnceCell;

/// The shipped model with the training set it learnt from, which every
/// account's retraining starts from.
pub struct Shipped {
    pub model: Arc<SentimentModel>,
    pub training_set: Arc<Vec<Example>>,
}

static SHIPPED: OnceCell<Option<Arc<Shipped>>> = OnceCell::const_new();

fn train_shipped() -> Option<Arc<Shipped>> {
    let dir = model_dir();
    let started = std::time::Instant::now();
    let Some(lexicons) = kefu_sentiment::lexicon::installed(&dir) else {
        tracing::info!(
            dir = %dir.display(),
            "no sentiment lexicons installed (scripts/fetch-models): sentiment rules are unavailable"
        );
        return None;
    };
    let trained = kefu_sentiment::lexicon::training_set(&lexicons).and_then(|set| {
        SentimentModel::train(&set, None).map(|m| Shipped {
            model: Arc::new(m),
            training_set: Arc::new(set),
        })
    });
    match trained {
        Ok(s) => {
            tracing::info!(
                dir = %dir.display(),
                seconds = started.elapsed().as_secs_f64(),
                "sentiment model trained from the installed lexicons"
            );
            Some(Arc::new(s))
        }
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "the sentiment lexicons could not be used");
            None
        }
    }
}

/// The shipped model, trained on first use (`serve` starts it at boot so
/// no request waits for it); `None` without the lexicons.
pub async fn shipped() -> Option<Arc<Shipped>> {
    SHIPPED
        .get_or_init(|| async {
            tokio::task::spawn_blocking(train_shipped)
                .await
                .ok()
                .flatten()
        })
        .await
        .clone()
}

type Cell = Arc<OnceCell<Option<Arc<SentimentModel>>>>;

/// Each account's retrained model, by the training time that names it.
static ACCOUNTS: LazyLock<Mutex<HashMap<AccountId, (Timestamp, Cell)>>> =
    LazyLock::new(Default::default);

fn cell(account: AccountId, trained_at: Timestamp) -> Cell {
    let mut map = ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner());
    match map.get(&account) {
        Some((at, c)) if *at == trained_at => c.clone(),
        _ => {
            let c: Cell = Arc::default();
            map.insert(account, (trained_at, c.clone()));
            c
        }
    }
}

/// Keeps a model this node has just trained, so it is not trained again.
pub fn keep(account: AccountId, trained_at: Timestamp, model: Arc<SentimentModel>) {
    let c: Cell = Arc::new(OnceCell::new_with(Some(Some(model))));
    ACCOUNTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(account, (trained_at, c));
}

/// A label as the model's training text.
pub fn example(l: &LabelledText) -> Example {
    Example::new(
        l.text.clone(),
        if l.negative {
            Polarity::Neg
        } else {
            Polarity::Pos
        },
    )
}

/// The model an account's sentiment rules and bot use: its retrained one
/// when the QA settings mark one (`trained_at`), else the shipped one.
/// Another node's retraining is rebuilt here from the stored labels.
pub async fn for_account(
    store: &dyn Store,
    account: AccountId,
    trained_at: Option<Timestamp>,
) -> Result<Option<Arc<SentimentModel>>, StoreError> {
    let Some(at) = trained_at else {
        return Ok(shipped().await.map(|s| s.model.clone()));
    };
    let cell = cell(account, at);
    let model = cell
        .get_or_try_init(|| async {
            let Some(base) = shipped().await else {
                return Ok::<_, StoreError>(None);
            };
            let Some(stored) = store.sentiment_model(account).await? else {
                // Reverted since the settings were read.
                return Ok(Some(base.model.clone()));
            };
            let labels: Vec<Example> = stored.examples.iter().map(example).collect();
            let set = base.training_set.clone();
            let trained = tokio::task::spawn_blocking(move || {
                SentimentModel::train(&kefu_sentiment::account::with_labels(&set, &labels), None)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
            Ok(Some(match trained {
                Ok(m) => Arc::new(m),
                Err(error) => {
                    tracing::warn!(%account, %error, "the account's sentiment model could not be rebuilt: using the shipped one");
                    base.model.clone()
                }
            }))
        })
        .await?;
    Ok(model.clone())
}
