-- Kefu schema, PostgreSQL dialect. Same tables, columns and indexes as the
-- SQLite one; ids are UUID, times BIGINT milliseconds, JSON is TEXT (one
-- encoding for both backends). Tenant tables are keyed by (account_id, id) so
-- that composite foreign keys keep accounts apart.

CREATE TABLE accounts (
    id          UUID   NOT NULL PRIMARY KEY,
    name        TEXT   NOT NULL,
    time_zone   TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             UUID   NOT NULL PRIMARY KEY,
    email          TEXT   NOT NULL UNIQUE,
    name           TEXT   NOT NULL,
    password_hash  TEXT   NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE members (
    account_id    UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id       UUID    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT    NOT NULL,
    availability  TEXT    NOT NULL,
    capacity      INTEGER NOT NULL,
    skills        TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE teams (
    account_id  UUID   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          UUID   NOT NULL,
    name        TEXT   NOT NULL,
    skills      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE team_members (
    account_id  UUID NOT NULL,
    team_id     UUID NOT NULL,
    user_id     UUID NOT NULL,
    PRIMARY KEY (account_id, team_id, user_id),
    FOREIGN KEY (account_id, team_id) REFERENCES teams (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES members (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_members_by_user ON team_members (account_id, user_id);

CREATE TABLE inboxes (
    account_id        UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                UUID    NOT NULL,
    name              TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    bot_enabled       BOOLEAN NOT NULL,
    default_team_id   UUID,
    allowed_origins   TEXT    NOT NULL,
    require_identity  BOOLEAN NOT NULL,
    settings          TEXT    NOT NULL,
    secret            TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, default_team_id) REFERENCES teams (account_id, id)
);
-- Public widget endpoints know only the inbox id.
CREATE UNIQUE INDEX inboxes_by_id ON inboxes (id);
CREATE INDEX inboxes_by_team ON inboxes (account_id, default_team_id);

CREATE TABLE inbox_members (
    account_id  UUID NOT NULL,
    inbox_id    UUID NOT NULL,
    user_id     UUID NOT NULL,
    PRIMARY KEY (account_id, inbox_id, user_id),
    FOREIGN KEY (account_id, inbox_id) REFERENCES inboxes (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES members (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX inbox_members_by_user ON inbox_members (account_id, user_id);

CREATE TABLE contacts (
    account_id  UUID   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          UUID   NOT NULL,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    attributes  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX contacts_list ON contacts (account_id, created_at DESC, id DESC);

CREATE TABLE identities (
    account_id  UUID    NOT NULL,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    contact_id  UUID    NOT NULL,
    inbox_id    UUID,
    verified    BOOLEAN NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (account_id, kind, value),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX identities_by_contact ON identities (account_id, contact_id);

CREATE TABLE conversations (
    account_id        UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                UUID    NOT NULL,
    inbox_id          UUID    NOT NULL,
    contact_id        UUID    NOT NULL,
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    assignee_id       UUID,
    team_id           UUID,
    priority          INTEGER NOT NULL,
    labels            TEXT    NOT NULL,
    subject           TEXT,
    snoozed_until     BIGINT,
    last_seq          BIGINT  NOT NULL,
    version           BIGINT  NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    last_activity_at  BIGINT  NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, inbox_id) REFERENCES inboxes (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id)
);
-- The conversation list: newest activity first, keyset on (last_activity_at, id).
CREATE INDEX conversations_list ON conversations (account_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_by_status ON conversations (account_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_by_assignee ON conversations (account_id, assignee_id, status);
-- Newest first: the widget asks for a contact's current conversation on every message.
CREATE INDEX conversations_by_contact ON conversations (account_id, contact_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_by_inbox ON conversations (account_id, inbox_id);

CREATE TABLE messages (
    account_id       UUID   NOT NULL,
    id               UUID   NOT NULL,
    conversation_id  UUID   NOT NULL,
    inbox_id         UUID   NOT NULL,
    seq              BIGINT NOT NULL,
    sender_kind      TEXT   NOT NULL,
    sender_id        UUID,
    content          TEXT   NOT NULL,
    visibility       TEXT   NOT NULL,
    external_id      TEXT,
    client_id        TEXT,
    delivery         TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX messages_by_seq ON messages (conversation_id, seq);
-- Idempotency: a client's retry and a channel's redelivery are stored once.
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE UNIQUE INDEX messages_external_id ON messages (inbox_id, external_id) WHERE external_id IS NOT NULL;

-- The append-only event log, which is also the outbox. Stream order is
-- (tx, pos): `tx` is the writing transaction's id, and readers only take
-- rows of transactions older than every running one (the snapshot's xmin),
-- so an event that commits late is never skipped by a reader's cursor.
CREATE TABLE events (
    pos              BIGSERIAL PRIMARY KEY,
    tx               xid8    NOT NULL DEFAULT pg_current_xact_id(),
    id               UUID    NOT NULL UNIQUE,
    account_id       UUID    NOT NULL,
    conversation_id  UUID,
    inbox_id         UUID,
    seq              BIGINT,
    type             TEXT    NOT NULL,
    schema_version   INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    data             TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX events_by_account ON events (account_id, tx, pos);
CREATE INDEX events_stream ON events (tx, pos);
CREATE UNIQUE INDEX events_by_conversation ON events (conversation_id, seq) WHERE conversation_id IS NOT NULL;

CREATE TABLE read_cursors (
    account_id        UUID   NOT NULL,
    conversation_id   UUID   NOT NULL,
    participant_kind  TEXT   NOT NULL,
    -- The nil UUID stands for "no id" (bot, system), so the key has no NULLs.
    participant_id    UUID   NOT NULL,
    seq               BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id, participant_kind, participant_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);

CREATE TABLE attachments (
    account_id       UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id               UUID    NOT NULL,
    conversation_id  UUID,
    file_name        TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    size             BIGINT  NOT NULL,
    sha256           TEXT    NOT NULL,
    storage_key      TEXT    NOT NULL,
    thumbnail_key    TEXT,
    width            INTEGER,
    height           INTEGER,
    created_at       BIGINT  NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id)
);

CREATE TABLE sessions (
    id          UUID   NOT NULL PRIMARY KEY,
    user_id     UUID   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id  UUID   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash  TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    ip          TEXT,
    user_agent  TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    account_id    UUID   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id            UUID   NOT NULL,
    kind          TEXT   NOT NULL,
    user_id       UUID,
    inbox_id      UUID,
    name          TEXT   NOT NULL,
    prefix        TEXT   NOT NULL,
    secret_hash   TEXT   NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE audit_log (
    account_id     UUID   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id             UUID   NOT NULL,
    actor_user_id  UUID,
    actor          TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    target         TEXT,
    details        TEXT   NOT NULL,
    ip             TEXT,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX audit_log_list ON audit_log (account_id, created_at DESC, id DESC);

-- Durable jobs. `state` is 'pending' (waiting or leased) or 'dead'; finished
-- jobs are deleted.
CREATE TABLE jobs (
    id            UUID    NOT NULL PRIMARY KEY,
    account_id    UUID,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    run_at        BIGINT  NOT NULL,
    dedupe_key    TEXT,
    attempts      INTEGER NOT NULL,
    max_attempts  INTEGER NOT NULL,
    locked_until  BIGINT,
    last_error    TEXT,
    state         TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_by_kind ON jobs (kind, state);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE state = 'pending' AND dedupe_key IS NOT NULL;
