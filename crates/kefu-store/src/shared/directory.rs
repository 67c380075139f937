// Accounts, users, members, teams and inboxes: who works where. Included into
// `sqlite::directory` and `postgres::directory`.

use kefu_core::model::*;
use kefu_core::{AccountId, InboxId, StoreError, TeamId, UserId};
use uuid::Uuid;

use super::sql;
use super::Conn;
use super::rows::{self, to_json};
use crate::error::{db, refs, unique};

type R<T> = Result<T, StoreError>;

fn found(affected: u64, what: &'static str) -> R<()> {
    if affected == 0 {
        Err(StoreError::NotFound(what))
    } else {
        Ok(())
    }
}

// ---- accounts

pub(crate) async fn create_account(c: &mut Conn, a: &Account) -> R<()> {
    sql::query(
        "INSERT INTO accounts (id, name, time_zone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.id.0)
    .bind(&a.name)
    .bind(&a.time_zone)
    .bind(a.created_at.0)
    .bind(a.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(unique("account"))?;
    Ok(())
}

pub(crate) async fn get_account(c: &mut Conn, id: AccountId) -> R<Account> {
    let row = sql::query(concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("account"))?;
    rows::account(&row)
}

/// Accounts whose name is exactly `name`, oldest first (for command-line
/// tools that let operators name an account instead of pasting its id).
pub(crate) async fn find_accounts_by_name(c: &mut Conn, name: &str) -> R<Vec<Account>> {
    sql::query(concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE name = $1 ORDER BY created_at, id"
    ))
    .bind(name)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::account)
    .collect()
}

pub(crate) async fn update_account(c: &mut Conn, a: &Account) -> R<()> {
    let r =
        sql::query("UPDATE accounts SET name = $2, time_zone = $3, updated_at = $4 WHERE id = $1")
            .bind(a.id.0)
            .bind(&a.name)
            .bind(&a.time_zone)
            .bind(a.updated_at.0)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    found(r.rows_affected(), "account")
}

// ---- users

/// Emails are compared lower-cased, so `Ann@x.com` and `ann@x.com` are one login.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) async fn create_user(c: &mut Conn, u: &User, password_hash: &str) -> R<()> {
    sql::query(
        "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(u.id.0)
    .bind(email_key(&u.email))
    .bind(&u.name)
    .bind(password_hash)
    .bind(u.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(unique("email"))?;
    Ok(())
}

pub(crate) async fn get_user(c: &mut Conn, id: UserId) -> R<User> {
    let row = sql::query("SELECT id, email, name, created_at FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("user"))?;
    rows::user(&row)
}

pub(crate) async fn find_user_by_email(c: &mut Conn, email: &str) -> R<Option<(User, String)>> {
    let row = sql::query(
        "SELECT id, email, name, created_at, password_hash FROM users WHERE email = $1",
    )
    .bind(email_key(email))
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some((rows::user(&row)?, rows::get(&row, "password_hash")?))),
    }
}

pub(crate) async fn set_password(c: &mut Conn, user: UserId, hash: &str) -> R<()> {
    let r = sql::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user.0)
        .bind(hash)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    found(r.rows_affected(), "user")
}

pub(crate) async fn update_user_name(c: &mut Conn, user: UserId, name: &str) -> R<()> {
    let r = sql::query("UPDATE users SET name = $2 WHERE id = $1")
        .bind(user.0)
        .bind(name)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    found(r.rows_affected(), "user")
}

// ---- members

macro_rules! member_select {
    () => {
        "SELECT m.account_id, m.user_id, u.email, u.name, m.role, m.availability, m.capacity, \
         m.skills, m.channel_capacity, m.last_assigned_at, m.created_at FROM members m JOIN users u ON u.id = m.user_id"
    };
}

pub(crate) async fn upsert_member(c: &mut Conn, m: &Member) -> R<()> {
    sql::query(
        "INSERT INTO members (account_id, user_id, role, availability, capacity, skills, \
         channel_capacity, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id, user_id) DO UPDATE \
         SET role = excluded.role, capacity = excluded.capacity, skills = excluded.skills, \
         channel_capacity = excluded.channel_capacity",
    )
    .bind(m.account_id.0)
    .bind(m.user_id.0)
    .bind(m.role.as_str())
    .bind(m.availability.as_str())
    .bind(m.capacity)
    .bind(to_json(&m.skills)?)
    .bind(to_json(&m.channel_capacity)?)
    .bind(m.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("user", "member"))?;
    Ok(())
}

pub(crate) async fn get_member(c: &mut Conn, account: AccountId, user: UserId) -> R<Member> {
    let row = sql::query(concat!(
        member_select!(),
        " WHERE m.account_id = $1 AND m.user_id = $2"
    ))
    .bind(account.0)
    .bind(user.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("member"))?;
    rows::member(&row)
}

pub(crate) async fn list_members(c: &mut Conn, account: AccountId) -> R<Vec<Member>> {
    sql::query(concat!(
        member_select!(),
        " WHERE m.account_id = $1 ORDER BY u.name, m.user_id"
    ))
    .bind(account.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::member)
    .collect()
}

