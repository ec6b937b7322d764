-- Up Migration

-- The request headers a provider's handler reads besides the body (Shopify's topic and webhook id).
ALTER TABLE inbound_webhooks ADD COLUMN headers jsonb;

-- A store: a shop or payment gateway of an account that posts its webhooks to recado, each to
-- its own unguessable URL; its messages go out through a channel account (routing may pick a
-- cheaper channel).
CREATE TABLE stores (
  id                 uuid PRIMARY KEY,
  account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  platform           text NOT NULL CHECK (platform IN ('shopify', 'hotmart', 'pagarme', 'asaas', 'generic')),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  channel_account_id uuid NOT NULL,
  -- The path secret of its webhook URL (/v1/hooks/stores/{token}): 32 random bytes, base64url.
  webhook_token      text NOT NULL UNIQUE,
  -- Sealed JSON (src/secrets) of what authenticates the platform's deliveries (Shopify's webhook
  -- secret, Hotmart's hottok, Asaas's access token, Pagar.me's credentials).
  secrets            text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, id),
  FOREIGN KEY (account_id, channel_account_id) REFERENCES channel_accounts (account_id, id) ON DELETE RESTRICT
);

-- Every event a store's deliveries held, as recado read it. A delivery nothing could be read
-- from is an `invalid` inbound_webhooks row (route_hint = the store) and listed from there.
CREATE TABLE store_events (
  id                  bigserial PRIMARY KEY,
  store_id            uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  account_id          uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  webhook_id          bigint NOT NULL REFERENCES inbound_webhooks (id) ON DELETE CASCADE,
  dedupe_key          text NOT NULL,
  status              text NOT NULL CHECK (status IN ('mapped', 'unmapped', 'duplicate', 'ignored')),
  reason              text,
  platform_event_type text NOT NULL,
  canonical_type      text,
  contact_id          uuid,
  order_id            text,
  cart_id             text,
  event               jsonb,
  received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX store_events_listing_idx ON store_events (store_id, status, id DESC);
CREATE INDEX store_events_contact_idx ON store_events (account_id, contact_id);

-- Down Migration
DROP TABLE store_events;
DROP TABLE stores;
ALTER TABLE inbound_webhooks DROP COLUMN headers;
