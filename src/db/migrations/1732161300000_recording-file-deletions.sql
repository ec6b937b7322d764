-- Up Migration

-- Recording files whose rows are gone (the contact was erased, retention expired them) and whose
-- bytes are still to be removed from storage. Written in the same transaction that deletes the
-- rows, so a storage outage never leaves a file nobody knows about: the erasure removes its
-- files right after it commits, the retention job retries whatever is left.
CREATE TABLE recording_file_deletions (
  storage_key  text PRIMARY KEY,
  account_id   uuid NOT NULL,
  -- the erased contact (erasure), null for retention
  contact_id   uuid,
  reason       text NOT NULL CHECK (reason IN ('erasure', 'retention')),
  queued_at    timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text
);
CREATE INDEX recording_file_deletions_contact_idx ON recording_file_deletions (account_id, contact_id);

-- The call history lists an account's calls newest first (ongoing ones before them).
CREATE INDEX calls_history_idx ON calls (account_id, (ended_at IS NOT NULL), created_at DESC, id DESC);
-- A contact's thread interleaves its calls with its messages.
CREATE INDEX calls_contact_history_idx ON calls (account_id, contact_id, created_at DESC);

-- Down Migration
DROP INDEX calls_contact_history_idx;
DROP INDEX calls_history_idx;
DROP TABLE recording_file_deletions;
