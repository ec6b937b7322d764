-- Up Migration

-- A contact is a customer of one account, reachable over any channel. It was a WhatsApp wa_id;
-- now its ways of being found are identities, each unique per account.
CREATE TABLE contact_identities (
  account_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  -- phone: E.164 (+5511987654321); email: lower-case; whatsapp: Meta's wa_id; telegram: chat id; app: the app's user id
  kind       text NOT NULL CHECK (kind IN ('phone', 'email', 'whatsapp', 'telegram', 'app')),
  value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 320),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, kind, value),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (account_id, contact_id);
INSERT INTO contact_identities (account_id, contact_id, kind, value, created_at)
  SELECT account_id, id, 'whatsapp', wa_id, created_at FROM contacts;

-- When the customer last wrote to us and we to them, per channel. WhatsApp's 24 h
-- customer-service window runs from last_inbound_at of channel 'whatsapp'.
CREATE TABLE contact_channel_activity (
  account_id       uuid NOT NULL,
  contact_id       uuid NOT NULL,
  channel          text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'telegram', 'app')),
  last_inbound_at  timestamptz,
  last_outbound_at timestamptz,
  PRIMARY KEY (account_id, contact_id, channel),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_inbound_at)
  SELECT account_id, id, 'whatsapp', last_inbound_at FROM contacts WHERE last_inbound_at IS NOT NULL;

ALTER TABLE contacts
  DROP CONSTRAINT contacts_account_id_wa_id_key,
  DROP COLUMN wa_id,
  DROP COLUMN last_inbound_at,
  ADD COLUMN status             text,
  ADD COLUMN tags               text[] NOT NULL DEFAULT '{}',
  ADD COLUMN involved_agent_ids uuid[] NOT NULL DEFAULT '{}',
  -- Whether each channel reaches the customer (app_installed: our app is on their phone).
  ADD COLUMN whatsapp_reachable boolean NOT NULL DEFAULT false,
  ADD COLUMN app_installed      boolean NOT NULL DEFAULT false,
  ADD COLUMN email_reachable    boolean NOT NULL DEFAULT false,
  ADD COLUMN telegram_reachable boolean NOT NULL DEFAULT false,
  -- Consent per message category: {"marketing": true, "utility": false}
  ADD COLUMN opt_ins            jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN order_number       text,
  ADD COLUMN quote_value        numeric(16, 2),
  ADD COLUMN quote_status       text,
  ADD COLUMN erp_synced_at      timestamptz,
  -- Values of the account's declared custom attributes: {"region": "sul", "score": 7}
  ADD COLUMN attributes         jsonb NOT NULL DEFAULT '{}',
  -- Bumped by every change (trigger below): what the index holds is compared against it.
  ADD COLUMN revision           bigint NOT NULL DEFAULT 1;
UPDATE contacts SET whatsapp_reachable = true;

-- Custom attributes an account declares, so they can be filtered and sorted in search.
CREATE TABLE contact_attribute_definitions (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  type       text NOT NULL CHECK (type IN ('string', 'number', 'boolean', 'date', 'string_list')),
  label      text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);

-- Contacts whose search document is stale. One row per contact, so a burst of updates to one
-- contact collapses into one row; `version` counts the changes, and a drain removes the row only
-- if no change arrived after it read the contact. No foreign key: an erased contact's row stays
-- until its document is deleted.
CREATE TABLE contact_index_outbox (
  contact_id      uuid PRIMARY KEY,
  account_id      uuid NOT NULL,
  version         bigint NOT NULL DEFAULT 1,
  -- the oldest change the index does not show yet
  dirty_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- not before (retry backoff after Typesense rejected the document)
  available_at    timestamptz NOT NULL DEFAULT '-infinity',
  claimed_by      text,
  claimed_version bigint,
  claimed_at      timestamptz,
  claimed_until   timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text
);
CREATE INDEX contact_index_outbox_dirty_idx ON contact_index_outbox (dirty_at);

