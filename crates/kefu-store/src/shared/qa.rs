// Quality inspection: an account's rules and scorecards, and each
// conversation's scores (replaced whole, with their `qa.scored` event),
// and the live alerts (each once, with its `qa.alert` event).
// Included into `sqlite::qa` and `postgres::qa`.

use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{
    AccountSentimentModel, QaAlert, QaAlertReason, QaScore, QaSettings, QaStatus, Sender,
    SentimentLabel,
};
use kefu_core::page::{Keyset, Page};
use kefu_core::store::{PageRequest, QaScoreFilter};
use kefu_core::{AccountId, ConversationId, InboxId, StoreError, Timestamp};
use serde_json::json;

use super::{Conn, Db};
use super::events::{insert_event, lock_conversation, save_conversation};
use super::rows::{self, to_json, to_value};
use super::sql;
use crate::error::db;
use crate::paging;

type R<T> = Result<T, StoreError>;

fn parse<T: serde::de::DeserializeOwned>(col: &str, text: &str) -> R<T> {
    serde_json::from_str(text).map_err(|e| crate::error::corrupt(col, e))
}

pub(crate) async fn settings(c: &mut Conn, account: AccountId) -> R<QaSettings> {
    let row = sql::query(
        "SELECT rules, scorecards, sentiment_model_at FROM qa_settings WHERE account_id = $1",
    )
        .bind(account.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    let Some(row) = row else {
        return Ok(QaSettings::default());
    };
    let rules: String = rows::get(&row, "rules")?;
    let cards: String = rows::get(&row, "scorecards")?;
    // The scorecards column holds the cards and the review sampling rate.
    let cards: serde_json::Value = parse("scorecards", &cards)?;
    Ok(QaSettings {
        rules: parse("rules", &rules)?,
        scorecards: serde_json::from_value(cards["scorecards"].clone())
            .map_err(|e| crate::error::corrupt("scorecards", e))?,
        sample_rate: cards["sample_rate"].as_f64().unwrap_or(0.0),
        sentiment_model: rows::get::<Option<i64>>(&row, "sentiment_model_at")?.map(Timestamp),
    })
}

pub(crate) async fn put_settings(
    c: &mut Conn,
    account: AccountId,
    s: &QaSettings,
    now: Timestamp,
) -> R<()> {
    sql::query(
        "INSERT INTO qa_settings (account_id, rules, scorecards, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET \
         rules = excluded.rules, scorecards = excluded.scorecards, updated_at = excluded.updated_at",
    )
    .bind(account.0)
    .bind(to_json(&s.rules)?)
    .bind(to_json(&json!({"scorecards": s.scorecards, "sample_rate": s.sample_rate}))?)
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(crate::error::refs("account", "qa settings"))?;
    Ok(())
}

pub(crate) async fn record_scores(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
    scores: &[QaScore],
    now: Timestamp,
) -> R<Event> {
    // The lock orders this against other writers of the conversation and
    // gives the event its sequence number.
    let mut conv = lock_conversation(c, account, conversation).await?;
    sql::query("DELETE FROM qa_scores WHERE account_id = $1 AND conversation_id = $2")
        .bind(account.0)
        .bind(conversation.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    for s in scores {
        sql::query(
            "INSERT INTO qa_scores (account_id, conversation_id, scorecard_id, id, total_x100, \
             passed, critical_failed, items, hits, status, agent_id, sampled, review, \
             adjustment_x100, version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15)",
        )
        .bind(account.0)
        .bind(conversation.0)
        .bind(&s.scorecard_id)
        .bind(s.id)
        .bind(hundredths(s.total))
        .bind(s.passed)
        .bind(to_json(&s.critical_failed)?)
        .bind(to_json(&s.items)?)
        .bind(to_json(&s.hits)?)
        .bind(s.status.as_str())
        .bind(s.agent_id.map(|a| a.0))
        .bind(s.sampled)
        .bind(to_json(&s.review)?)
        .bind(hundredths(s.adjustment))
        .bind(now.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    }
    let summary: Vec<_> = scores.iter().map(summary).collect();
    let e = NewEvent::new(
        EventType::QaScored,
        Sender::system(),
        json!({ "reason": "inspected", "scores": to_value(&summary)? }),
    );
    let event = insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(event)
}

fn hundredths(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

fn summary(s: &QaScore) -> serde_json::Value {
    json!({"scorecard_id": s.scorecard_id, "total": s.total, "passed": s.passed,
           "critical_failed": s.critical_failed, "hits": s.hits.len(), "status": s.status})
}

macro_rules! score_cols {
    () => {
        "account_id, conversation_id, scorecard_id, id, total_x100, passed, critical_failed, \
         items, hits, status, agent_id, sampled, review, adjustment_x100, version, created_at"
    };
}

fn score_row(row: &super::DbRow) -> R<QaScore> {
    let critical: String = rows::get(row, "critical_failed")?;
    let items: String = rows::get(row, "items")?;
    let hits: String = rows::get(row, "hits")?;
    let review: String = rows::get(row, "review")?;
    let status: String = rows::get(row, "status")?;
    Ok(QaScore {
        id: rows::get(row, "id")?,
        conversation_id: rows::id(row, "conversation_id")?,
        scorecard_id: rows::get(row, "scorecard_id")?,
        total: rows::get::<i64>(row, "total_x100")? as f64 / 100.0,
        passed: rows::get(row, "passed")?,
        critical_failed: parse("critical_failed", &critical)?,
        items: parse("items", &items)?,
        hits: parse("hits", &hits)?,
        status: QaStatus::parse(&status).ok_or_else(|| crate::error::corrupt("status", &status))?,
        agent_id: rows::opt_id(row, "agent_id")?,
        sampled: rows::get(row, "sampled")?,
        adjustment: rows::get::<i64>(row, "adjustment_x100")? as f64 / 100.0,
        review: parse("review", &review)?,
        version: rows::get(row, "version")?,
        created_at: Timestamp(rows::get(row, "created_at")?),
    })
}

pub(crate) async fn scores(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
) -> R<Vec<QaScore>> {
    super::conversations::exists(c, account, conversation).await?;
    sql::query(concat!(
        "SELECT ",
        score_cols!(),
        " FROM qa_scores WHERE account_id = $1 AND conversation_id = $2 ORDER BY scorecard_id"
    ))
    .bind(account.0)
    .bind(conversation.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(score_row)
    .collect()
}

pub(crate) async fn save_review(
    c: &mut Conn,
    account: AccountId,
    s: &QaScore,
    labels: &[SentimentLabel],
    now: Timestamp,
) -> R<Event> {
    let mut conv = lock_conversation(c, account, s.conversation_id).await?;
    let updated = sql::query(
        "UPDATE qa_scores SET total_x100 = $5, passed = $6, hits = $7, status = $8, \
         review = $9, adjustment_x100 = $10, critical_failed = $11, items = $12, \
         version = version + 1 \
         WHERE account_id = $1 AND conversation_id = $2 AND scorecard_id = $3 AND version = $4",
    )
    .bind(account.0)
    .bind(s.conversation_id.0)
    .bind(&s.scorecard_id)
    .bind(s.version)
    .bind(hundredths(s.total))
    .bind(s.passed)
    .bind(to_json(&s.hits)?)
    .bind(s.status.as_str())
    .bind(to_json(&s.review)?)
    .bind(hundredths(s.adjustment))
    .bind(to_json(&s.critical_failed)?)
    .bind(to_json(&s.items)?)
    .execute(&mut *c)
    .await
    .map_err(db)?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::VersionConflict("score"));
    }
    for l in labels {
        sql::query(
            "INSERT INTO sentiment_labels (account_id, message_id, text, negative, rule_id, \
             labelled_by, labelled_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (account_id, message_id) DO UPDATE SET text = excluded.text, \
             negative = excluded.negative, rule_id = excluded.rule_id, \
             labelled_by = excluded.labelled_by, labelled_at = excluded.labelled_at",
        )
        .bind(account.0)
        .bind(l.message_id.0)
        .bind(&l.text)
        .bind(l.negative)
        .bind(&l.rule_id)
        .bind(l.labelled_by.0)
        .bind(l.labelled_at.0)
        .execute(&mut *c)
        .await
        .map_err(crate::error::refs("message", "sentiment label"))?;
    }
    let e = NewEvent::new(
        EventType::QaScored,
        Sender::system(),
        json!({ "reason": s.status.as_str(), "scores": [summary(s)] }),
    );
    let event = insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(event)
}

pub(crate) async fn list(
    c: &mut Conn,
    account: AccountId,
    f: &QaScoreFilter,
    page: &PageRequest,
) -> R<Page<QaScore>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        score_cols!(),
        " FROM qa_scores WHERE account_id = "
    ));
    q.push_bind(account.0);
    if let Some(st) = f.status {
        q.push(" AND status = ").push_bind(st.as_str());
    }
    if f.needs_review {
        q.push(" AND (passed = ").push_bind(false).push(" OR sampled = ").push_bind(true).push(")");
    }
    if let Some(a) = f.agent_id {
        q.push(" AND agent_id = ").push_bind(a.0);
    }
    super::keyset::newest_first(&mut q, "created_at", after.as_ref(), size);
    let rows = q
        .build()
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(score_row)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |s| Keyset {
        k: s.created_at.0,
        id: s.id,
    }))
}

