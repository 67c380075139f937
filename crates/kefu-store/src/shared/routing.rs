// What the router reads (the queue in serve order, the agents with their
// teams, inboxes and open load) and the one write it makes: the committed
// claim. Included into `sqlite::routing` and `postgres::routing`.

use std::collections::{BTreeMap, HashMap};

use kefu_core::model::{ChannelKind, Member};
use kefu_core::state::{Input, Status, TransferTarget};
use kefu_core::store::{Applied, Claim, QueuedConversation, RosterEntry};
use kefu_core::{AccountId, InboxId, StoreError, TeamId, UserId};

use super::sql;
use super::Conn;
use super::rows;
use crate::error::db;

type R<T> = Result<T, StoreError>;

/// The account's queued conversations, next to serve first: higher priority,
/// then longer waiting; each with the agent who last held another
/// conversation of the same contact (sticky routing).
pub(crate) async fn queued_conversations(
    c: &mut Conn,
    account: AccountId,
    limit: u32,
) -> R<Vec<QueuedConversation>> {
    // One statement: the last agent comes from a correlated subquery that
    // the contact index answers with a short range scan, where a query per
    // waiting conversation made a 10,000-long queue 10,001 round trips
    // (docs/benchmarks.md, "Routing: the committed claim").
    let rows = sql::query(concat!(
        "SELECT ",
        conversation_cols!(),
        ", (SELECT p.assignee_id FROM conversations p WHERE p.account_id = c.account_id \
         AND p.contact_id = c.contact_id AND p.id <> c.id AND p.assignee_id IS NOT NULL \
         ORDER BY p.last_activity_at DESC, p.id DESC LIMIT 1) AS last_agent \
         FROM conversations c WHERE c.account_id = $1 AND c.status = 'queued' \
         ORDER BY c.priority DESC, c.queued_at, c.id LIMIT CAST($2 AS BIGINT)"
    ))
    .bind(account.0)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(QueuedConversation {
                conversation: rows::conversation(row)?,
                last_agent: rows::opt_id(row, "last_agent")?,
            })
        })
        .collect()
}

/// Accounts with at least one queued conversation (the periodic sweep).
pub(crate) async fn accounts_with_queue(c: &mut Conn) -> R<Vec<AccountId>> {
    let ids: Vec<uuid::Uuid> =
        sql::query_scalar("SELECT DISTINCT account_id FROM conversations WHERE status = 'queued'")
            .fetch_all(&mut *c)
            .await
            .map_err(db)?;
    Ok(ids.into_iter().map(AccountId).collect())
}

