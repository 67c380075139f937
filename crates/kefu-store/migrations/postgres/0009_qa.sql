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
    -- the score's own id: the review queue pages by (created_at, id)
    id               UUID    NOT NULL,
    total_x100       BIGINT  NOT NULL,
    passed           BOOLEAN NOT NULL,
    critical_failed  TEXT    NOT NULL,
    items            TEXT    NOT NULL,
    hits             TEXT    NOT NULL,
    -- auto (as inspected), reviewed, appealed, final
    status           TEXT    NOT NULL,
    -- who the conversation's agent was when it was inspected (their scores)
    agent_id         UUID,
    -- picked for human review by the account's sampling rate
    sampled          BOOLEAN NOT NULL,
    -- the reviewer's and the appeal's record (JSON), and the reviewer's
    -- adjustment of the total in hundredths
    review           TEXT    NOT NULL,
    adjustment_x100  BIGINT  NOT NULL,
    version          BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    PRIMARY KEY (account_id, conversation_id, scorecard_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
-- The review queue (failed or sampled, by status) and an agent's own
-- scores, newest first.
CREATE UNIQUE INDEX qa_scores_id ON qa_scores (account_id, id);
CREATE INDEX qa_scores_queue ON qa_scores (account_id, status, created_at DESC, id DESC);
CREATE INDEX qa_scores_agent ON qa_scores (account_id, agent_id, created_at DESC, id DESC);