/// Inserts the alert unless its rule already alerted for the message and
/// reason; only a new alert gets its event (on the locked conversation, so
/// it has its sequence number like every event of the conversation).
pub(crate) async fn record_alert(
    c: &mut Conn,
    account: AccountId,
    a: &QaAlert,
    now: Timestamp,
) -> R<Option<Event>> {
    let mut conv = lock_conversation(c, account, a.conversation_id).await?;
    let inserted = sql::query(
        "INSERT INTO qa_alerts (account_id, id, conversation_id, inbox_id, rule_id, rule_name, \
         reason, message_id, start_char, end_char, excerpt, speaker, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (account_id, message_id, rule_id, reason) DO NOTHING",
    )
    .bind(account.0)
    .bind(a.id)
    .bind(a.conversation_id.0)
    .bind(conv.inbox_id.0)
    .bind(&a.rule_id)
    .bind(&a.rule_name)
    .bind(a.reason.as_str())
    .bind(a.message_id.0)
    .bind(a.start)
    .bind(a.end)
    .bind(&a.excerpt)
    .bind(&a.speaker)
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(crate::error::refs("message", "qa alert"))?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    let e = NewEvent::new(
        EventType::QaAlert,
        Sender::system(),
        json!({
            "alert_id": a.id,
            "rule_id": a.rule_id,
            "rule_name": a.rule_name,
            "reason": a.reason.as_str(),
            "message_id": a.message_id,
            "start": a.start,
            "end": a.end,
            "excerpt": a.excerpt,
            "speaker": a.speaker,
        }),
    );
    let event = insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(Some(event))
}

