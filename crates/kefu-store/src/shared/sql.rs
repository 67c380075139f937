// Every bound LIMIT is written `LIMIT CAST($n AS BIGINT)`: SQLite re-plans a
// statement whose LIMIT is a bare parameter each time the value is bound
// (a full re-prepare, measured at 13% of the server's CPU in the benchmark);
// behind the cast the plan is kept. The cast changes nothing on PostgreSQL.
//
// Column lists shared by both dialects, as macros so that queries can be built
// with `concat!` into `&'static str` (sqlx only runs static SQL unless told
// otherwise). Included at the top of `sqlite/mod.rs` and `postgres/mod.rs`,
// after each defines the dialect macros `for_update!`, `skip_locked!` and
// `tx_text!`.

macro_rules! account_cols {
    () => {
        "id, name, time_zone, created_at, updated_at"
    };
}

macro_rules! team_cols {
    () => {
        "account_id, id, name, skills, created_at"
    };
}

macro_rules! inbox_cols {
    () => {
        "account_id, id, name, channel, bot_enabled, default_team_id, allowed_origins, \
         require_identity, settings, created_at, updated_at"
    };
}

macro_rules! contact_cols {
    () => {
        "account_id, id, name, email, phone, attributes, created_at, updated_at, erased_at"
    };
}

macro_rules! identity_cols {
    () => {
        "account_id, contact_id, kind, value, inbox_id, verified, created_at"
    };
}

macro_rules! conversation_cols {
    () => {
        "account_id, id, inbox_id, contact_id, kind, status, assignee_id, team_id, priority, \
         labels, subject, snoozed_until, last_seq, version, created_at, updated_at, \
         last_activity_at, queued_at, ticket_type, custom_fields, converted_at, closed_at"
    };
}

macro_rules! message_cols {
    () => {
        "account_id, id, conversation_id, inbox_id, seq, sender_kind, sender_id, content, \
         visibility, external_id, client_id, delivery, created_at"
    };
}

macro_rules! event_cols {
    () => {
        concat!(
            "id, account_id, conversation_id, inbox_id, seq, type, schema_version, actor, data, \
             created_at, pos, ",
            tx_text!(),
            " AS tx"
        )
    };
}

macro_rules! attachment_cols {
    () => {
        "account_id, id, conversation_id, file_name, content_type, size, sha256, storage_key, \
         thumbnail_key, width, height, created_at"
    };
}

macro_rules! session_cols {
    () => {
        "id, user_id, account_id, token_hash, created_at, expires_at, ip, user_agent"
    };
}

macro_rules! token_cols {
    () => {
        "account_id, id, kind, user_id, inbox_id, name, prefix, created_at, last_used_at, \
         revoked_at"
    };
}

macro_rules! audit_cols {
    () => {
        "account_id, id, actor_user_id, actor, action, target, details, ip, created_at"
    };
}

macro_rules! job_cols {
    () => {
        "id, account_id, kind, payload, run_at, dedupe_key, attempts, max_attempts, \
         locked_until, last_error, created_at"
    };
}

macro_rules! mention_cols {
    () => {
        "account_id, id, user_id, conversation_id, inbox_id, message_id, author_id, excerpt, \
         created_at, read_at"
    };
}
