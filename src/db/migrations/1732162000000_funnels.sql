-- Up Migration

-- A store can be deleted (its funnels and pending sends are cancelled; its history stays) or
-- disconnected (its funnels pause and its queued messages wait until it is connected again).
-- `rules`: the store's dispatch rules (README "Dispatch rules"): pacing, quiet hours, frequency
-- cap, reply keywords and the callback they call.
ALTER TABLE stores
  ADD COLUMN deleted_at      timestamptz,
  ADD COLUMN disconnected_at timestamptz,
  ADD COLUMN rules           jsonb NOT NULL DEFAULT '{}';

-- An instance (channel account) can be disconnected: its outbox holds until it is back.
ALTER TABLE channel_accounts ADD COLUMN disconnected_at timestamptz;

-- The account's plan names its daily message limit and what happens over it (config PLANS).
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'standard';

-- IANA time zone of a contact when known (quiet hours); otherwise derived from the phone.
ALTER TABLE contacts ADD COLUMN time_zone text;

-- A store's message for one canonical event (and optionally one step of its funnel), in one or
-- more A/B variants. Disabled: the event is recorded but sends nothing.
CREATE TABLE store_templates (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  store_id      uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  event_type    text NOT NULL,
  -- The funnel step it is for (0 = first message); NULL = every step without its own template.
  step          int CHECK (step >= 0),
  variant       text NOT NULL DEFAULT 'A' CHECK (variant ~ '^[A-Za-z0-9_-]{1,20}$'),
  weight        int NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 1000),
  enabled       boolean NOT NULL DEFAULT true,
  category      text NOT NULL CHECK (category IN ('marketing', 'utility')),
  -- { header?, body, footer?, buttons?: [{type: reply|url, text, url?}] } with {{variables}}.
  content       jsonb NOT NULL,
  -- The approved Meta template it goes out as outside the 24 h window: {name, language, status, category, components, synced_at}.
  meta_template jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX store_templates_variant_idx ON store_templates (store_id, event_type, coalesce(step, -1), variant);

-- A store's configuration of one funnel (steps and delays); absent: the documented defaults.
CREATE TABLE store_funnels (
  store_id   uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  funnel     text NOT NULL,
  enabled    boolean NOT NULL DEFAULT true,
  config     jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, funnel)
);

-- One running funnel: a Temporal workflow with the same id, keyed by (store, funnel, order or cart).
CREATE TABLE funnels (
  id          text PRIMARY KEY,
  account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  store_id    uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  contact_id  uuid NOT NULL,
  funnel      text NOT NULL,
  -- The order or cart id (or the event's key for events without one).
  subject     text NOT NULL,
  state       text NOT NULL DEFAULT 'starting' CHECK (state IN ('starting', 'running', 'completed', 'stopped', 'cancelled')),
  step        int NOT NULL DEFAULT 0,
  reason      text,
  -- The canonical event that started it, updated by later events of the same order (boleto printed…).
  event       jsonb NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX funnels_open_idx ON funnels (store_id, contact_id, funnel) WHERE state IN ('starting', 'running');
CREATE INDEX funnels_subject_idx ON funnels (store_id, subject);
CREATE INDEX funnels_starting_idx ON funnels (started_at) WHERE state = 'starting';

ALTER TABLE store_events ADD COLUMN funnel_id text;
CREATE INDEX store_events_order_idx ON store_events (store_id, order_id, canonical_type) WHERE order_id IS NOT NULL;

-- The paced outbox: every funnel message waits here, per instance (channel account), until the
-- dispatch rules let it go; then it becomes a routed message (dispatch).
CREATE TABLE notifications (
  id                 uuid PRIMARY KEY,
  account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  store_id           uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  channel_account_id uuid NOT NULL,
  contact_id         uuid NOT NULL,
  funnel_id          text NOT NULL REFERENCES funnels (id) ON DELETE CASCADE,
  step               int NOT NULL,
  event_type         text NOT NULL,
  template_id        uuid REFERENCES store_templates (id) ON DELETE SET NULL,
  variant            text,
  -- The message category routing and the rules use (utility covers transactional alerts).
  category           text NOT NULL CHECK (category IN ('transactional', 'utility', 'marketing')),
  content            jsonb NOT NULL,
  state              text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'expired', 'refused', 'suppressed', 'cancelled')),
  -- Why it waits (quiet hours, daily limit…), or why it was refused, suppressed, expired or cancelled.
  reason             text,
  not_before         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  dispatch_id        uuid REFERENCES dispatches (id) ON DELETE SET NULL,
  sent_at            timestamptz,
  replied_at         timestamptz,
  clicked_at         timestamptz,
  converted_at       timestamptz,
  revenue_minor      bigint,
  revenue_currency   text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (funnel_id, step)
);
CREATE INDEX notifications_outbox_idx ON notifications (channel_account_id, not_before) WHERE state = 'queued';
CREATE INDEX notifications_contact_idx ON notifications (account_id, contact_id, sent_at DESC);
CREATE INDEX notifications_store_idx ON notifications (store_id, created_at DESC);

-- A link in a notification, sent as recado's redirect (GET /r/{token}) so clicks are counted.
CREATE TABLE tracked_links (
  token            text PRIMARY KEY,
  notification_id  uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  url              text NOT NULL,
  clicks           int NOT NULL DEFAULT 0,
  first_clicked_at timestamptz,
  last_clicked_at  timestamptz
);
CREATE INDEX tracked_links_notification_idx ON tracked_links (notification_id);

-- Down Migration
DROP TABLE tracked_links;
DROP TABLE notifications;
ALTER TABLE store_events DROP COLUMN funnel_id;
DROP TABLE funnels;
DROP TABLE store_funnels;
DROP TABLE store_templates;
ALTER TABLE contacts DROP COLUMN time_zone;
ALTER TABLE accounts DROP COLUMN plan;
ALTER TABLE channel_accounts DROP COLUMN disconnected_at;
ALTER TABLE stores DROP COLUMN rules, DROP COLUMN disconnected_at, DROP COLUMN deleted_at;
