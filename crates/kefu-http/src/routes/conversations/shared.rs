//! What the conversation, widget and integration use cases share: access
//! checks, the inbox policy, message bodies, and finding a contact's current
//! conversation or a contact by identity.

use axum::http::StatusCode;
use kefu_core::model::{
    Contact, Conversation, ConversationKind, Identity, Inbox, Message, MessageContent,
    MessageVisibility, Priority, Sender,
};
use kefu_core::state::{Policy, Status};
use kefu_core::store::{Appended, ConversationFilter, NewConversation, NewMessage, PageRequest};
use kefu_core::{AccountId, ContactId, ConversationId, InboxId, MessageId, StoreError, validate};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};

/// The state-machine policy of an inbox.
pub fn policy(inbox: &Inbox) -> Policy {
    Policy {
        bot_enabled: inbox.bot_enabled,
        default_team: inbox.default_team_id,
        // Read straight from the settings (checked when saved): this runs on
        // every message, where parsing all routing settings would be waste.
        bot_while_queued: inbox
            .settings
            .pointer("/routing/bot_while_queued")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
    }
}

/// The conversation, if the agent may see its inbox; 404 otherwise.
pub async fn visible_conversation(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
) -> ApiResult<Conversation> {
    let conv = state.store.get_conversation(agent.account_id, id).await?;
    agent.check_inbox(state, conv.inbox_id).await?;
    Ok(conv)
}

/// The conversation with its inbox (for the policy), if visible.
pub async fn visible_conversation_and_inbox(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
) -> ApiResult<(Conversation, Inbox)> {
    let conv = visible_conversation(state, agent, id).await?;
    let inbox = state
        .store
        .get_inbox(agent.account_id, conv.inbox_id)
        .await?;
    Ok((conv, inbox))
}

/// A message as clients send it: either typed `content`, or `text` as a
/// shorthand for `{"type": "text", "text": ...}`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    pub content: Option<MessageContent>,
    /// Shorthand for text content.
    pub text: Option<String>,
    /// `internal` makes a private note (agents only).
    pub visibility: Option<MessageVisibility>,
    /// Idempotency key chosen by the client: resending the same key returns
    /// the original message instead of storing a second one.
    pub client_id: Option<String>,
    /// Members to notify (`@mentions`), by user id: private notes only, at
    /// most 20, each a member who can see the conversation's inbox.
    /// Repeats are ignored.
    #[schema(value_type = Option<Vec<String>>)]
    pub mentions: Option<Vec<kefu_core::UserId>>,
}

/// The content of a body, checked. `allowed` lists the content types this
/// sender may use.
pub fn content_of(
    content: Option<MessageContent>,
    text: Option<String>,
    allowed: &[&str],
) -> ApiResult<MessageContent> {
    let content = match (content, text) {
        (Some(c), None) => c,
        (None, Some(t)) => MessageContent::text(t),
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "send either content or text, not both",
            ));
        }
        (None, None) => return Err(ApiError::validation("content or text is required")),
    };
    if !allowed.contains(&content.type_name()) {
        return Err(ApiError::validation(format!(
            "content.type: {} messages cannot be sent here",
            content.type_name()
        )));
    }
    content.validate()?;
    Ok(content)
}

pub const AGENT_CONTENT: &[&str] = &[
    "text",
    "attachment",
    "card",
    "quick_replies",
    "csat_request",
];
pub const CONTACT_CONTENT: &[&str] = &["text", "attachment"];

/// Idempotency keys are short printable strings.
pub fn client_id(id: Option<String>) -> ApiResult<Option<String>> {
    match id {
        None => Ok(None),
        Some(s) if s.is_empty() || s.len() > 128 || s.chars().any(char::is_control) => Err(
            ApiError::validation("client_id: 1 to 128 printable characters"),
        ),
        Some(s) => Ok(Some(s)),
    }
}

/// Channel message ids (`external_id`) likewise.
pub fn external_id(id: Option<String>) -> ApiResult<Option<String>> {
    match id {
        None => Ok(None),
        Some(s) if s.is_empty() || s.len() > 512 || s.chars().any(char::is_control) => Err(
            ApiError::validation("external_id: 1 to 512 printable characters"),
        ),
        Some(s) => Ok(Some(s)),
    }
}

/// A stored message and the conversation after it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Posted {
    pub message: Message,
    pub conversation: Conversation,
}

