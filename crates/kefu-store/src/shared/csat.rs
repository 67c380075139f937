// Customer satisfaction answers. Included into `sqlite::csat` and
// `postgres::csat`. An answer, its `conversation.rated` event and the
// conversation's next `seq` commit together.

use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{CsatResponse, MessageContent, Sender};
use kefu_core::{AccountId, ConversationId, StoreError};
use serde_json::json;

use super::Conn;
use super::events::{insert_event, lock_conversation, save_conversation};
use super::rows::{self, to_value};
use super::sql;
use crate::error::{db, unique};

type R<T> = Result<T, StoreError>;

macro_rules! csat_cols {
    () => {
        "account_id, id, conversation_id, contact_id, request_message_id, rating, comment, \
         created_at"
    };
}

pub(crate) async fn rate_conversation(c: &mut Conn, a: &CsatResponse) -> R<(CsatResponse, Event)> {
    let mut answer = a.clone();
    answer.validate().map_err(StoreError::from)?;
    let mut conv = lock_conversation(c, answer.account_id, answer.conversation_id).await?;
    // Someone else's conversation is, to this contact, no conversation.
    if conv.contact_id != answer.contact_id {
        return Err(StoreError::NotFound("conversation"));
    }
    let request = super::messages::get_message(c, answer.account_id, answer.request_message_id)
        .await
        .map_err(|_| StoreError::NotFound("csat request"))?;
    if request.conversation_id != conv.id
        || !matches!(request.content, MessageContent::CsatRequest { .. })
    {
        return Err(StoreError::NotFound("csat request"));
    }
    sql::query(
        "INSERT INTO csat_responses (account_id, id, conversation_id, contact_id, \
         request_message_id, rating, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(answer.account_id.0)
    .bind(answer.id.0)
    .bind(answer.conversation_id.0)
    .bind(answer.contact_id.0)
    .bind(answer.request_message_id.0)
    .bind(i32::from(answer.rating))
    .bind(answer.comment.as_deref())
    .bind(answer.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(unique("rating"))?;
    let e = NewEvent::new(
        EventType::ConversationRated,
        Sender::contact(answer.contact_id),
        json!({ "rating": to_value(&answer)? }),
    );
    let event = insert_event(c, answer.account_id, Some(&mut conv), &e, answer.created_at).await?;
    save_conversation(c, &conv).await?;
    Ok((answer, event))
}

pub(crate) async fn conversation_ratings(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
) -> R<Vec<CsatResponse>> {
    super::conversations::exists(c, account, id).await?;
    sql::query(concat!(
        "SELECT ",
        csat_cols!(),
        " FROM csat_responses WHERE account_id = $1 AND conversation_id = $2 \
         ORDER BY created_at, id"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::csat)
    .collect()
}
