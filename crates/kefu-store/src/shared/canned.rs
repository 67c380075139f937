// Canned responses: shared ones (no owner) and each member's own. Included
// into `sqlite::canned` and `postgres::canned`. Short codes are unique per
// scope through two partial unique indexes (see the migrations).

use kefu_core::model::CannedResponse;
use kefu_core::{AccountId, CannedResponseId, StoreError, UserId};

use super::Conn;
use super::rows;
use super::sql;
use crate::error::{db, refs, unique};

type R<T> = Result<T, StoreError>;

macro_rules! canned_cols {
    () => {
        "account_id, id, owner_id, short_code, content, created_at, updated_at"
    };
}

pub(crate) async fn create_canned_response(c: &mut Conn, r: &CannedResponse) -> R<()> {
    sql::query(concat!(
        "INSERT INTO canned_responses (",
        canned_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(r.account_id.0)
    .bind(r.id.0)
    .bind(r.owner_id.map(|u| u.0))
    .bind(r.short_code.as_str())
    .bind(r.content.as_str())
    .bind(r.created_at.0)
    .bind(r.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("member", "short code"))?;
    Ok(())
}

pub(crate) async fn get_canned_response(
    c: &mut Conn,
    account: AccountId,
    id: CannedResponseId,
) -> R<CannedResponse> {
    let row = sql::query(concat!(
        "SELECT ",
        canned_cols!(),
        " FROM canned_responses WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("canned response"))?;
    rows::canned(&row)
}

pub(crate) async fn list_canned_responses(
    c: &mut Conn,
    account: AccountId,
    member: UserId,
) -> R<Vec<CannedResponse>> {
    sql::query(concat!(
        "SELECT ",
        canned_cols!(),
        " FROM canned_responses WHERE account_id = $1 AND (owner_id IS NULL OR owner_id = $2) \
         ORDER BY short_code, owner_id IS NULL, id"
    ))
    .bind(account.0)
    .bind(member.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::canned)
    .collect()
}

pub(crate) async fn update_canned_response(c: &mut Conn, r: &CannedResponse) -> R<()> {
    // The owner never changes: a personal response is not handed to
    // someone else, nor made shared behind an admin's back.
    let done = sql::query(
        "UPDATE canned_responses SET short_code = $3, content = $4, updated_at = $5 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(r.account_id.0)
    .bind(r.id.0)
    .bind(r.short_code.as_str())
    .bind(r.content.as_str())
    .bind(r.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(unique("short code"))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("canned response"));
    }
    Ok(())
}

pub(crate) async fn delete_canned_response(
    c: &mut Conn,
    account: AccountId,
    id: CannedResponseId,
) -> R<()> {
    let done = sql::query("DELETE FROM canned_responses WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("canned response"));
    }
    Ok(())
}
