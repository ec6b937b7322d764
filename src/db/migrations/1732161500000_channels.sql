-- Up Migration

-- A channel account: a WhatsApp number, a mailbox, a Telegram bot, an app. Every message goes
-- out through one and comes in through one.
CREATE TABLE channel_accounts (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  channel    text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'telegram', 'app')),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- What inbound traffic is routed by: phone_number_id, mailbox address, bot id, app id.
  address    text NOT NULL,
  settings   jsonb NOT NULL DEFAULT '{}',
  -- Sealed JSON (src/secrets) of the secret settings: SMTP/IMAP password, bot token, service account key.
  secrets    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, id),
  UNIQUE (channel, address)
);

-- A WhatsApp number is the channel account with the same id; whatsapp_numbers keeps what calls need.
INSERT INTO channel_accounts (id, account_id, channel, name, address, created_at)
  SELECT id, account_id, 'whatsapp', display_phone_number, phone_number_id, created_at FROM whatsapp_numbers;

CREATE FUNCTION whatsapp_number_channel_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO channel_accounts (id, account_id, channel, name, address, created_at)
    VALUES (NEW.id, NEW.account_id, 'whatsapp', NEW.display_phone_number, NEW.phone_number_id, NEW.created_at)
    ON CONFLICT (id) DO NOTHING;
    RETURN NEW;
  END IF;
  DELETE FROM channel_accounts WHERE id = OLD.id;
  RETURN OLD;
END $$;
CREATE TRIGGER whatsapp_numbers_channel_account AFTER INSERT OR DELETE ON whatsapp_numbers
  FOR EACH ROW EXECUTE FUNCTION whatsapp_number_channel_account();

-- A routed message: one logical message to a contact that routing sends on the cheapest channel
-- that reaches them, falling back to the next. Each channel tried is one messages row.
CREATE TABLE dispatches (
  id              uuid PRIMARY KEY,
  account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  contact_id      uuid NOT NULL,
  category        text NOT NULL CHECK (category IN ('transactional', 'utility', 'marketing', 'service_reply')),
  content         jsonb NOT NULL,
  -- The channel accounts routing may use, in order, as planned when the dispatch was created.
  plan            jsonb NOT NULL,
  state           text NOT NULL DEFAULT 'routing' CHECK (state IN ('routing', 'delivered', 'sent', 'undelivered')),
  -- The messages row that reached the customer.
  message_id      uuid,
  idempotency_key text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  UNIQUE (account_id, id),
  UNIQUE (account_id, idempotency_key),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX dispatches_contact_idx ON dispatches (account_id, contact_id, created_at DESC);

ALTER TABLE messages RENAME COLUMN whatsapp_number_id TO channel_account_id;
ALTER TABLE messages
  DROP CONSTRAINT messages_account_id_whatsapp_number_id_fkey,
  DROP CONSTRAINT messages_provider_message_id_key,
  ADD COLUMN channel text NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp', 'email', 'telegram', 'app')),
  ADD COLUMN dispatch_id uuid REFERENCES dispatches (id) ON DELETE CASCADE,
  -- The channel-neutral content the body was rendered from (outbound sends made from content).
  ADD COLUMN content jsonb,
  -- Cost ledger: what the message cost, and what it would have cost as a WhatsApp template.
  ADD COLUMN category text CHECK (category IN ('transactional', 'utility', 'marketing', 'service_reply')),
  ADD COLUMN destination_country text,
  ADD COLUMN pricing text,
  ADD COLUMN cost numeric(14, 6),
  ADD COLUMN template_cost numeric(14, 6),
  ADD COLUMN currency text,
  ADD FOREIGN KEY (account_id, channel_account_id) REFERENCES channel_accounts (account_id, id) ON DELETE CASCADE,
  -- Provider ids are unique per channel account: one customer's e-mail to two connected mailboxes
  -- is a message in each (outbound ids — wamid, recado's Message-ID — are unique by construction).
  ADD CONSTRAINT messages_channel_account_provider_message_id_key UNIQUE (channel_account_id, provider_message_id),
  -- Routing never sends one message twice on one channel.
  ADD CONSTRAINT messages_dispatch_channel_key UNIQUE (dispatch_id, channel);
ALTER TABLE messages ALTER COLUMN channel DROP DEFAULT;
-- Receipts find their message by the provider's id on the channel.
CREATE INDEX messages_channel_provider_message_id_idx ON messages (channel, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_cost_idx ON messages (account_id, created_at) WHERE direction = 'outbound';

-- The customer-service window per contact per channel account (WhatsApp: per number): it closes
-- 24 h after the customer's last message to that number.
CREATE TABLE service_windows (
  account_id         uuid NOT NULL,
  contact_id         uuid NOT NULL,
  channel_account_id uuid NOT NULL,
  last_inbound_at    timestamptz NOT NULL,
  PRIMARY KEY (account_id, contact_id, channel_account_id),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, channel_account_id) REFERENCES channel_accounts (account_id, id) ON DELETE CASCADE
);
INSERT INTO service_windows (account_id, contact_id, channel_account_id, last_inbound_at)
  SELECT account_id, contact_id, channel_account_id, max(created_at) FROM messages
   WHERE direction = 'inbound' GROUP BY account_id, contact_id, channel_account_id;

-- An account's routing policy: per message category, the route steps in order (absent: the default).
CREATE TABLE routing_policies (
  account_id uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  policy     jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Who a delivery is addressed to when its body does not say: the channel account named by the
-- webhook URL (Telegram, app receipts) or read by a poller (IMAP, getUpdates).
ALTER TABLE inbound_webhooks ADD COLUMN route_hint text;

-- Down Migration
ALTER TABLE inbound_webhooks DROP COLUMN route_hint;
DROP TABLE routing_policies;
DROP TABLE service_windows;
DROP INDEX messages_cost_idx;
DROP INDEX messages_channel_provider_message_id_idx;
DELETE FROM messages WHERE channel <> 'whatsapp';
ALTER TABLE messages
  DROP CONSTRAINT messages_dispatch_channel_key,
  DROP CONSTRAINT messages_channel_account_provider_message_id_key,
  DROP CONSTRAINT messages_account_id_channel_account_id_fkey,
  DROP COLUMN currency, DROP COLUMN template_cost, DROP COLUMN cost, DROP COLUMN pricing,
  DROP COLUMN destination_country, DROP COLUMN category, DROP COLUMN content, DROP COLUMN dispatch_id, DROP COLUMN channel,
  ADD CONSTRAINT messages_provider_message_id_key UNIQUE (provider_message_id);
ALTER TABLE messages RENAME COLUMN channel_account_id TO whatsapp_number_id;
ALTER TABLE messages ADD CONSTRAINT messages_account_id_whatsapp_number_id_fkey
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE;
DROP TABLE dispatches;
DROP TRIGGER whatsapp_numbers_channel_account ON whatsapp_numbers;
DROP FUNCTION whatsapp_number_channel_account();
DROP TABLE channel_accounts;
