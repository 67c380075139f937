// Rows <-> domain values. Included into `sqlite::rows` and `postgres::rows`,
// where `DbRow` is that backend's row type; both backends store the same
// Rust types (UUID, i64, i32, bool, TEXT), so one copy decodes both.

use kefu_core::event::{Event, EventType, StreamCursor};
use kefu_core::model::*;
use kefu_core::state::Status;
use kefu_core::store::{ReadCursor, Session};
use kefu_core::{StoreError, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::DbRow;
use crate::error::{corrupt, db};

type R<T> = Result<T, StoreError>;

pub(crate) fn get<'r, T: super::Column<'r>>(row: &'r DbRow, col: &str) -> R<T> {
    super::column(row, col).map_err(db)
}

pub(crate) fn id<T: From<Uuid>>(row: &DbRow, col: &str) -> R<T> {
    get::<Uuid>(row, col).map(T::from)
}

pub(crate) fn opt_id<T: From<Uuid>>(row: &DbRow, col: &str) -> R<Option<T>> {
    Ok(get::<Option<Uuid>>(row, col)?.map(T::from))
}

fn ts(row: &DbRow, col: &str) -> R<Timestamp> {
    get::<i64>(row, col).map(Timestamp)
}

fn opt_ts(row: &DbRow, col: &str) -> R<Option<Timestamp>> {
    Ok(get::<Option<i64>>(row, col)?.map(Timestamp))
}

fn json<T: DeserializeOwned>(row: &DbRow, col: &str) -> R<T> {
    let text: String = get(row, col)?;
    serde_json::from_str(&text).map_err(|e| corrupt(col, e))
}

/// Parses a stored enum name with the type's own `parse`.
pub(crate) fn named<T>(row: &DbRow, col: &str, parse: fn(&str) -> Option<T>) -> R<T> {
    let s: String = get(row, col)?;
    parse(&s).ok_or_else(|| corrupt(col, s))
}

/// JSON text for a column. Serialising plain data cannot fail; the error is
/// mapped anyway so that no input can panic the store.
pub(crate) fn to_json<T: Serialize + ?Sized>(v: &T) -> R<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("encoding JSON: {e}")))
}

pub(crate) fn to_value<T: Serialize + ?Sized>(v: &T) -> R<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| StoreError::Database(format!("encoding JSON: {e}")))
}