fn alert_row(row: &super::DbRow) -> R<QaAlert> {
    let reason: String = rows::get(row, "reason")?;
    Ok(QaAlert {
        id: rows::get(row, "id")?,
        conversation_id: rows::id(row, "conversation_id")?,
        inbox_id: rows::id(row, "inbox_id")?,
        rule_id: rows::get(row, "rule_id")?,
        rule_name: rows::get(row, "rule_name")?,
        reason: QaAlertReason::parse(&reason)
            .ok_or_else(|| crate::error::corrupt("reason", &reason))?,
        message_id: rows::id(row, "message_id")?,
        start: rows::get(row, "start_char")?,
        end: rows::get(row, "end_char")?,
        excerpt: rows::get(row, "excerpt")?,
        speaker: rows::get(row, "speaker")?,
        created_at: Timestamp(rows::get(row, "created_at")?),
    })
}

pub(crate) async fn list_alerts(
    c: &mut Conn,
    account: AccountId,
    inboxes: Option<&[InboxId]>,
    page: &PageRequest,
) -> R<Page<QaAlert>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(
        "SELECT id, conversation_id, inbox_id, rule_id, rule_name, reason, message_id, \
         start_char, end_char, excerpt, speaker, created_at FROM qa_alerts WHERE account_id = ",
    );
    q.push_bind(account.0);
    if let Some(inboxes) = inboxes {
        if inboxes.is_empty() {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
        q.push(" AND inbox_id IN (");
        let mut list = q.separated(", ");
        for i in inboxes {
            list.push_bind(i.0);
        }
        q.push(")");
    }
    super::keyset::newest_first(&mut q, "created_at", after.as_ref(), size);
    let rows = q
        .build()
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(alert_row)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |a| Keyset {
        k: a.created_at.0,
        id: a.id,
    }))
}

