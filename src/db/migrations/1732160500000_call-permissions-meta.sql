-- Up Migration

-- What Meta said last about the pair (GET /{phone-number-id}/call_permissions): its actions with
-- their live limits and usage. The call quota follows Meta's start_call limit when it is known.
ALTER TABLE call_permissions ADD COLUMN meta jsonb;
ALTER TABLE call_permissions ADD COLUMN meta_synced_at timestamptz;

-- Down Migration
ALTER TABLE call_permissions DROP COLUMN meta_synced_at;
ALTER TABLE call_permissions DROP COLUMN meta;
