// The bot's unanswered questions (the learning loop). Included into
// `sqlite::bot_questions` and `postgres::bot_questions`.

use kefu_core::model::{BotQuestion, BotQuestionResolution, NewBotQuestion};
use kefu_core::{AccountId, MessageId, StoreError, Timestamp, UserId};

use super::Conn;
use super::rows;
use super::sql;
use crate::error::{db, refs};

type R<T> = Result<T, StoreError>;

pub(crate) async fn record_bot_question(c: &mut Conn, q: &NewBotQuestion) -> R<()> {
    sql::query(
        "INSERT INTO bot_questions (account_id, message_id, conversation_id, text, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, message_id) DO NOTHING",
    )
    .bind(q.account_id.0)
    .bind(q.message_id.0)
    .bind(q.conversation_id.0)
    .bind(q.text.as_str())
    .bind(q.outcome.as_str())
    .bind(q.now.0)
    .execute(&mut *c)
    .await
    .map_err(refs("conversation", "question"))?;
    Ok(())
}

pub(crate) async fn open_bot_questions(
    c: &mut Conn,
    account: AccountId,
    since: Timestamp,
    limit: u32,
) -> R<Vec<BotQuestion>> {
    sql::query(
        "SELECT account_id, message_id, conversation_id, text, outcome, created_at, status, \
         resolved_by, resolved_at FROM bot_questions \
         WHERE account_id = $1 AND status = 'open' AND created_at >= $2 \
         ORDER BY created_at DESC, message_id DESC LIMIT $3",
    )
    .bind(account.0)
    .bind(since.0)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::bot_question)
    .collect()
}

pub(crate) async fn resolve_bot_questions(
    c: &mut Conn,
    account: AccountId,
    messages: &[MessageId],
    resolution: BotQuestionResolution,
    by: UserId,
    now: Timestamp,
) -> R<u64> {
    let mut changed = 0;
    for m in messages {
        changed += sql::query(
            "UPDATE bot_questions SET status = $1, resolved_by = $2, resolved_at = $3 \
             WHERE account_id = $4 AND message_id = $5 AND status = 'open'",
        )
        .bind(resolution.as_str())
        .bind(by.0)
        .bind(now.0)
        .bind(account.0)
        .bind(m.0)
        .execute(&mut *c)
        .await
        .map_err(db)?
        .rows_affected();
    }
    Ok(changed)
}