pub(crate) async fn sentiment_labels(
    c: &mut Conn,
    account: AccountId,
    limit: usize,
) -> R<Vec<SentimentLabel>> {
    let rows = sql::query(
        "SELECT message_id, text, negative, rule_id, labelled_by, labelled_at \
         FROM sentiment_labels WHERE account_id = $1 \
         ORDER BY labelled_at DESC, message_id DESC LIMIT $2",
    )
    .bind(account.0)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(SentimentLabel {
                message_id: rows::id(row, "message_id")?,
                text: rows::get(row, "text")?,
                negative: rows::get(row, "negative")?,
                rule_id: rows::get(row, "rule_id")?,
                labelled_by: rows::id(row, "labelled_by")?,
                labelled_at: Timestamp(rows::get(row, "labelled_at")?),
            })
        })
        .collect()
}

pub(crate) async fn sentiment_model(
    c: &mut Conn,
    account: AccountId,
) -> R<Option<AccountSentimentModel>> {
    let row = sql::query(
        "SELECT trained_at, trained_by, examples, report FROM sentiment_models \
         WHERE account_id = $1",
    )
    .bind(account.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let examples: String = rows::get(&row, "examples")?;
    let report: String = rows::get(&row, "report")?;
    Ok(Some(AccountSentimentModel {
        trained_at: Timestamp(rows::get(&row, "trained_at")?),
        trained_by: rows::id(&row, "trained_by")?,
        examples: parse("examples", &examples)?,
        report: parse("report", &report)?,
    }))
}

pub(crate) async fn put_sentiment_model(
    c: &mut Conn,
    account: AccountId,
    model: Option<&AccountSentimentModel>,
    now: Timestamp,
) -> R<()> {
    let at = match model {
        Some(m) => {
            sql::query(
                "INSERT INTO sentiment_models (account_id, trained_at, trained_by, examples, report) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id) DO UPDATE SET \
                 trained_at = excluded.trained_at, trained_by = excluded.trained_by, \
                 examples = excluded.examples, report = excluded.report",
            )
            .bind(account.0)
            .bind(m.trained_at.0)
            .bind(m.trained_by.0)
            .bind(to_json(&m.examples)?)
            .bind(to_json(&m.report)?)
            .execute(&mut *c)
            .await
            .map_err(crate::error::refs("account", "sentiment model"))?;
            Some(m.trained_at.0)
        }
        None => {
            sql::query("DELETE FROM sentiment_models WHERE account_id = $1")
                .bind(account.0)
                .execute(&mut *c)
                .await
                .map_err(db)?;
            None
        }
    };
    // An account that never saved QA settings gets an empty row to carry
    // the mark.
    sql::query(
        "INSERT INTO qa_settings (account_id, rules, scorecards, updated_at, sentiment_model_at) \
         VALUES ($1, '[]', '{\"scorecards\":[],\"sample_rate\":0.0}', $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET sentiment_model_at = excluded.sentiment_model_at",
    )
    .bind(account.0)
    .bind(now.0)
    .bind(at)
    .execute(&mut *c)
    .await
    .map_err(crate::error::refs("account", "qa settings"))?;
    Ok(())
}
