-- Canned responses: shared ones (owner_id NULL) and members' own. A short
-- code is unique among the shared ones, and among each member's own; a
-- personal one goes when its owner leaves the account.
CREATE TABLE canned_responses (
    account_id  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          UUID    NOT NULL,
    owner_id    UUID,
    short_code  TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, owner_id) REFERENCES members (account_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX canned_responses_shared_code ON canned_responses (account_id, short_code)
    WHERE owner_id IS NULL;
CREATE UNIQUE INDEX canned_responses_own_code ON canned_responses (account_id, owner_id, short_code)
    WHERE owner_id IS NOT NULL;
