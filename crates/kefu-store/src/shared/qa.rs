// Quality inspection: an account's rules and scorecards, and each
// conversation's scores (replaced whole, with their `qa.scored` event).
// Included into `sqlite::qa` and `postgres::qa`.

use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{QaScore, QaSettings, Sender};
use kefu_core::{AccountId, ConversationId, StoreError, Timestamp};
use serde_json::json;

use super::Conn;
use super::events::{insert_event, lock_conversation, save_conversation};
use super::rows::{self, to_json, to_value};
use super::sql;
use crate::error::db;

type R<T> = Result<T, StoreError>;

fn parse<T: serde::de::DeserializeOwned>(col: &str, text: &str) -> R<T> {
    serde_json::from_str(text).map_err(|e| crate::error::corrupt(col, e))
}

pub(crate) async fn settings(c: &mut Conn, account: AccountId) -> R<QaSettings> {
    let row = sql::query("SELECT rules, scorecards FROM qa_settings WHERE account_id = $1")
        .bind(account.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    let Some(row) = row else {
        return Ok(QaSettings::default());
    };
    let rules: String = rows::get(&row, "rules")?;
    let scorecards: String = rows::get(&row, "scorecards")?;
    Ok(QaSettings {
        rules: parse("rules", &rules)?,
        scorecards: parse("scorecards", &scorecards)?,
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
    .bind(to_json(&s.scorecards)?)
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
            "INSERT INTO qa_scores (account_id, conversation_id, scorecard_id, total_x100, \
             passed, critical_failed, items, hits, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(account.0)
        .bind(conversation.0)
        .bind(&s.scorecard_id)
        .bind((s.total * 100.0).round() as i64)
        .bind(s.passed)
        .bind(to_json(&s.critical_failed)?)
        .bind(to_json(&s.items)?)
        .bind(to_json(&s.hits)?)
        .bind(now.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    }
    let summary: Vec<_> = scores
        .iter()
        .map(|s| {
            json!({"scorecard_id": s.scorecard_id, "total": s.total, "passed": s.passed,
                   "critical_failed": s.critical_failed, "hits": s.hits.len()})
        })
        .collect();
    let e = NewEvent::new(
        EventType::QaScored,
        Sender::system(),
        json!({ "scores": to_value(&summary)? }),
    );
    let event = insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(event)
}

pub(crate) async fn scores(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
) -> R<Vec<QaScore>> {
    super::conversations::exists(c, account, conversation).await?;
    let found = sql::query(
        "SELECT scorecard_id, total_x100, passed, critical_failed, items, hits, created_at \
         FROM qa_scores WHERE account_id = $1 AND conversation_id = $2 ORDER BY scorecard_id",
    )
    .bind(account.0)
    .bind(conversation.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|row| {
            let critical: String = rows::get(row, "critical_failed")?;
            let items: String = rows::get(row, "items")?;
            let hits: String = rows::get(row, "hits")?;
            Ok(QaScore {
                conversation_id: conversation,
                scorecard_id: rows::get(row, "scorecard_id")?,
                total: rows::get::<i64>(row, "total_x100")? as f64 / 100.0,
                passed: rows::get(row, "passed")?,
                critical_failed: parse("critical_failed", &critical)?,
                items: parse("items", &items)?,
                hits: parse("hits", &hits)?,
                created_at: Timestamp(rows::get(row, "created_at")?),
            })
        })
        .collect()
}
