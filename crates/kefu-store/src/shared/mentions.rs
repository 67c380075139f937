// @mentions in private notes: written by `messages::append_message` in the
// note's unit of work, read and marked read by the mentioned member only.
// Included into `sqlite::mentions` and `postgres::mentions`.

use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{Conversation, Mention, MentionsToRead, Message, excerpt};
use kefu_core::page::{Keyset, Page};
use kefu_core::store::PageRequest;
use kefu_core::{AccountId, InboxId, MentionId, StoreError, Timestamp, UserId};
use serde_json::json;

use super::Conn;
use super::Db;
use super::events::insert_event;
use super::rows;
use super::sql;
use crate::error::{db, refs};
use crate::paging;

type R<T> = Result<T, StoreError>;

/// Records each member mentioned in a just-inserted note, with one
/// `conversation.mentioned` event apiece, on the locked conversation. A
/// mentioned id that is not a member of the account is refused by the
/// foreign key (`NotFound("member")`), which rolls the note back with it.
pub(crate) async fn record(
    c: &mut Conn,
    conv: &mut Conversation,
    message: &Message,
    mentioned: &[UserId],
    events: &mut Vec<Event>,
) -> R<()> {
    let author = message.sender.id.map(UserId).unwrap_or_default();
    let text = excerpt(message.content.plain_text().unwrap_or_default());
    // The caller dedupes; this keeps a repeated id from becoming a unique
    // violation should one slip through.
    let mut seen: Vec<UserId> = Vec::with_capacity(mentioned.len());
    for &user in mentioned {
        if seen.contains(&user) {
            continue;
        }
        seen.push(user);
        sql::query(
            "INSERT INTO mentions (account_id, id, user_id, conversation_id, inbox_id, \
             message_id, author_id, excerpt, created_at, read_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
        )
        .bind(message.account_id.0)
        .bind(MentionId::new().0)
        .bind(user.0)
        .bind(message.conversation_id.0)
        .bind(message.inbox_id.0)
        .bind(message.id.0)
        .bind(author.0)
        .bind(text.clone())
        .bind(message.created_at.0)
        .execute(&mut *c)
        .await
        .map_err(refs("member", "mention"))?;
        let e = NewEvent::new(
            EventType::ConversationMentioned,
            message.sender,
            json!({
                "user_id": user,
                "message_id": message.id,
                "author": author,
                "excerpt": text,
            }),
        );
        events.push(insert_event(c, message.account_id, Some(&mut *conv), &e, message.created_at).await?);
    }
    Ok(())
}

pub(crate) async fn list_mentions(
    c: &mut Conn,
    account: AccountId,
    user: UserId,
    unread_only: bool,
    inboxes: Option<&[InboxId]>,
    page: &PageRequest,
) -> R<Page<Mention>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        mention_cols!(),
        " FROM mentions WHERE account_id = "
    ));
    q.push_bind(account.0);
    q.push(" AND user_id = ").push_bind(user.0);
    if unread_only {
        q.push(" AND read_at IS NULL");
    }
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
        .map(rows::mention)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |m| Keyset {
        k: m.created_at.0,
        id: m.id.0,
    }))
}

/// Most ids one call marks: a client clearing its list sends a page's worth.
const MAX_READ_IDS: usize = 500;

pub(crate) async fn mark_mentions_read(
    c: &mut Conn,
    account: AccountId,
    user: UserId,
    which: &MentionsToRead,
    now: Timestamp,
) -> R<u64> {
    let mut q = sql::QueryBuilder::<Db>::new("UPDATE mentions SET read_at = ");
    q.push_bind(now.0);
    q.push(" WHERE account_id = ").push_bind(account.0);
    q.push(" AND user_id = ").push_bind(user.0);
    q.push(" AND read_at IS NULL");
    match which {
        MentionsToRead::Ids(ids) => {
            if ids.is_empty() {
                return Ok(0);
            }
            if ids.len() > MAX_READ_IDS {
                return Err(kefu_core::CoreError::invalid(
                    "ids",
                    format!("at most {MAX_READ_IDS} at a time"),
                )
                .into());
            }
            q.push(" AND id IN (");
            let mut list = q.separated(", ");
            for i in ids {
                list.push_bind(i.0);
            }
            q.push(")");
        }
        MentionsToRead::Conversation(conv) => {
            q.push(" AND conversation_id = ").push_bind(conv.0);
        }
    }
    let r = q.build().execute(&mut *c).await.map_err(db)?;
    Ok(r.rows_affected())
}
