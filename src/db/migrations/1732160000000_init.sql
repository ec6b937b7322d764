-- Up Migration

-- Tenants. Every table holding customer data carries account_id and every query filters on it.
CREATE TABLE accounts (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name       text NOT NULL,
  email      text NOT NULL,
  role       text NOT NULL CHECK (role IN ('admin', 'agent')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, email),
  UNIQUE (account_id, id)
);

-- API keys: system-to-system keys (agent_id NULL) and agents' personal tokens.
-- Only a SHA-256 of the secret is stored; keys are 32 random bytes, so a slow hash adds nothing.
CREATE TABLE api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  agent_id     uuid,
  name         text NOT NULL,
  prefix       text NOT NULL,
  key_hash     bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  FOREIGN KEY (account_id, agent_id) REFERENCES agents (account_id, id) ON DELETE CASCADE
);

-- A WhatsApp Business phone number connected to an account. phone_number_id is Meta's id and
-- is globally unique: inbound webhooks are routed to the account through it.
CREATE TABLE whatsapp_numbers (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id           uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  phone_number_id      text NOT NULL UNIQUE,
  waba_id              text NOT NULL,
  display_phone_number text NOT NULL,
  access_token         text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, id)
);

CREATE TABLE contacts (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  wa_id           text NOT NULL,
  name            text,
  last_inbound_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, wa_id),
  UNIQUE (account_id, id)
);

CREATE TABLE messages (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id          uuid NOT NULL,
  contact_id          uuid NOT NULL,
  whatsapp_number_id  uuid NOT NULL,
  direction           text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
  type                text NOT NULL,
  -- outbound: the Graph API request body; inbound: the message object from the webhook
  body                jsonb NOT NULL,
  state               text NOT NULL CHECK (state IN ('queued', 'sending', 'retrying', 'accepted', 'sent', 'delivered', 'read', 'failed', 'received')),
  provider_message_id text UNIQUE,
  idempotency_key     text,
  send_attempts       integer NOT NULL DEFAULT 0,
  attempt_started_at  timestamptz,
  error               jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  accepted_at         timestamptz,
  sent_at             timestamptz,
  delivered_at        timestamptz,
  read_at             timestamptz,
  failed_at           timestamptz,
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX messages_contact_idx ON messages (account_id, contact_id, created_at DESC);

-- Every webhook delivery, stored before it is acknowledged. Invalid ones are kept with the reason.
CREATE TABLE inbound_webhooks (
  id           bigserial PRIMARY KEY,
  provider     text NOT NULL,
  account_id   uuid REFERENCES accounts (id) ON DELETE SET NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  raw_body     text NOT NULL,
  status       text NOT NULL CHECK (status IN ('received', 'processed', 'invalid', 'failed')),
  error        text,
  attempts     integer NOT NULL DEFAULT 0,
  processed_at timestamptz
);
CREATE INDEX inbound_webhooks_pending_idx ON inbound_webhooks (received_at) WHERE status IN ('received', 'failed');
CREATE INDEX inbound_webhooks_account_idx ON inbound_webhooks (account_id, status, received_at DESC);

-- One row per provider event (Meta redelivers): the primary key is the de-duplication.
CREATE TABLE webhook_events (
  provider    text NOT NULL,
  dedupe_key  text NOT NULL,
  webhook_id  bigint NOT NULL REFERENCES inbound_webhooks (id) ON DELETE CASCADE,
  account_id  uuid REFERENCES accounts (id) ON DELETE CASCADE,
  kind        text NOT NULL,
  handled     boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, dedupe_key)
);
CREATE INDEX webhook_events_kind_idx ON webhook_events (account_id, kind, created_at DESC);

-- Down Migration
DROP TABLE webhook_events;
DROP TABLE inbound_webhooks;
DROP TABLE messages;
DROP TABLE contacts;
DROP TABLE whatsapp_numbers;
DROP TABLE api_keys;
DROP TABLE agents;
DROP TABLE accounts;
