// Privacy requests and retention: erasing a contact, and anonymising or
// deleting old conversations. Included into `sqlite::privacy` and
// `postgres::privacy`.
//
// Both keep the shape of the history and remove what people wrote: messages
// keep their sequence, sender and time with redacted content; events keep
// their type, actor and time with their text scrubbed
// (`kefu_core::model::scrub_event_data`), so analytics still count them.
// Every copy of a message's text the store keeps is handled here: the
// message, its `message.created` event, QA hits and alerts, mention
// excerpts, the bot's unanswered questions, sentiment labels and the
// examples an account's sentiment model learnt from.

use std::collections::HashSet;

use kefu_core::event::{EventType, NewEvent};
use kefu_core::model::{
    AccountSentimentModel, Attachment, Erasure, MessageContent, RetentionAction, RetentionBatch,
    RetentionPolicy, Sender, scrub_event_data,
};
use kefu_core::{AccountId, ContactId, ConversationId, StoreError, Timestamp};
use serde_json::{Value, json};

use super::Conn;
use super::events::{insert_event, lock_conversation, save_conversation};
use super::rows::{self, to_json};
use super::sql;
use crate::error::{corrupt, db};

type R<T> = Result<T, StoreError>;

/// Attachments of one conversation, oldest first.
pub(crate) async fn list_attachments(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
) -> R<Vec<Attachment>> {
    sql::query(concat!(
        "SELECT ",
        attachment_cols!(),
        " FROM attachments WHERE account_id = $1 AND conversation_id = $2 \
         ORDER BY created_at, id"
    ))
    .bind(account.0)
    .bind(conversation.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::attachment)
    .collect()
}