/// Every member with their teams, inboxes and open (assigned) conversations
/// per channel.
pub(crate) async fn routing_roster(c: &mut Conn, account: AccountId) -> R<Vec<RosterEntry>> {
    let members = super::directory::list_members(c, account).await?;
    let mut teams: HashMap<UserId, Vec<TeamId>> = HashMap::new();
    for row in sql::query("SELECT team_id, user_id FROM team_members WHERE account_id = $1")
        .bind(account.0)
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
    {
        let user: UserId = rows::id(&row, "user_id")?;
        teams.entry(user).or_default().push(rows::id(&row, "team_id")?);
    }
    let mut inboxes: HashMap<UserId, Vec<InboxId>> = HashMap::new();
    for row in sql::query("SELECT inbox_id, user_id FROM inbox_members WHERE account_id = $1")
        .bind(account.0)
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
    {
        let user: UserId = rows::id(&row, "user_id")?;
        inboxes.entry(user).or_default().push(rows::id(&row, "inbox_id")?);
    }
    let mut loads: HashMap<UserId, BTreeMap<ChannelKind, i64>> = HashMap::new();
    for row in sql::query(
        "SELECT c.assignee_id, i.channel, COUNT(*) AS n FROM conversations c \
         JOIN inboxes i ON i.account_id = c.account_id AND i.id = c.inbox_id \
         WHERE c.account_id = $1 AND c.status = 'assigned' GROUP BY c.assignee_id, i.channel",
    )
    .bind(account.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    {
        let user: UserId = rows::id(&row, "assignee_id")?;
        let channel = rows::named(&row, "channel", ChannelKind::parse)?;
        loads
            .entry(user)
            .or_default()
            .insert(channel, rows::get(&row, "n")?);
    }
    Ok(members
        .into_iter()
        .map(|member| RosterEntry {
            teams: teams.remove(&member.user_id).unwrap_or_default(),
            inboxes: inboxes.remove(&member.user_id).unwrap_or_default(),
            open: loads.remove(&member.user_id).unwrap_or_default(),
            member,
        })
        .collect())
}

/// Open conversations of one agent: in total and on one channel.
async fn open_load(
    c: &mut Conn,
    account: AccountId,
    agent: UserId,
    channel: ChannelKind,
) -> R<(i64, i64)> {
    let row = sql::query(
        "SELECT COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN i.channel = $3 THEN 1 ELSE 0 END), 0) AS on_channel \
         FROM conversations c JOIN inboxes i ON i.account_id = c.account_id AND i.id = c.inbox_id \
         WHERE c.account_id = $1 AND c.assignee_id = $2 AND c.status = 'assigned'",
    )
    .bind(account.0)
    .bind(agent.0)
    .bind(channel.as_str())
    .fetch_one(&mut *c)
    .await
    .map_err(db)?;
    Ok((rows::get(&row, "total")?, rows::get(&row, "on_channel")?))
}

/// Locks the member row for the rest of the transaction (`FOR UPDATE` on
/// PostgreSQL; SQLite's single writer already serialises): two claims for
/// the same agent then count each other's assignments.
async fn lock_member(c: &mut Conn, account: AccountId, user: UserId) -> R<Member> {
    let found: Option<i32> = sql::query_scalar(concat!(
        "SELECT capacity FROM members WHERE account_id = $1 AND user_id = $2",
        for_update!()
    ))
    .bind(account.0)
    .bind(user.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    if found.is_none() {
        return Err(StoreError::NotFound("member"));
    }
    super::directory::get_member(c, account, user).await
}

/// The committed claim: the agent's capacity is checked, the assignment made
/// (only if the conversation is still at the version the decision read) and
/// its events written, in one transaction. A full agent or a conversation
/// someone else changed refuses the whole claim.
pub(crate) async fn claim_conversation(c: &mut Conn, claim: &Claim) -> R<Applied> {
    let member = lock_member(c, claim.account_id, claim.agent).await?;
    let conv = super::conversations::get_conversation(c, claim.account_id, claim.conversation_id)
        .await?;
    if claim.expected_version.is_some_and(|v| v != conv.version) {
        return Err(StoreError::VersionConflict("conversation"));
    }
    let already_theirs = conv.assignee_id == Some(claim.agent) && conv.status == Status::Assigned;
    if claim.check_capacity && !already_theirs {
        let inbox = super::directory::get_inbox(c, claim.account_id, conv.inbox_id).await?;
        let (total, on_channel) = open_load(c, claim.account_id, claim.agent, inbox.channel).await?;
        let channel_cap = member
            .channel_capacity
            .get(&inbox.channel)
            .copied()
            .unwrap_or(member.capacity);
        if total >= i64::from(member.capacity) || on_channel >= i64::from(channel_cap) {
            return Err(StoreError::AtCapacity);
        }
    }
    let input = match claim.transfer_notice {
        Some(_) => Input::Transfer {
            to: TransferTarget::Agent(claim.agent),
        },
        None => Input::Assign { agent: claim.agent },
    };
    let applied = super::conversations::apply_noted(
        c,
        claim.account_id,
        claim.conversation_id,
        input,
        claim.actor,
        &claim.policy,
        claim.expected_version,
        claim.transfer_notice.as_ref(),
        claim.now,
    )
    .await?;
    if !applied.events.is_empty() {
        sql::query("UPDATE members SET last_assigned_at = $3 WHERE account_id = $1 AND user_id = $2")
            .bind(claim.account_id.0)
            .bind(claim.agent.0)
            .bind(claim.now.0)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    }
    Ok(applied)
}
