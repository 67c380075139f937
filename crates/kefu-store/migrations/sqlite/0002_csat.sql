-- Customers' answers to satisfaction surveys (csat_request messages). One
-- answer per request; the conversation's log gets a conversation.rated event.
CREATE TABLE csat_responses (
    account_id          BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                  BLOB    NOT NULL,
    conversation_id     BLOB    NOT NULL,
    contact_id          BLOB    NOT NULL,
    request_message_id  BLOB    NOT NULL,
    rating              INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment             TEXT,
    created_at          INTEGER    NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, request_message_id) REFERENCES messages (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX csat_responses_one_per_request ON csat_responses (account_id, request_message_id);
CREATE INDEX csat_responses_by_conversation ON csat_responses (account_id, conversation_id, created_at);
