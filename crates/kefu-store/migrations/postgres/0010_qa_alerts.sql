-- Live quality alerts: one row per alert, written with its `qa.alert` event.
-- The unique key is what makes alerting idempotent: every node checks each
-- new message, and a silence job may run twice, yet one rule alerts once per
-- message (reason `rule`) or per wait (reason `silence`, keyed by the
-- customer's first unanswered message).
CREATE TABLE qa_alerts (
    account_id       UUID    NOT NULL,
    id               UUID    NOT NULL,
    conversation_id  UUID    NOT NULL,
    inbox_id         UUID    NOT NULL,
    rule_id          TEXT    NOT NULL,
    rule_name        TEXT    NOT NULL,
    reason           TEXT    NOT NULL,
    message_id       UUID    NOT NULL,
    start_char       BIGINT  NOT NULL,
    end_char         BIGINT  NOT NULL,
    excerpt          TEXT    NOT NULL,
    speaker          TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, message_id) REFERENCES messages (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX qa_alerts_once ON qa_alerts (account_id, message_id, rule_id, reason);
-- The alerts list, newest first.
CREATE INDEX qa_alerts_newest ON qa_alerts (account_id, created_at DESC, id DESC);
