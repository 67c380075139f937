// Sessions, API tokens, the audit log and attachments. Included into
// `sqlite::access` and `postgres::access`.

use kefu_core::model::{ApiToken, Attachment, AuditEntry};
use kefu_core::page::{Keyset, Page};
use kefu_core::store::{PageRequest, Session};
use kefu_core::{
    AccountId, AttachmentId, ConversationId, SessionId, StoreError, Timestamp, TokenId, UserId,
};

use super::sql;
use super::rows::{self, to_json};
use super::{Conn, Db};
use crate::error::{db, refs};
use crate::paging;

type R<T> = Result<T, StoreError>;

// ---- attachments

pub(crate) async fn create_attachment(c: &mut Conn, a: &Attachment) -> R<()> {
    sql::query(
        "INSERT INTO attachments (account_id, id, conversation_id, file_name, content_type, size, \
         sha256, storage_key, thumbnail_key, width, height, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(a.account_id.0)
    .bind(a.id.0)
    .bind(a.conversation_id.map(|x| x.0))
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.sha256)
    .bind(&a.storage_key)
    .bind(&a.thumbnail_key)
    .bind(a.width)
    .bind(a.height)
    .bind(a.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("conversation", "attachment"))?;
    Ok(())
}

pub(crate) async fn get_attachment(
    c: &mut Conn,
    account: AccountId,
    id: AttachmentId,
) -> R<Attachment> {
    let row = sql::query(concat!(
        "SELECT ",
        attachment_cols!(),
        " FROM attachments WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("attachment"))?;
    rows::attachment(&row)
}

pub(crate) async fn attach_to_conversation(
    c: &mut Conn,
    account: AccountId,
    id: AttachmentId,
    conversation: ConversationId,
) -> R<()> {
    super::conversations::exists(c, account, conversation).await?;
    let r = sql::query(
        "UPDATE attachments SET conversation_id = $3 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .bind(conversation.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound("attachment"));
    }
    Ok(())
}

// ---- sessions

pub(crate) async fn create_session(c: &mut Conn, s: &Session) -> R<()> {
    sql::query(
        "INSERT INTO sessions (id, user_id, account_id, token_hash, created_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(s.id.0)
    .bind(s.user_id.0)
    .bind(s.account_id.0)
    .bind(&s.token_hash)
    .bind(s.created_at.0)
    .bind(s.expires_at.0)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .execute(&mut *c)
    .await
    .map_err(refs("user or account", "session"))?;
    Ok(())
}

pub(crate) async fn find_session(
    c: &mut Conn,
    token_hash: &str,
    now: Timestamp,
) -> R<Option<Session>> {
    let row = sql::query(concat!(
        "SELECT ",
        session_cols!(),
        " FROM sessions WHERE token_hash = $1 AND expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    row.as_ref().map(rows::session).transpose()
}

pub(crate) async fn switch_session_account(
    c: &mut Conn,
    id: SessionId,
    account: AccountId,
) -> R<()> {
    let r = sql::query("UPDATE sessions SET account_id = $2 WHERE id = $1")
        .bind(id.0)
        .bind(account.0)
        .execute(&mut *c)
        .await
        .map_err(refs("account", "session"))?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound("session"));
    }
    Ok(())
}

/// Deleting a session that is already gone is not an error: logging out twice
/// ends in the same state.
pub(crate) async fn delete_session(c: &mut Conn, id: SessionId) -> R<()> {
    sql::query("DELETE FROM sessions WHERE id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn delete_user_sessions(c: &mut Conn, user: UserId) -> R<u64> {
    let r = sql::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(r.rows_affected())
}

// ---- API tokens

pub(crate) async fn create_token(c: &mut Conn, t: &ApiToken, secret_hash: &str) -> R<()> {
    sql::query(
        "INSERT INTO api_tokens (account_id, id, kind, user_id, inbox_id, name, prefix, secret_hash, \
         created_at, last_used_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(t.account_id.0)
    .bind(t.id.0)
    .bind(t.kind.as_str())
    .bind(t.user_id.map(|x| x.0))
    .bind(t.inbox_id.map(|x| x.0))
    .bind(&t.name)
    .bind(&t.prefix)
    .bind(secret_hash)
    .bind(t.created_at.0)
    .bind(t.last_used_at.map(|x| x.0))
    .bind(t.revoked_at.map(|x| x.0))
    .execute(&mut *c)
    .await
    .map_err(refs("account", "token"))?;
    Ok(())
}

/// An unrevoked token by its secret's hash (read only; see `touch_token`).
pub(crate) async fn find_token(c: &mut Conn, secret_hash: &str) -> R<Option<ApiToken>> {
    let row = sql::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(secret_hash)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    row.as_ref().map(rows::token).transpose()
}

/// How stale `last_used_at` may get before a lookup writes it again. Writing
/// on every API call would put a durable commit on every read request.
pub(crate) const TOKEN_TOUCH_MS: i64 = 60_000;

pub(crate) async fn touch_token(
    c: &mut Conn,
    account: AccountId,
    id: TokenId,
    now: Timestamp,
) -> R<()> {
    sql::query("UPDATE api_tokens SET last_used_at = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .bind(now.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn list_tokens(
    c: &mut Conn,
    account: AccountId,
    user: Option<UserId>,
) -> R<Vec<ApiToken>> {
    sql::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM api_tokens WHERE account_id = $1 AND ($2 IS NULL OR user_id = $2) \
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(account.0)
    .bind(user.map(|u| u.0))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::token)
    .collect()
}

/// Revoking twice keeps the first revocation time.
pub(crate) async fn revoke_token(
    c: &mut Conn,
    account: AccountId,
    id: TokenId,
    now: Timestamp,
) -> R<()> {
    let r = sql::query(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE account_id = $1 AND id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound("token"));
    }
    Ok(())
}

// ---- audit log

pub(crate) async fn append_audit(c: &mut Conn, e: &AuditEntry) -> R<()> {
    sql::query(
        "INSERT INTO audit_log (account_id, id, actor_user_id, actor, action, target, details, ip, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.account_id.0)
    .bind(e.id.0)
    .bind(e.actor_user_id.map(|x| x.0))
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.target)
    .bind(to_json(&e.details)?)
    .bind(&e.ip)
    .bind(e.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("account", "audit entry"))?;
    Ok(())
}

pub(crate) async fn list_audit(
    c: &mut Conn,
    account: AccountId,
    page: &PageRequest,
) -> R<Page<AuditEntry>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE account_id = "
    ));
    q.push_bind(account.0);
    super::keyset::newest_first(&mut q, "created_at", after.as_ref(), size);
    let rows = q
        .build()
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(rows::audit)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |e| Keyset {
        k: e.created_at.0,
        id: e.id.0,
    }))
}
