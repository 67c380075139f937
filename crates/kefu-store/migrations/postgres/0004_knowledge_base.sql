-- The knowledge base: FAQ entries and articles of an account. Similar
-- questions and tags are JSON arrays of strings. `question_key` is the
-- question case-folded by the application (the databases disagree on
-- folding non-ASCII text), unique per locale, so an import matches
-- existing entries by it and a question is never asked twice.
CREATE TABLE kb_entries (
    account_id        UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                UUID    NOT NULL,
    kind              TEXT    NOT NULL,
    locale            TEXT    NOT NULL,
    question          TEXT    NOT NULL,
    question_key      TEXT    NOT NULL,
    similar_questions TEXT    NOT NULL,
    answer            TEXT    NOT NULL,
    tags              TEXT    NOT NULL,
    enabled           BOOLEAN NOT NULL,
    out_of_scope      BOOLEAN NOT NULL,
    action            TEXT,
    version           BIGINT  NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX kb_entries_question ON kb_entries (account_id, locale, question_key);
CREATE INDEX kb_entries_updated ON kb_entries (account_id, updated_at, id);
CREATE INDEX kb_entries_created ON kb_entries (account_id, created_at, id);

-- One counter per account, bumped in the same transaction as every change
-- to its entries: the bot on every node polls it to know when to rebuild.
CREATE TABLE kb_revisions (
    account_id  UUID    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    revision    BIGINT  NOT NULL
);
