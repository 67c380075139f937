-- Per-account sentiment: reviewers' verdicts on sentiment hits kept as
-- training labels (one per message; the message's erasure removes it), and
-- the account's retrained model as the exact labels it learnt from, so every
-- node rebuilds the same model. qa_settings.sentiment_model_at marks the
-- model's version where every reader of the settings sees it.
ALTER TABLE qa_settings ADD COLUMN sentiment_model_at BIGINT;
CREATE TABLE sentiment_labels (
    account_id   UUID    NOT NULL,
    message_id   UUID    NOT NULL,
    text         TEXT    NOT NULL,
    negative     BOOLEAN NOT NULL,
    rule_id      TEXT    NOT NULL,
    labelled_by  UUID    NOT NULL,
    labelled_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, message_id),
    FOREIGN KEY (account_id, message_id) REFERENCES messages (account_id, id) ON DELETE CASCADE
);
CREATE INDEX sentiment_labels_newest ON sentiment_labels (account_id, labelled_at DESC);
CREATE TABLE sentiment_models (
    account_id  UUID    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    trained_at  BIGINT NOT NULL,
    trained_by  UUID    NOT NULL,
    examples    TEXT    NOT NULL,
    report      TEXT    NOT NULL
);
