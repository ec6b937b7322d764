-- Up Migration

-- The paced outbox's record of each instance's last send: the take transaction locks this row
-- and compare-and-sets last_sent_at, so two sends of one instance are never closer than its
-- minimum interval, even when two outbox runs overlap (README "Dispatch rules").
CREATE TABLE outbox_instances (
  channel_account_id uuid PRIMARY KEY,
  account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  last_sent_at       timestamptz,
  sends              bigint NOT NULL DEFAULT 0
);

-- The daily plan limit counts an account's sent notifications of the day.
CREATE INDEX notifications_account_sent_idx ON notifications (account_id, sent_at) WHERE state = 'sent';

-- Down Migration
DROP INDEX notifications_account_sent_idx;
DROP TABLE outbox_instances;
