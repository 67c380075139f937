-- Privacy: a contact erased by a privacy request keeps its row (their
-- conversations still point at it) with every detail gone and the time of
-- erasure; an account's retention policy anonymises or deletes old
-- conversations.
ALTER TABLE contacts ADD COLUMN erased_at BIGINT;
-- When the conversation's text was erased (privacy request or retention).
ALTER TABLE conversations ADD COLUMN redacted_at BIGINT;
-- Erasing a contact finds their own events (contact.created, .updated),
-- which carry no conversation, by the id inside their data.
CREATE INDEX events_by_contact ON events (account_id, ((data::jsonb -> 'contact') ->> 'id'))
    WHERE conversation_id IS NULL;
CREATE TABLE retention_policies (
    account_id  UUID    NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    days        INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL
);