pub(crate) fn account(row: &DbRow) -> R<Account> {
    Ok(Account {
        id: id(row, "id")?,
        name: get(row, "name")?,
        time_zone: get(row, "time_zone")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

pub(crate) fn user(row: &DbRow) -> R<User> {
    Ok(User {
        id: id(row, "id")?,
        email: get(row, "email")?,
        name: get(row, "name")?,
        created_at: ts(row, "created_at")?,
    })
}

/// Expects the columns of `member_select!`.
pub(crate) fn member(row: &DbRow) -> R<Member> {
    Ok(Member {
        account_id: id(row, "account_id")?,
        user_id: id(row, "user_id")?,
        email: get(row, "email")?,
        name: get(row, "name")?,
        role: named(row, "role", Role::parse)?,
        availability: named(row, "availability", Availability::parse)?,
        capacity: get(row, "capacity")?,
        skills: json(row, "skills")?,
        channel_capacity: json(row, "channel_capacity")?,
        last_assigned_at: opt_ts(row, "last_assigned_at")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn team(row: &DbRow) -> R<Team> {
    Ok(Team {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        name: get(row, "name")?,
        skills: json(row, "skills")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn inbox(row: &DbRow) -> R<Inbox> {
    Ok(Inbox {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        name: get(row, "name")?,
        channel: named(row, "channel", ChannelKind::parse)?,
        bot_enabled: get(row, "bot_enabled")?,
        default_team_id: opt_id(row, "default_team_id")?,
        allowed_origins: json(row, "allowed_origins")?,
        require_identity: get(row, "require_identity")?,
        settings: json(row, "settings")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

pub(crate) fn contact(row: &DbRow) -> R<Contact> {
    Ok(Contact {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        name: get(row, "name")?,
        email: get(row, "email")?,
        phone: get(row, "phone")?,
        attributes: json(row, "attributes")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        erased_at: opt_ts(row, "erased_at")?,
    })
}

pub(crate) fn csat(row: &DbRow) -> R<CsatResponse> {
    let rating: i32 = get(row, "rating")?;
    Ok(CsatResponse {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        conversation_id: id(row, "conversation_id")?,
        contact_id: id(row, "contact_id")?,
        request_message_id: id(row, "request_message_id")?,
        rating: i16::try_from(rating).map_err(|_| corrupt("rating", rating))?,
        comment: get(row, "comment")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn canned(row: &DbRow) -> R<CannedResponse> {
    Ok(CannedResponse {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        owner_id: opt_id(row, "owner_id")?,
        short_code: get(row, "short_code")?,
        content: get(row, "content")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

pub(crate) fn bot_question(row: &DbRow) -> R<BotQuestion> {
    Ok(BotQuestion {
        account_id: id(row, "account_id")?,
        message_id: id(row, "message_id")?,
        conversation_id: id(row, "conversation_id")?,
        text: get(row, "text")?,
        outcome: get(row, "outcome")?,
        created_at: ts(row, "created_at")?,
        status: get(row, "status")?,
        resolved_by: opt_id(row, "resolved_by")?,
        resolved_at: opt_ts(row, "resolved_at")?,
    })
}

pub(crate) fn identity(row: &DbRow) -> R<Identity> {
    Ok(Identity {
        account_id: id(row, "account_id")?,
        contact_id: id(row, "contact_id")?,
        kind: get(row, "kind")?,
        value: get(row, "value")?,
        inbox_id: opt_id(row, "inbox_id")?,
        verified: get(row, "verified")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn conversation(row: &DbRow) -> R<Conversation> {
    let mut conv = Conversation {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        inbox_id: id(row, "inbox_id")?,
        contact_id: id(row, "contact_id")?,
        kind: named(row, "kind", ConversationKind::parse)?,
        status: named(row, "status", Status::parse)?,
        assignee_id: opt_id(row, "assignee_id")?,
        team_id: opt_id(row, "team_id")?,
        priority: Priority::from_i16(
            i16::try_from(get::<i32>(row, "priority")?).unwrap_or(i16::MAX),
        ),
        labels: json(row, "labels")?,
        subject: get(row, "subject")?,
        snoozed_until: opt_ts(row, "snoozed_until")?,
        last_seq: get(row, "last_seq")?,
        version: get(row, "version")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        last_activity_at: ts(row, "last_activity_at")?,
        queued_at: opt_ts(row, "queued_at")?,
        ticket_type: get::<Option<String>>(row, "ticket_type")?
            .map(|t| TicketType::parse(&t).ok_or_else(|| crate::error::corrupt("ticket_type", &t)))
            .transpose()?,
        custom_fields: json(row, "custom_fields")?,
        ticket_status: None,
        converted_at: opt_ts(row, "converted_at")?,
        closed_at: opt_ts(row, "closed_at")?,
    };
    conv.refresh_ticket_status();
    Ok(conv)
}

pub(crate) fn conversation_link(row: &DbRow) -> R<ConversationLink> {
    Ok(ConversationLink {
        from: id(row, "from_id")?,
        to: id(row, "to_id")?,
        kind: named(row, "kind", LinkKind::parse)?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn message(row: &DbRow) -> R<Message> {
    Ok(Message {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        conversation_id: id(row, "conversation_id")?,
        inbox_id: id(row, "inbox_id")?,
        seq: get(row, "seq")?,
        sender: Sender {
            kind: named(row, "sender_kind", SenderKind::parse)?,
            id: get(row, "sender_id")?,
        },
        content: json(row, "content")?,
        visibility: named(row, "visibility", MessageVisibility::parse)?,
        external_id: get(row, "external_id")?,
        client_id: get(row, "client_id")?,
        delivery: named(row, "delivery", DeliveryState::parse)?,
        created_at: ts(row, "created_at")?,
    })
}

/// Expects `event_cols!`, whose `tx` column is text on both backends (a
/// PostgreSQL xid8 does not fit a signed BIGINT decoder; SQLite has none).
pub(crate) fn event(row: &DbRow) -> R<Event> {
    let kind = named(row, "type", EventType::parse)?;
    let tx: String = get(row, "tx")?;
    let cursor = StreamCursor {
        tx: tx.parse().map_err(|_| corrupt("tx", &tx))?,
        pos: get(row, "pos")?,
    };
    Ok(Event {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        kind,
        schema_version: u16::try_from(get::<i32>(row, "schema_version")?)
            .map_err(|e| corrupt("schema_version", e))?,
        conversation_id: opt_id(row, "conversation_id")?,
        inbox_id: opt_id(row, "inbox_id")?,
        seq: get(row, "seq")?,
        actor: json(row, "actor")?,
        data: json(row, "data")?,
        created_at: ts(row, "created_at")?,
        cursor: Some(cursor),
    })
}

pub(crate) fn attachment(row: &DbRow) -> R<Attachment> {
    Ok(Attachment {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        conversation_id: opt_id(row, "conversation_id")?,
        file_name: get(row, "file_name")?,
        content_type: get(row, "content_type")?,
        size: get(row, "size")?,
        sha256: get(row, "sha256")?,
        storage_key: get(row, "storage_key")?,
        thumbnail_key: get(row, "thumbnail_key")?,
        width: get(row, "width")?,
        height: get(row, "height")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn session(row: &DbRow) -> R<Session> {
    Ok(Session {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        account_id: id(row, "account_id")?,
        token_hash: get(row, "token_hash")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        ip: get(row, "ip")?,
        user_agent: get(row, "user_agent")?,
    })
}

pub(crate) fn token(row: &DbRow) -> R<ApiToken> {
    Ok(ApiToken {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        kind: named(row, "kind", TokenKind::parse)?,
        user_id: opt_id(row, "user_id")?,
        inbox_id: opt_id(row, "inbox_id")?,
        name: get(row, "name")?,
        prefix: get(row, "prefix")?,
        created_at: ts(row, "created_at")?,
        last_used_at: opt_ts(row, "last_used_at")?,
        revoked_at: opt_ts(row, "revoked_at")?,
    })
}

pub(crate) fn audit(row: &DbRow) -> R<AuditEntry> {
    Ok(AuditEntry {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        actor_user_id: opt_id(row, "actor_user_id")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        target: get(row, "target")?,
        details: json(row, "details")?,
        ip: get(row, "ip")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn job(row: &DbRow) -> R<Job> {
    Ok(Job {
        id: id(row, "id")?,
        account_id: opt_id(row, "account_id")?,
        kind: get(row, "kind")?,
        payload: json(row, "payload")?,
        run_at: ts(row, "run_at")?,
        dedupe_key: get(row, "dedupe_key")?,
        attempts: get(row, "attempts")?,
        max_attempts: get(row, "max_attempts")?,
        locked_until: opt_ts(row, "locked_until")?,
        last_error: get(row, "last_error")?,
        created_at: ts(row, "created_at")?,
    })
}

pub(crate) fn read_cursor(row: &DbRow) -> R<ReadCursor> {
    let pid: Uuid = get(row, "participant_id")?;
    Ok(ReadCursor {
        participant: Sender {
            kind: named(row, "participant_kind", SenderKind::parse)?,
            id: (!pid.is_nil()).then_some(pid),
        },
        seq: get(row, "seq")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Expects the columns of `kb_cols!`.
pub(crate) fn kb_entry(row: &DbRow) -> R<KbEntry> {
    Ok(KbEntry {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        kind: named(row, "kind", KbEntryKind::parse)?,
        question: get(row, "question")?,
        similar_questions: json(row, "similar_questions")?,
        answer: get(row, "answer")?,
        tags: json(row, "tags")?,
        locale: get(row, "locale")?,
        enabled: get(row, "enabled")?,
        out_of_scope: get(row, "out_of_scope")?,
        action: get(row, "action")?,
        version: get(row, "version")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

pub(crate) fn mention(row: &DbRow) -> R<Mention> {
    Ok(Mention {
        id: id(row, "id")?,
        account_id: id(row, "account_id")?,
        user_id: id(row, "user_id")?,
        conversation_id: id(row, "conversation_id")?,
        inbox_id: id(row, "inbox_id")?,
        message_id: id(row, "message_id")?,
        author_id: id(row, "author_id")?,
        excerpt: get(row, "excerpt")?,
        created_at: ts(row, "created_at")?,
        read_at: opt_ts(row, "read_at")?,
    })
}
