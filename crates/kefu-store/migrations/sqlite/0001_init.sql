-- Kefu schema, SQLite dialect. Ids are UUIDs stored as 16-byte BLOBs, times
-- are INTEGER milliseconds since the epoch, JSON (attributes, settings, lists)
-- is TEXT. Tenant tables are keyed by (account_id, id) so that composite
-- foreign keys keep rows of different accounts from referring to each other.

CREATE TABLE accounts (
    id          BLOB    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    time_zone   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             BLOB    NOT NULL PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE members (
    account_id    BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id       BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT    NOT NULL,
    availability  TEXT    NOT NULL,
    capacity      INTEGER NOT NULL,
    skills        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE teams (
    account_id  BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          BLOB    NOT NULL,
    name        TEXT    NOT NULL,
    skills      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE team_members (
    account_id  BLOB NOT NULL,
    team_id     BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    PRIMARY KEY (account_id, team_id, user_id),
    FOREIGN KEY (account_id, team_id) REFERENCES teams (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES members (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_members_by_user ON team_members (account_id, user_id);

CREATE TABLE inboxes (
    account_id        BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                BLOB    NOT NULL,
    name              TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    bot_enabled       INTEGER NOT NULL,
    default_team_id   BLOB,
    allowed_origins   TEXT    NOT NULL,
    require_identity  INTEGER NOT NULL,
    settings          TEXT    NOT NULL,
    secret            TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, default_team_id) REFERENCES teams (account_id, id)
);
-- Public widget endpoints know only the inbox id.
CREATE UNIQUE INDEX inboxes_by_id ON inboxes (id);
CREATE INDEX inboxes_by_team ON inboxes (account_id, default_team_id);

CREATE TABLE inbox_members (
    account_id  BLOB NOT NULL,
    inbox_id    BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    PRIMARY KEY (account_id, inbox_id, user_id),
    FOREIGN KEY (account_id, inbox_id) REFERENCES inboxes (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES members (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX inbox_members_by_user ON inbox_members (account_id, user_id);

CREATE TABLE contacts (
    account_id  BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          BLOB    NOT NULL,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    attributes  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX contacts_list ON contacts (account_id, created_at DESC, id DESC);

CREATE TABLE identities (
    account_id  BLOB    NOT NULL,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    contact_id  BLOB    NOT NULL,
    inbox_id    BLOB,
    verified    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, value),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX identities_by_contact ON identities (account_id, contact_id);

CREATE TABLE conversations (
    account_id        BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                BLOB    NOT NULL,
    inbox_id          BLOB    NOT NULL,
    contact_id        BLOB    NOT NULL,
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    assignee_id       BLOB,
    team_id           BLOB,
    priority          INTEGER NOT NULL,
    labels            TEXT    NOT NULL,
    subject           TEXT,
    snoozed_until     INTEGER,
    last_seq          INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    last_activity_at  INTEGER NOT NULL,
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
    account_id       BLOB    NOT NULL,
    id               BLOB    NOT NULL,
    conversation_id  BLOB    NOT NULL,
    inbox_id         BLOB    NOT NULL,
    seq              INTEGER NOT NULL,
    sender_kind      TEXT    NOT NULL,
    sender_id        BLOB,
    content          TEXT    NOT NULL,
    visibility       TEXT    NOT NULL,
    external_id      TEXT,
    client_id        TEXT,
    delivery         TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX messages_by_seq ON messages (conversation_id, seq);
-- Idempotency: a client's retry and a channel's redelivery are stored once.
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE UNIQUE INDEX messages_external_id ON messages (inbox_id, external_id) WHERE external_id IS NOT NULL;

-- The append-only event log, which is also the outbox. `pos` is the stream
-- order: one writer commits in pos order, so a reader never skips a row.
CREATE TABLE events (
    pos              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               BLOB    NOT NULL UNIQUE,
    account_id       BLOB    NOT NULL,
    conversation_id  BLOB,
    inbox_id         BLOB,
    seq              INTEGER,
    type             TEXT    NOT NULL,
    schema_version   INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    data             TEXT    NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX events_by_account ON events (account_id, pos);
CREATE UNIQUE INDEX events_by_conversation ON events (conversation_id, seq) WHERE conversation_id IS NOT NULL;

CREATE TABLE read_cursors (
    account_id        BLOB    NOT NULL,
    conversation_id   BLOB    NOT NULL,
    participant_kind  TEXT    NOT NULL,
    -- The nil UUID stands for "no id" (bot, system), so the key has no NULLs.
    participant_id    BLOB    NOT NULL,
    seq               INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_id, participant_kind, participant_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);

CREATE TABLE attachments (
    account_id       BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id               BLOB    NOT NULL,
    conversation_id  BLOB,
    file_name        TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    size             INTEGER NOT NULL,
    sha256           TEXT    NOT NULL,
    storage_key      TEXT    NOT NULL,
    thumbnail_key    TEXT,
    width            INTEGER,
    height           INTEGER,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id)
);

CREATE TABLE sessions (
    id          BLOB    NOT NULL PRIMARY KEY,
    user_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id  BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ip          TEXT,
    user_agent  TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    account_id    BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id            BLOB    NOT NULL,
    kind          TEXT    NOT NULL,
    user_id       BLOB,
    inbox_id      BLOB,
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    secret_hash   TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE audit_log (
    account_id     BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id             BLOB    NOT NULL,
    actor_user_id  BLOB,
    actor          TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target         TEXT,
    details        TEXT    NOT NULL,
    ip             TEXT,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX audit_log_list ON audit_log (account_id, created_at DESC, id DESC);

-- Durable jobs. `state` is 'pending' (waiting or leased) or 'dead'; finished
-- jobs are deleted.
CREATE TABLE jobs (
    id            BLOB    NOT NULL PRIMARY KEY,
    account_id    BLOB,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    run_at        INTEGER NOT NULL,
    dedupe_key    TEXT,
    attempts      INTEGER NOT NULL,
    max_attempts  INTEGER NOT NULL,
    locked_until  INTEGER,
    last_error    TEXT,
    state         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_by_kind ON jobs (kind, state);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE state = 'pending' AND dedupe_key IS NOT NULL;
