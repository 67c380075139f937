-- Tickets: a ticket is a conversation of kind 'ticket'. Its type, its
-- values of the account's custom fields, when a chat became a ticket and
-- when a ticket was closed for good (its status is derived from `status`
-- and `closed_at`). Tickets that existed before were all opened by agents.
ALTER TABLE conversations ADD COLUMN ticket_type TEXT;
ALTER TABLE conversations ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversations ADD COLUMN converted_at INTEGER;
ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
-- The account's custom ticket field definitions, one list per account (read
-- whole on every ticket change, replaced whole by an admin).
CREATE TABLE ticket_fields (
    account_id  BLOB    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    fields      TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- Links between conversations: `from_id` follows up, duplicates or relates
-- to `to_id`. One link per pair whichever way round (the unique index on the
-- ordered pair), so two agents linking A→B and B→A at once cannot both win.
CREATE TABLE conversation_links (
    account_id  BLOB    NOT NULL,
    from_id     BLOB    NOT NULL,
    to_id       BLOB    NOT NULL,
    kind        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, from_id, to_id),
    FOREIGN KEY (account_id, from_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, to_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX conversation_links_pair ON conversation_links (account_id, min(from_id, to_id), max(from_id, to_id));
CREATE INDEX conversation_links_to ON conversation_links (account_id, to_id);
