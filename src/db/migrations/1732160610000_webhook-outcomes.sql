-- Up Migration

-- A delivery whose every event is one recado does not act on (template updates, groups…) is
-- `ignored`, not `invalid`; each delivery keeps the normalisations applied while reading it.
ALTER TABLE inbound_webhooks DROP CONSTRAINT inbound_webhooks_status_check;
ALTER TABLE inbound_webhooks ADD CONSTRAINT inbound_webhooks_status_check
  CHECK (status IN ('received', 'processed', 'ignored', 'invalid', 'failed'));
ALTER TABLE inbound_webhooks ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';

-- A voice message the customer played (Meta's `played` status) is past `read`.
ALTER TABLE messages DROP CONSTRAINT messages_state_check;
ALTER TABLE messages ADD CONSTRAINT messages_state_check
  CHECK (state IN ('queued', 'sending', 'retrying', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed', 'received'));
ALTER TABLE messages ADD COLUMN played_at timestamptz;

-- Down Migration
ALTER TABLE messages DROP COLUMN played_at;
UPDATE messages SET state = 'read' WHERE state = 'played';
ALTER TABLE messages DROP CONSTRAINT messages_state_check;
ALTER TABLE messages ADD CONSTRAINT messages_state_check
  CHECK (state IN ('queued', 'sending', 'retrying', 'accepted', 'sent', 'delivered', 'read', 'failed', 'received'));
ALTER TABLE inbound_webhooks DROP COLUMN warnings;
UPDATE inbound_webhooks SET status = 'processed' WHERE status = 'ignored';
ALTER TABLE inbound_webhooks DROP CONSTRAINT inbound_webhooks_status_check;
ALTER TABLE inbound_webhooks ADD CONSTRAINT inbound_webhooks_status_check
  CHECK (status IN ('received', 'processed', 'invalid', 'failed'));