/// 201 for a new message, 200 for a repeated idempotency key or external id.
pub fn posted_status(a: &Appended) -> StatusCode {
    if a.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

/// Labels, cleaned and de-duplicated.
pub fn labels(list: Vec<String>) -> ApiResult<Vec<String>> {
    if list.len() > 50 {
        return Err(ApiError::validation("labels: at most 50"));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for l in list {
        let l = validate::label(&l)?;
        if !out.contains(&l) {
            out.push(l);
        }
    }
    Ok(out)
}

pub fn subject(s: Option<String>) -> ApiResult<Option<String>> {
    Ok(match s {
        Some(s) if s.trim().is_empty() => None,
        Some(s) => Some(validate::name("subject", &s, 300)?),
        None => None,
    })
}

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`) in PATCH bodies.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The contact's latest conversation in the inbox that they write into, if
/// any: a chat, or a chat turned ticket, never closed (see
/// `ConversationFilter::contact_facing`). With `open_only` a resolved one
/// does not count. Tickets agents opened for the contact are not theirs to
/// write into: the customer writing in does not land in them.
pub async fn current_conversation(
    state: &AppState,
    account: AccountId,
    inbox: InboxId,
    contact: ContactId,
    open_only: bool,
) -> ApiResult<Option<Conversation>> {
    let filter = ConversationFilter {
        inbox_id: Some(inbox),
        contact_id: Some(contact),
        contact_facing: true,
        ..Default::default()
    };
    let page = state
        .store
        .list_conversations(
            account,
            &filter,
            &PageRequest {
                cursor: None,
                limit: 1,
            },
        )
        .await?;
    Ok(page
        .items
        .into_iter()
        .next()
        .filter(|c| !open_only || c.status != Status::Resolved))
}

/// Starts a chat for a contact who writes in. When the last conversation
/// they had in the inbox was their ticket, closed since, the new chat is
/// linked as its follow-up (the agent sees the history at once).
pub async fn start_conversation(
    state: &AppState,
    inbox: &Inbox,
    contact: ContactId,
) -> ApiResult<Conversation> {
    let latest = state
        .store
        .list_conversations(
            inbox.account_id,
            &ConversationFilter {
                inbox_id: Some(inbox.id),
                contact_id: Some(contact),
                ..Default::default()
            },
            &PageRequest {
                cursor: None,
                limit: 1,
            },
        )
        .await?;
    let follow_up_of = latest
        .items
        .first()
        .filter(|c| c.is_closed() && c.converted_at.is_some())
        .map(|c| c.id);
    let applied = state
        .store
        .create_conversation(
            &NewConversation {
                id: ConversationId::new(),
                account_id: inbox.account_id,
                inbox_id: inbox.id,
                contact_id: contact,
                kind: ConversationKind::Chat,
                priority: Priority::Normal,
                subject: None,
                labels: vec![],
                ticket_type: None,
                custom_fields: Default::default(),
                follow_up_of,
                actor: Sender::contact(contact),
                now: state.clock.now(),
            },
            &policy(inbox),
        )
        .await?;
    Ok(applied.conversation)
}

/// Appends a message written by the contact; the bot takes its turn when it
/// owns the conversation.
pub async fn append_contact_message(
    state: &AppState,
    inbox: &Inbox,
    conversation: ConversationId,
    contact: ContactId,
    content: MessageContent,
    client_id: Option<String>,
    external_id: Option<String>,
) -> ApiResult<Appended> {
    let new = contact_message(
        state,
        inbox,
        conversation,
        contact,
        content,
        client_id,
        external_id,
    );
    let appended = state.store.append_message(&new, &policy(inbox)).await?;
    crate::bot::after_contact_message(state, inbox, &appended);
    Ok(appended)
}

/// A public message written by a contact.
pub fn contact_message(
    state: &AppState,
    inbox: &Inbox,
    conversation: ConversationId,
    contact: ContactId,
    content: MessageContent,
    client_id: Option<String>,
    external_id: Option<String>,
) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        account_id: inbox.account_id,
        conversation_id: conversation,
        sender: Sender::contact(contact),
        content,
        visibility: MessageVisibility::Public,
        external_id,
        client_id,
        mentions: vec![],
        now: state.clock.now(),
    }
}

/// Cleans optional contact details sent by a visitor or an integration.
pub fn contact_details(
    name: Option<String>,
    email: Option<String>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let name = match name {
        Some(n) if !n.trim().is_empty() => Some(validate::name("name", &n, 200)?),
        _ => None,
    };
    let email = match email {
        Some(e) if !e.trim().is_empty() => Some(validate::email(&e)?),
        _ => None,
    };
    Ok((name, email))
}

/// An identifier a site or integration uses for its user.
pub fn identifier(s: &str) -> ApiResult<String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 256 || t.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "identifier: 1 to 256 printable characters",
        ));
    }
    Ok(t.to_string())
}

/// How a contact is known on a channel.
#[derive(Clone, Copy, Debug)]
pub struct IdentityKey<'a> {
    pub kind: &'a str,
    pub value: &'a str,
    pub verified: bool,
}

/// The contact known by `(kind, value)` in the account, created (with that
/// identity) when there is none. Two requests racing to create the same
/// identity both end up with the one that won.
pub async fn contact_by_identity(
    state: &AppState,
    account: AccountId,
    inbox: InboxId,
    identity: IdentityKey<'_>,
    (name, email): (Option<String>, Option<String>),
) -> ApiResult<Contact> {
    let IdentityKey {
        kind,
        value,
        verified,
    } = identity;
    if let Some(c) = state
        .store
        .find_contact_by_identity(account, kind, value)
        .await?
    {
        return fill_in(state, c, name, email).await;
    }
    let now = state.clock.now();
    let contact = Contact {
        id: ContactId::new(),
        account_id: account,
        name,
        email,
        phone: None,
        attributes: serde_json::json!({}),
        created_at: now,
        updated_at: now,
        erased_at: None,
    };
    let identity = Identity {
        account_id: account,
        contact_id: contact.id,
        kind: kind.to_string(),
        value: value.to_string(),
        inbox_id: Some(inbox),
        verified,
        created_at: now,
    };
    match state.store.create_contact(&contact, &[identity]).await {
        Ok(()) => Ok(contact),
        Err(StoreError::Conflict(_)) => state
            .store
            .find_contact_by_identity(account, kind, value)
            .await?
            .ok_or_else(ApiError::internal),
        Err(e) => Err(e.into()),
    }
}

/// Fills in a contact's name and email where they are still empty; details
/// a contact already has are never overwritten by what a client claims.
pub async fn fill_in(
    state: &AppState,
    mut contact: Contact,
    name: Option<String>,
    email: Option<String>,
) -> ApiResult<Contact> {
    let mut changed = false;
    if contact.name.is_none() && name.is_some() {
        contact.name = name;
        changed = true;
    }
    if contact.email.is_none() && email.is_some() {
        contact.email = email;
        changed = true;
    }
    if changed {
        contact.updated_at = state.clock.now();
        state.store.update_contact(&contact).await?;
    }
    Ok(contact)
}

/// Checks an attachment named by message content: it must belong to the
/// account, and (when `conversation` is given) to that conversation or none
/// yet. The store attaches it in the same unit of work as the message.
pub async fn check_attachment(
    state: &AppState,
    account: AccountId,
    content: &MessageContent,
    conversation: ConversationId,
    must_be_attached: bool,
) -> ApiResult<()> {
    let Some(id) = content.attachment_id() else {
        return Ok(());
    };
    let a = state
        .store
        .get_attachment(account, id)
        .await
        .map_err(|_| ApiError::not_found("attachment"))?;
    let ok = match a.conversation_id {
        Some(c) => c == conversation,
        None => !must_be_attached,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_found("attachment"))
    }
}

/// Whether `user` can be given a conversation of `inbox`: a member of the
/// account who can see the inbox. 422 otherwise (the id is in the body).
pub async fn check_assignable(
    state: &AppState,
    account: AccountId,
    user: kefu_core::UserId,
    inbox: InboxId,
) -> ApiResult<()> {
    let member = match state.store.get_member(account, user).await {
        Ok(m) => m,
        Err(StoreError::NotFound(_)) => {
            return Err(ApiError::validation(
                "the assignee is not a member of this account",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if member.role.sees_all_inboxes()
        || state
            .store
            .visibility(account, user)
            .await?
            .can_see_inbox(inbox)
    {
        Ok(())
    } else {
        Err(ApiError::validation(
            "the assignee is not a member of this conversation's inbox",
        ))
    }
}

/// Runs one state-machine input on a visible conversation.
pub async fn apply(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
    input: kefu_core::state::Input,
    expected_version: Option<i64>,
) -> ApiResult<kefu_core::store::Applied> {
    let (conv, inbox) = visible_conversation_and_inbox(state, agent, id).await?;
    Ok(state
        .store
        .apply(
            agent.account_id,
            conv.id,
            input,
            agent.actor(),
            &policy(&inbox),
            expected_version,
            state.clock.now(),
        )
        .await?)
}

/// The conflict a plain agent gets for touching a colleague's conversation.
pub fn owned_by_other() -> ApiError {
    let t = kefu_core::state::TransitionError::AssignedToOther;
    ApiError::conflict(t.code(), t.to_string())
}
