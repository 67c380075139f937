-- Quality inspection: each account's rules and scorecards as an admin saved
-- them (checked by kefu-qa before they are stored), and each conversation's
-- scores with the hits that led to them (totals in hundredths of a point).
CREATE TABLE qa_settings (
    account_id  UUID    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    rules       TEXT    NOT NULL,
    scorecards  TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE TABLE qa_scores (
    account_id       UUID    NOT NULL,
    conversation_id  UUID    NOT NULL,
    scorecard_id     TEXT    NOT NULL,
    total_x100       BIGINT  NOT NULL,
    passed           BOOLEAN NOT NULL,
    critical_failed  TEXT    NOT NULL,
    items            TEXT    NOT NULL,
    hits             TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    PRIMARY KEY (account_id, conversation_id, scorecard_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
-- The review queue reads the failed ones, newest first.
CREATE INDEX qa_scores_recent ON qa_scores (account_id, passed, created_at DESC);