/// Erases a contact: their conversations are redacted (see
/// [`redact_conversation`]), their identities deleted, their details
/// blanked, their own events scrubbed, and `contact.erased` recorded.
/// Running it again finds nothing left to remove and changes nothing
/// but the time.
pub(crate) async fn erase_contact(
    c: &mut Conn,
    account: AccountId,
    contact: ContactId,
    now: Timestamp,
) -> R<Erasure> {
    let exists = sql::query("SELECT id FROM contacts WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(contact.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    if exists.is_none() {
        return Err(StoreError::NotFound("contact"));
    }
    let conversations: Vec<ConversationId> = sql::query(
        "SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2 ORDER BY created_at, id",
    )
    .bind(account.0)
    .bind(contact.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(|r| rows::id(r, "id"))
    .collect::<R<_>>()?;

    let mut out = Erasure::default();
    let mut texts = HashSet::new();
    for id in &conversations {
        let done = redact_conversation(c, account, *id, "erasure", false, now, &mut texts).await?;
        out.messages += done.messages;
        out.events += done.events;
        out.attachments += done.attachments;
        out.blob_keys.extend(done.blob_keys);
    }
    out.conversations = conversations;
    forget_sentiment_examples(c, account, &texts, now).await?;

    out.identities = sql::query("DELETE FROM identities WHERE account_id = $1 AND contact_id = $2")
        .bind(account.0)
        .bind(contact.0)
        .execute(&mut *c)
        .await
        .map_err(db)?
        .rows_affected();
    sql::query(
        "UPDATE contacts SET name = NULL, email = NULL, phone = NULL, attributes = '{}', \
         updated_at = $3, erased_at = $3 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.0)
    .bind(contact.0)
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    // The contact's own events (contact.created, contact.updated) carry no
    // conversation; an expression index finds them by the contact's id.
    let own = sql::query(concat!(
        "SELECT id, data FROM events WHERE account_id = $1 AND conversation_id IS NULL AND ",
        event_contact_id!(),
        " = $2"
    ))
    .bind(account.0)
    .bind(contact.0.to_string())
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    for row in &own {
        out.events += scrub_event_row(c, row).await?;
    }
    let e = NewEvent::new(
        EventType::ContactErased,
        Sender::system(),
        json!({ "contact_id": contact }),
    );
    insert_event(c, account, None, &e, now).await?;
    Ok(out)
}

/// Redacts one conversation: every message's content (and channel id),
/// the subject and custom fields, QA hit quotes, alert and mention
/// excerpts, CSAT comments, the bot's open questions, sentiment labels and
/// attachments; scrubs its events; records `conversation.redacted`. With
/// `delete`, the conversation and everything hanging off it go afterwards
/// (its events stay, scrubbed). The texts of the messages are added to
/// `texts` so the caller can drop them from the sentiment examples.
async fn redact_conversation(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    reason: &str,
    delete: bool,
    now: Timestamp,
    texts: &mut HashSet<String>,
) -> R<RetentionBatch> {
    let mut out = RetentionBatch {
        conversations: 1,
        ..Default::default()
    };
    let mut conv = lock_conversation(c, account, id).await?;

    let messages = sql::query(
        "SELECT id, content FROM messages WHERE account_id = $1 AND conversation_id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    let redacted = to_json(&MessageContent::redacted())?;
    for row in &messages {
        let content: String = rows::get(row, "content")?;
        if content == redacted {
            continue;
        }
        if let Ok(parsed) = serde_json::from_str::<MessageContent>(&content)
            && let Some(t) = parsed.plain_text()
        {
            texts.insert(t.to_owned());
        }
        out.messages += 1;
    }
    sql::query(
        "UPDATE messages SET content = $3, external_id = NULL \
         WHERE account_id = $1 AND conversation_id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .bind(&redacted)
    .execute(&mut *c)
    .await
    .map_err(db)?;

    for statement in [
        "DELETE FROM sentiment_labels WHERE account_id = $1 AND message_id IN \
         (SELECT id FROM messages WHERE account_id = $1 AND conversation_id = $2)",
        "DELETE FROM bot_questions WHERE account_id = $1 AND conversation_id = $2",
        "UPDATE qa_alerts SET excerpt = '' WHERE account_id = $1 AND conversation_id = $2",
        "UPDATE mentions SET excerpt = '' WHERE account_id = $1 AND conversation_id = $2",
        "UPDATE csat_responses SET comment = NULL WHERE account_id = $1 AND conversation_id = $2",
    ] {
        sql::query(statement)
            .bind(account.0)
            .bind(id.0)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    }
    // QA hits quote the text they matched.
    let scores = sql::query(
        "SELECT scorecard_id, hits FROM qa_scores WHERE account_id = $1 AND conversation_id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    for row in &scores {
        let card: String = rows::get(row, "scorecard_id")?;
        let hits: String = rows::get(row, "hits")?;
        let hits: Value = serde_json::from_str(&hits).map_err(|e| corrupt("hits", e))?;
        sql::query(
            "UPDATE qa_scores SET hits = $4 WHERE account_id = $1 AND conversation_id = $2 \
             AND scorecard_id = $3",
        )
        .bind(account.0)
        .bind(id.0)
        .bind(card)
        .bind(to_json(&scrub_event_data(&hits))?)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    }

    let attachments = list_attachments(c, account, id).await?;
    for a in &attachments {
        out.blob_keys.push(a.storage_key.clone());
        out.blob_keys.extend(a.thumbnail_key.clone());
    }
    out.attachments = sql::query("DELETE FROM attachments WHERE account_id = $1 AND conversation_id = $2")
        .bind(account.0)
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?
        .rows_affected();

    let events = sql::query(
        "SELECT id, data FROM events WHERE account_id = $1 AND conversation_id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    for row in &events {
        out.events += scrub_event_row(c, row).await?;
    }

    conv.subject = None;
    conv.custom_fields.clear();
    conv.version += 1;
    conv.updated_at = now;
    let e = NewEvent::new(
        EventType::ConversationRedacted,
        Sender::system(),
        json!({ "reason": reason, "deleted": delete }),
    );
    insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    sql::query("UPDATE conversations SET redacted_at = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .bind(now.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    if delete {
        // Messages, cursors, ratings, scores, alerts, mentions, links and
        // questions go with the conversation (ON DELETE CASCADE).
        sql::query("DELETE FROM conversations WHERE account_id = $1 AND id = $2")
            .bind(account.0)
            .bind(id.0)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    }
    Ok(out)
}

/// Rewrites one event's data without its personal parts; 1 if it changed.
async fn scrub_event_row(c: &mut Conn, row: &super::DbRow) -> R<u64> {
    let id: uuid::Uuid = rows::get(row, "id")?;
    let data: String = rows::get(row, "data")?;
    let value: Value = serde_json::from_str(&data).map_err(|e| corrupt("data", e))?;
    let scrubbed = scrub_event_data(&value);
    if scrubbed == value {
        return Ok(0);
    }
    sql::query("UPDATE events SET data = $2 WHERE id = $1")
        .bind(id)
        .bind(to_json(&scrubbed)?)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(1)
}

/// Drops erased texts from the examples the account's sentiment model
/// learnt from. The model's version moves on, so every node rebuilds it
/// from what is left.
async fn forget_sentiment_examples(
    c: &mut Conn,
    account: AccountId,
    texts: &HashSet<String>,
    now: Timestamp,
) -> R<()> {
    if texts.is_empty() {
        return Ok(());
    }
    let Some(mut model): Option<AccountSentimentModel> =
        super::qa::sentiment_model(c, account).await?
    else {
        return Ok(());
    };
    let before = model.examples.len();
    model.examples.retain(|e| !texts.contains(&e.text));
    if model.examples.len() == before {
        return Ok(());
    }
    model.report["erased_examples"] = json!(
        model.report["erased_examples"].as_u64().unwrap_or(0) + (before - model.examples.len()) as u64
    );
    model.trained_at = Timestamp(now.0.max(model.trained_at.0 + 1));
    super::qa::put_sentiment_model(c, account, Some(&model), model.trained_at).await?;
    Ok(())
}

pub(crate) async fn retention_policy(c: &mut Conn, account: AccountId) -> R<RetentionPolicy> {
    let row = sql::query("SELECT days, action FROM retention_policies WHERE account_id = $1")
        .bind(account.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    match row {
        None => Ok(RetentionPolicy::default()),
        Some(r) => policy(&r),
    }
}

fn policy(row: &super::DbRow) -> R<RetentionPolicy> {
    let days: i32 = rows::get(row, "days")?;
    Ok(RetentionPolicy {
        days: Some(u32::try_from(days).map_err(|e| corrupt("days", e))?),
        action: rows::named(row, "action", RetentionAction::parse)?,
    })
}

pub(crate) async fn put_retention_policy(
    c: &mut Conn,
    account: AccountId,
    p: &RetentionPolicy,
    now: Timestamp,
) -> R<()> {
    p.validate()?;
    match p.days {
        None => {
            sql::query("DELETE FROM retention_policies WHERE account_id = $1")
                .bind(account.0)
                .execute(&mut *c)
                .await
                .map_err(db)?;
        }
        Some(days) => {
            sql::query(
                "INSERT INTO retention_policies (account_id, days, action, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET \
                 days = excluded.days, action = excluded.action, updated_at = excluded.updated_at",
            )
            .bind(account.0)
            .bind(days as i32)
            .bind(p.action.as_str())
            .bind(now.0)
            .execute(&mut *c)
            .await
            .map_err(crate::error::refs("account", "retention policy"))?;
        }
    }
    Ok(())
}

pub(crate) async fn accounts_with_retention(c: &mut Conn) -> R<Vec<(AccountId, RetentionPolicy)>> {
    sql::query("SELECT account_id, days, action FROM retention_policies ORDER BY account_id")
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((rows::id(r, "account_id")?, policy(r)?)))
        .collect()
}

/// Resolved conversations last active before `cutoff` and not yet
/// redacted, oldest first.
pub(crate) async fn due_for_retention(
    c: &mut Conn,
    account: AccountId,
    cutoff: Timestamp,
    limit: u32,
) -> R<Vec<ConversationId>> {
    sql::query(
        "SELECT id FROM conversations WHERE account_id = $1 AND last_activity_at < $2 \
         AND status = 'resolved' AND redacted_at IS NULL \
         ORDER BY last_activity_at, id LIMIT CAST($3 AS BIGINT)",
    )
    .bind(account.0)
    .bind(cutoff.0)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(|r| rows::id(r, "id"))
    .collect()
}

/// Applies the policy's action to these conversations. One that became
/// active again since it was picked (reopened, or a new message) is
/// skipped: the policy is about old, finished conversations.
pub(crate) async fn apply_retention(
    c: &mut Conn,
    account: AccountId,
    ids: &[ConversationId],
    policy: &RetentionPolicy,
    now: Timestamp,
) -> R<RetentionBatch> {
    let mut out = RetentionBatch::default();
    let Some(cutoff) = policy.cutoff(now) else {
        return Ok(out);
    };
    let mut texts = HashSet::new();
    for id in ids {
        let still_due = sql::query(
            "SELECT id FROM conversations WHERE account_id = $1 AND id = $2 \
             AND last_activity_at < $3 AND status = 'resolved' AND redacted_at IS NULL",
        )
        .bind(account.0)
        .bind(id.0)
        .bind(cutoff.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
        if still_due.is_none() {
            continue;
        }
        let delete = policy.action == RetentionAction::Delete;
        let done = redact_conversation(c, account, *id, "retention", delete, now, &mut texts).await?;
        out.conversations += 1;
        out.messages += done.messages;
        out.attachments += done.attachments;
        out.events += done.events;
        out.blob_keys.extend(done.blob_keys);
    }
    forget_sentiment_examples(c, account, &texts, now).await?;
    Ok(out)
}