-- Contacts Typesense kept rejecting: left out of the index, with the reason, until changed again.
CREATE TABLE contact_index_parked (
  contact_id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  reason     text NOT NULL,
  attempts   integer NOT NULL,
  parked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_index_parked_account_idx ON contact_index_parked (account_id, parked_at DESC);

-- Who erased whom and when (LGPD), without the personal data.
CREATE TABLE contact_erasures (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  contact_id   uuid NOT NULL,
  erased_by    jsonb NOT NULL,
  erased_at    timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  summary      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX contact_erasures_account_idx ON contact_erasures (account_id, erased_at DESC);

-- Every write to a contact, its identities or its channel activity marks it dirty in the
-- same transaction: no write path can forget to, and none is lost between Postgres and the index.
CREATE FUNCTION mark_contact_dirty(p_account_id uuid, p_contact_id uuid) RETURNS void LANGUAGE sql AS $$
  INSERT INTO contact_index_outbox (contact_id, account_id) VALUES (p_contact_id, p_account_id)
  ON CONFLICT (contact_id) DO UPDATE SET version = contact_index_outbox.version + 1;
$$;

CREATE FUNCTION contacts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW IS NOT DISTINCT FROM OLD THEN RETURN NEW; END IF;
    NEW.revision := OLD.revision + 1;
    NEW.updated_at := now();
  END IF;
  IF TG_OP = 'DELETE' THEN
    PERFORM mark_contact_dirty(OLD.account_id, OLD.id);
    RETURN OLD;
  END IF;
  PERFORM mark_contact_dirty(NEW.account_id, NEW.id);
  RETURN NEW;
END;
$$;
CREATE TRIGGER contacts_mark_dirty BEFORE INSERT OR UPDATE OR DELETE ON contacts
  FOR EACH ROW EXECUTE FUNCTION contacts_changed();

CREATE FUNCTION contact_part_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM mark_contact_dirty(OLD.account_id, OLD.contact_id);
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN RETURN NEW; END IF;
  PERFORM mark_contact_dirty(NEW.account_id, NEW.contact_id);
  RETURN NEW;
END;
$$;
CREATE TRIGGER contact_identities_mark_dirty AFTER INSERT OR UPDATE OR DELETE ON contact_identities
  FOR EACH ROW EXECUTE FUNCTION contact_part_changed();
CREATE TRIGGER contact_channel_activity_mark_dirty AFTER INSERT OR UPDATE OR DELETE ON contact_channel_activity
  FOR EACH ROW EXECUTE FUNCTION contact_part_changed();

-- Existing contacts enter the index.
INSERT INTO contact_index_outbox (contact_id, account_id) SELECT id, account_id FROM contacts;

-- Down Migration
DROP TRIGGER contact_channel_activity_mark_dirty ON contact_channel_activity;
DROP TRIGGER contact_identities_mark_dirty ON contact_identities;
DROP TRIGGER contacts_mark_dirty ON contacts;
DROP FUNCTION contact_part_changed();
DROP FUNCTION contacts_changed();
DROP FUNCTION mark_contact_dirty(uuid, uuid);
DROP TABLE contact_erasures;
DROP TABLE contact_index_parked;
DROP TABLE contact_index_outbox;
DROP TABLE contact_attribute_definitions;
ALTER TABLE contacts ADD COLUMN wa_id text, ADD COLUMN last_inbound_at timestamptz;
UPDATE contacts c SET wa_id = (SELECT value FROM contact_identities i
  WHERE i.account_id = c.account_id AND i.contact_id = c.id AND i.kind = 'whatsapp' ORDER BY created_at LIMIT 1);
UPDATE contacts c SET last_inbound_at = a.last_inbound_at FROM contact_channel_activity a
  WHERE a.account_id = c.account_id AND a.contact_id = c.id AND a.channel = 'whatsapp';
DELETE FROM contacts WHERE wa_id IS NULL;
ALTER TABLE contacts ALTER COLUMN wa_id SET NOT NULL, ADD UNIQUE (account_id, wa_id),
  DROP COLUMN status, DROP COLUMN tags, DROP COLUMN involved_agent_ids, DROP COLUMN whatsapp_reachable,
  DROP COLUMN app_installed, DROP COLUMN email_reachable, DROP COLUMN telegram_reachable, DROP COLUMN opt_ins,
  DROP COLUMN order_number, DROP COLUMN quote_value, DROP COLUMN quote_status, DROP COLUMN erp_synced_at,
  DROP COLUMN attributes, DROP COLUMN revision;
DROP TABLE contact_channel_activity;
DROP TABLE contact_identities;
