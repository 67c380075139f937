-- @mentions in private notes: one row per mentioned member per note, written
-- in the note's unit of work. A member's list reads their own mentions,
-- newest first (all, or only the unread ones); `inbox_id` is kept so a
-- member who lost an inbox stops seeing its mentions without a join.
-- Removing a member removes their mentions (the foreign key to members).
CREATE TABLE mentions (
    account_id      BLOB     NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              BLOB     NOT NULL,
    user_id         BLOB     NOT NULL,
    conversation_id BLOB     NOT NULL,
    inbox_id        BLOB     NOT NULL,
    message_id      BLOB     NOT NULL,
    author_id       BLOB     NOT NULL,
    excerpt         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    read_at         INTEGER,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES members (account_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, message_id) REFERENCES messages (account_id, id) ON DELETE CASCADE
);
-- A note mentions each member once.
CREATE UNIQUE INDEX mentions_by_message ON mentions (account_id, message_id, user_id);
-- "My mentions, newest first" and "my unread mentions, newest first".
CREATE INDEX mentions_mine ON mentions (account_id, user_id, created_at DESC, id DESC);
CREATE INDEX mentions_mine_unread ON mentions (account_id, user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
-- Marking a conversation's mentions read.
CREATE INDEX mentions_by_conversation ON mentions (account_id, user_id, conversation_id) WHERE read_at IS NULL;
