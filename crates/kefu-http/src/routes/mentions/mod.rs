//! @mentions in private notes. A note names colleagues (`mentions` in the
//! message body); each gets a mention they list and mark read here, and a
//! `conversation.mentioned` event on their socket. A mention is its
//! member's own: nobody else sees or marks it, and it drops out of their
//! list when they lose the conversation's inbox.

pub mod list;
pub mod mentionable;
pub mod read;

use axum::http::StatusCode;
use kefu_core::model::{MAX_MENTIONS, MessageVisibility};
use kefu_core::{AccountId, InboxId, StoreError, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};

pub const TAG: &str = "mentions";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_mentions))
        .routes(routes!(read::read_mentions))
        .routes(routes!(mentionable::mentionable_members))
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The members a note may mention, checked: only on a private note
/// (`mentions_need_private_note`), at most [`MAX_MENTIONS`]
/// (`too_many_mentions`), each a member of the agent's account
/// (`unknown_user`, the same answer for another tenant's user as for no
/// user at all) who can see the inbox (`mentioned_user_cannot_see_inbox`).
/// Repeats, and the author naming themselves, are dropped.
pub async fn checked_mentions(
    state: &AppState,
    agent: &Agent,
    inbox: InboxId,
    visibility: MessageVisibility,
    requested: Option<Vec<UserId>>,
) -> ApiResult<Vec<UserId>> {
    let Some(requested) = requested.filter(|m| !m.is_empty()) else {
        return Ok(vec![]);
    };
    if visibility != MessageVisibility::Internal {
        return Err(unprocessable(
            "mentions_need_private_note",
            "mentions: only a private note (visibility internal) can mention members",
        ));
    }
    let mut users: Vec<UserId> = Vec::with_capacity(requested.len());
    for u in requested {
        if u != agent.user_id && !users.contains(&u) {
            users.push(u);
        }
    }
    if users.len() > MAX_MENTIONS {
        return Err(unprocessable(
            "too_many_mentions",
            format!("mentions: at most {MAX_MENTIONS} members"),
        ));
    }
    for &u in &users {
        if !can_see_inbox(state, agent.account_id, u, inbox).await? {
            return Err(unprocessable(
                "mentioned_user_cannot_see_inbox",
                format!("mentions: {u} cannot see this conversation's inbox"),
            ));
        }
    }
    Ok(users)
}

/// Whether `user`, a member of the account, can see `inbox`; 422
/// `unknown_user` when they are not a member.
async fn can_see_inbox(
    state: &AppState,
    account: AccountId,
    user: UserId,
    inbox: InboxId,
) -> ApiResult<bool> {
    let member = match state.store.get_member(account, user).await {
        Ok(m) => m,
        Err(StoreError::NotFound(_)) => {
            return Err(unprocessable(
                "unknown_user",
                format!("mentions: {user} is not a member of this account"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(member.role.sees_all_inboxes()
        || state
            .store
            .visibility(account, user)
            .await?
            .can_see_inbox(inbox))
}