pub(crate) async fn remove_member(c: &mut Conn, account: AccountId, user: UserId) -> R<()> {
    // Team and inbox memberships go with it (ON DELETE CASCADE); sessions
    // that work in this account are ended so access stops at once.
    sql::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2")
        .bind(account.0)
        .bind(user.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    let r = sql::query("DELETE FROM members WHERE account_id = $1 AND user_id = $2")
        .bind(account.0)
        .bind(user.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    found(r.rows_affected(), "member")
}

pub(crate) async fn set_availability(
    c: &mut Conn,
    account: AccountId,
    user: UserId,
    a: Availability,
) -> R<()> {
    let r =
        sql::query("UPDATE members SET availability = $3 WHERE account_id = $1 AND user_id = $2")
            .bind(account.0)
            .bind(user.0)
            .bind(a.as_str())
            .execute(&mut *c)
            .await
            .map_err(db)?;
    found(r.rows_affected(), "member")
}

pub(crate) async fn accounts_of(c: &mut Conn, user: UserId) -> R<Vec<(Account, Role)>> {
    let rows = sql::query(
        "SELECT a.id, a.name, a.time_zone, a.created_at, a.updated_at, m.role \
         FROM members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 ORDER BY a.name, a.id",
    )
    .bind(user.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            let role: String = rows::get(row, "role")?;
            let role = Role::parse(&role).ok_or_else(|| crate::error::corrupt("role", &role))?;
            Ok((rows::account(row)?, role))
        })
        .collect()
}

pub(crate) async fn visibility(c: &mut Conn, account: AccountId, user: UserId) -> R<Visibility> {
    let member = get_member(c, account, user).await?;
    let teams: Vec<Uuid> = sql::query_scalar(
        "SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2 ORDER BY team_id",
    )
    .bind(account.0)
    .bind(user.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    let inboxes = if member.role.sees_all_inboxes() {
        None
    } else {
        // Direct memberships, plus inboxes whose handed-off conversations go
        // to a team the agent is in.
        let ids: Vec<Uuid> = sql::query_scalar(
            "SELECT inbox_id FROM inbox_members WHERE account_id = $1 AND user_id = $2 \
             UNION \
             SELECT i.id FROM inboxes i JOIN team_members t \
               ON t.account_id = i.account_id AND t.team_id = i.default_team_id \
             WHERE i.account_id = $1 AND t.user_id = $2",
        )
        .bind(account.0)
        .bind(user.0)
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
        let mut ids: Vec<InboxId> = ids.into_iter().map(InboxId).collect();
        ids.sort();
        ids.dedup();
        Some(ids)
    };
    Ok(Visibility {
        inboxes,
        teams: teams.into_iter().map(TeamId).collect(),
    })
}

// ---- teams

pub(crate) async fn create_team(c: &mut Conn, t: &Team) -> R<()> {
    sql::query(
        "INSERT INTO teams (account_id, id, name, skills, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(t.account_id.0)
    .bind(t.id.0)
    .bind(&t.name)
    .bind(to_json(&t.skills)?)
    .bind(t.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("account", "team"))?;
    Ok(())
}

pub(crate) async fn get_team(c: &mut Conn, account: AccountId, id: TeamId) -> R<Team> {
    let row = sql::query(concat!(
        "SELECT ",
        team_cols!(),
        " FROM teams WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("team"))?;
    rows::team(&row)
}

pub(crate) async fn list_teams(c: &mut Conn, account: AccountId) -> R<Vec<Team>> {
    sql::query(concat!(
        "SELECT ",
        team_cols!(),
        " FROM teams WHERE account_id = $1 ORDER BY name, id"
    ))
    .bind(account.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::team)
    .collect()
}

pub(crate) async fn update_team(c: &mut Conn, t: &Team) -> R<()> {
    let r =
        sql::query("UPDATE teams SET name = $3, skills = $4 WHERE account_id = $1 AND id = $2")
            .bind(t.account_id.0)
            .bind(t.id.0)
            .bind(&t.name)
            .bind(to_json(&t.skills)?)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    found(r.rows_affected(), "team")
}

pub(crate) async fn delete_team(c: &mut Conn, account: AccountId, id: TeamId) -> R<()> {
    // Inboxes routing to the team fall back to no default team; conversations
    // keep their team id as history (no foreign key on it).
    sql::query(
        "UPDATE inboxes SET default_team_id = NULL WHERE account_id = $1 AND default_team_id = $2",
    )
    .bind(account.0)
    .bind(id.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    let r = sql::query("DELETE FROM teams WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    found(r.rows_affected(), "team")
}

pub(crate) async fn set_team_member(
    c: &mut Conn,
    account: AccountId,
    team: TeamId,
    user: UserId,
    member: bool,
) -> R<()> {
    get_team(c, account, team).await?;
    let sql = if member {
        "INSERT INTO team_members (account_id, team_id, user_id) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM team_members WHERE account_id = $1 AND team_id = $2 AND user_id = $3"
    };
    set_membership(c, sql, account, team.0, user, "team member").await
}

/// Runs a membership insert or delete of (account, parent, user); a user who
/// is not a member of the account is reported as a missing member.
async fn set_membership(
    c: &mut Conn,
    sql: &'static str,
    account: AccountId,
    parent: uuid::Uuid,
    user: UserId,
    what: &'static str,
) -> R<()> {
    sql::query(sql)
        .bind(account.0)
        .bind(parent)
        .bind(user.0)
        .execute(&mut *c)
        .await
        .map_err(refs("member", what))?;
    Ok(())
}

pub(crate) async fn team_members(c: &mut Conn, account: AccountId, team: TeamId) -> R<Vec<UserId>> {
    get_team(c, account, team).await?;
    let ids: Vec<Uuid> = sql::query_scalar(
        "SELECT user_id FROM team_members WHERE account_id = $1 AND team_id = $2 ORDER BY user_id",
    )
    .bind(account.0)
    .bind(team.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    Ok(ids.into_iter().map(UserId).collect())
}

// ---- inboxes

pub(crate) async fn create_inbox(c: &mut Conn, i: &Inbox, secret: &str) -> R<()> {
    if let Some(team) = i.default_team_id {
        get_team(c, i.account_id, team).await?;
    }
    sql::query(
        "INSERT INTO inboxes (account_id, id, name, channel, bot_enabled, default_team_id, \
         allowed_origins, require_identity, settings, secret, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(i.account_id.0)
    .bind(i.id.0)
    .bind(&i.name)
    .bind(i.channel.as_str())
    .bind(i.bot_enabled)
    .bind(i.default_team_id.map(|t| t.0))
    .bind(to_json(&i.allowed_origins)?)
    .bind(i.require_identity)
    .bind(to_json(&i.settings)?)
    .bind(secret)
    .bind(i.created_at.0)
    .bind(i.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("account", "inbox"))?;
    Ok(())
}

pub(crate) async fn get_inbox(c: &mut Conn, account: AccountId, id: InboxId) -> R<Inbox> {
    let row = sql::query(concat!(
        "SELECT ",
        inbox_cols!(),
        " FROM inboxes WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("inbox"))?;
    rows::inbox(&row)
}

pub(crate) async fn find_inbox(c: &mut Conn, id: InboxId) -> R<Inbox> {
    let row = sql::query(concat!(
        "SELECT ",
        inbox_cols!(),
        " FROM inboxes WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("inbox"))?;
    rows::inbox(&row)
}

pub(crate) async fn list_inboxes(c: &mut Conn, account: AccountId) -> R<Vec<Inbox>> {
    sql::query(concat!(
        "SELECT ",
        inbox_cols!(),
        " FROM inboxes WHERE account_id = $1 ORDER BY name, id"
    ))
    .bind(account.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::inbox)
    .collect()
}

pub(crate) async fn update_inbox(c: &mut Conn, i: &Inbox) -> R<()> {
    if let Some(team) = i.default_team_id {
        get_team(c, i.account_id, team).await?;
    }
    let r = sql::query(
        "UPDATE inboxes SET name = $3, channel = $4, bot_enabled = $5, default_team_id = $6, \
         allowed_origins = $7, require_identity = $8, settings = $9, updated_at = $10 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(i.account_id.0)
    .bind(i.id.0)
    .bind(&i.name)
    .bind(i.channel.as_str())
    .bind(i.bot_enabled)
    .bind(i.default_team_id.map(|t| t.0))
    .bind(to_json(&i.allowed_origins)?)
    .bind(i.require_identity)
    .bind(to_json(&i.settings)?)
    .bind(i.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("team", "inbox"))?;
    found(r.rows_affected(), "inbox")
}

pub(crate) async fn inbox_secret(c: &mut Conn, account: AccountId, id: InboxId) -> R<String> {
    sql::query_scalar("SELECT secret FROM inboxes WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("inbox"))
}

pub(crate) async fn set_inbox_secret(
    c: &mut Conn,
    account: AccountId,
    id: InboxId,
    secret: &str,
) -> R<()> {
    let r = sql::query("UPDATE inboxes SET secret = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .bind(secret)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    found(r.rows_affected(), "inbox")
}

pub(crate) async fn set_inbox_member(
    c: &mut Conn,
    account: AccountId,
    inbox: InboxId,
    user: UserId,
    member: bool,
) -> R<()> {
    get_inbox(c, account, inbox).await?;
    let sql = if member {
        "INSERT INTO inbox_members (account_id, inbox_id, user_id) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM inbox_members WHERE account_id = $1 AND inbox_id = $2 AND user_id = $3"
    };
    set_membership(c, sql, account, inbox.0, user, "inbox member").await
}

pub(crate) async fn inbox_members(
    c: &mut Conn,
    account: AccountId,
    inbox: InboxId,
) -> R<Vec<UserId>> {
    get_inbox(c, account, inbox).await?;
    let ids: Vec<Uuid> =
        sql::query_scalar("SELECT user_id FROM inbox_members WHERE account_id = $1 AND inbox_id = $2 ORDER BY user_id")
            .bind(account.0)
            .bind(inbox.0)
            .fetch_all(&mut *c)
            .await
            .map_err(db)?;
    Ok(ids.into_iter().map(UserId).collect())
}
