-- Questions the bot could not answer, for admins to turn into knowledge-base
-- entries (the learning loop). Keyed by the customer's message, so a turn
-- that runs twice records once. Listing reads the open ones of an account,
-- newest first.
CREATE TABLE bot_questions (
    account_id      BLOB     NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id      BLOB     NOT NULL,
    conversation_id BLOB     NOT NULL,
    text            TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'open',
    resolved_by     BLOB,
    resolved_at     INTEGER,
    PRIMARY KEY (account_id, message_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX bot_questions_open ON bot_questions (account_id, status, created_at);
