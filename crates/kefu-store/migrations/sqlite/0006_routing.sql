-- Routing: when a conversation joined its queue (FIFO within a priority is by
-- this, not by creation: a conversation reopened or transferred waits behind
-- those already waiting), per-channel capacities and the round-robin clock of
-- each member. Existing queued conversations keep their place by their last
-- activity.
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;
UPDATE conversations SET queued_at = last_activity_at WHERE status = 'queued';
-- The queue: one account's queued conversations in serve order.
CREATE INDEX conversations_queue ON conversations (account_id, status, priority DESC, queued_at, id);
ALTER TABLE members ADD COLUMN channel_capacity TEXT NOT NULL DEFAULT '{}';
ALTER TABLE members ADD COLUMN last_assigned_at INTEGER;
