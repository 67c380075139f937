//! The account's sentiment model: which one its rules use, how many
//! reviewed labels it has, and retraining on them (or going back to the
//! shipped model). Reviewers label by judging sentiment hits: a confirmed
//! hit is a negative message, a rejected one is not.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::AccountId;
use kefu_core::model::{AccountSentimentModel, LabelledText, Role};
use kefu_sentiment::account::{MIN_LABELS, MIN_PER_POLARITY};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};

/// The newest labels a retraining learns from: enough for any account's
/// trade, few enough to retrain in seconds.
pub const MAX_LABELS: usize = 5_000;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SentimentSource {
    /// Trained from the installed lexicons.
    Shipped,
    /// Retrained with the account's reviewed labels.
    Account,
    /// No lexicons installed (`scripts/fetch-models`): no sentiment rules.
    Unavailable,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LabelCounts {
    pub total: usize,
    pub negative: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SentimentStatus {
    pub source: SentimentSource,
    /// The retrained model's training time, by whom, and what it measured.
    pub trained_at: Option<kefu_core::Timestamp>,
    pub trained_by: Option<kefu_core::UserId>,
    #[schema(value_type = Object)]
    pub report: Option<serde_json::Value>,
    /// The labels the retrained model learnt from.
    pub trained_on: Option<LabelCounts>,
    /// The reviewed labels there are now (the newest `MAX_LABELS` count).
    pub labels: LabelCounts,
    pub min_labels: usize,
    pub min_per_polarity: usize,
}

async fn status(state: &AppState, account: AccountId) -> ApiResult<SentimentStatus> {
    let labels = state.store.sentiment_labels(account, MAX_LABELS).await?;
    let model = state.store.sentiment_model(account).await?;
    let available = crate::sentiment::shipped().await.is_some();
    let counts = |negatives: &mut dyn Iterator<Item = bool>| {
        let (mut total, mut negative) = (0, 0);
        for n in negatives {
            total += 1;
            negative += usize::from(n);
        }
        LabelCounts { total, negative }
    };
    Ok(SentimentStatus {
        source: match (&model, available) {
            (_, false) => SentimentSource::Unavailable,
            (Some(_), true) => SentimentSource::Account,
            (None, true) => SentimentSource::Shipped,
        },
        trained_at: model.as_ref().map(|m| m.trained_at),
        trained_by: model.as_ref().map(|m| m.trained_by),
        report: model.as_ref().map(|m| m.report.clone()),
        trained_on: model
            .as_ref()
            .map(|m| counts(&mut m.examples.iter().map(|e| e.negative))),
        labels: counts(&mut labels.iter().map(|l| l.negative)),
        min_labels: MIN_LABELS,
        min_per_polarity: MIN_PER_POLARITY,
    })
}

/// The account's sentiment model and labels (supervisors)
#[utoipa::path(
    get,
    path = "/api/v1/qa/sentiment",
    tag = super::TAG,
    responses(
        (status = 200, description = "The model in use and the labels", body = SentimentStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Needs the supervisor role", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_sentiment(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<SentimentStatus>> {
    agent.require(Role::Supervisor)?;
    Ok(Json(status(&state, agent.account_id).await?))
}

/// Accounts retraining on this node now: one retraining at a time each.
static RETRAINING: LazyLock<Mutex<HashSet<AccountId>>> = LazyLock::new(Default::default);

struct Running(AccountId);

impl Running {
    fn start(account: AccountId) -> ApiResult<Running> {
        let mut set = RETRAINING.lock().unwrap_or_else(|e| e.into_inner());
        if !set.insert(account) {
            return Err(ApiError::conflict(
                "retrain_running",
                "a retraining is already running for this account",
            ));
        }
        Ok(Running(account))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RETRAINING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.0);
    }
}

/// Retrain the account's sentiment model on its reviewed labels (admin)
///
/// One label in five is held out first to compare the retrained model with
/// the shipped one (`report`); the model then learns from every label and
/// every sentiment rule and the bot's hand-off use it at once.
#[utoipa::path(
    post,
    path = "/api/v1/qa/sentiment/retrain",
    tag = super::TAG,
    responses(
        (status = 200, description = "Retrained", body = SentimentStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 409, description = "`sentiment_unavailable` (no lexicons installed), `retrain_running`", body = ErrorBody),
        (status = 422, description = "`not_enough_labels`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn retrain(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
) -> ApiResult<Json<SentimentStatus>> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    let Some(base) = crate::sentiment::shipped().await else {
        return Err(unavailable());
    };
    let _running = Running::start(account)?;
    let labels = state.store.sentiment_labels(account, MAX_LABELS).await?;
    // Oldest first, so the same labels always train the same model.
    let examples: Vec<LabelledText> = labels
        .iter()
        .rev()
        .map(|l| LabelledText {
            text: l.text.clone(),
            negative: l.negative,
        })
        .collect();
    let training: Vec<_> = examples.iter().map(crate::sentiment::example).collect();
    kefu_sentiment::account::check_labels(&training).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_enough_labels",
            e.to_string(),
        )
    })?;
    let (model, report) = tokio::task::spawn_blocking(move || {
        kefu_sentiment::account::retrain(&base.training_set, &base.model, &training)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "sentiment retraining panicked");
        ApiError::internal()
    })?
    .map_err(|e| {
        tracing::error!(error = %e, "sentiment retraining failed");
        ApiError::internal()
    })?;
    let trained_at = state.clock.now();
    let stored = AccountSentimentModel {
        trained_at,
        trained_by: agent.user_id,
        examples,
        report: json!(report),
    };
    state
        .store
        .put_sentiment_model(account, Some(&stored), trained_at)
        .await?;
    crate::sentiment::keep(account, trained_at, Arc::new(model));
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("sentiment_model.retrained").details(json!(report)),
    )
    .await;
    Ok(Json(status(&state, account).await?))
}

fn unavailable() -> ApiError {
    ApiError::conflict(
        "sentiment_unavailable",
        "no sentiment lexicons are installed on this server (scripts/fetch-models)",
    )
}

/// Go back to the shipped sentiment model (admin)
///
/// The labels stay, so the account can retrain again later.
#[utoipa::path(
    delete,
    path = "/api/v1/qa/sentiment/model",
    tag = super::TAG,
    responses(
        (status = 200, description = "The shipped model is in use", body = SentimentStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn revert(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
) -> ApiResult<Json<SentimentStatus>> {
    agent.require(Role::Admin)?;
    let account = agent.account_id;
    if state.store.sentiment_model(account).await?.is_some() {
        state
            .store
            .put_sentiment_model(account, None, state.clock.now())
            .await?;
        audit::by_agent(&state, &agent, ip, Change::new("sentiment_model.reverted")).await;
    }
    Ok(Json(status(&state, account).await?))
}
