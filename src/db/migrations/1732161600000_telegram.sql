-- Up Migration

-- Where the getUpdates poller of a Telegram bot (settings.delivery = polling) goes on from: the
-- update after the last one stored. Advanced only once an update is durably in inbound_webhooks,
-- so a restart neither loses one nor (with de-duplication by update_id) records one twice.
CREATE TABLE telegram_poll_offsets (
  channel_account_id uuid PRIMARY KEY REFERENCES channel_accounts (id) ON DELETE CASCADE,
  next_offset        bigint NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE telegram_poll_offsets;
