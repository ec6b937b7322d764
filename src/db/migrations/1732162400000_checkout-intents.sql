-- Up Migration

-- An account's CRM (src/crm): where checkout intents become persons, deals and follow-ups.
CREATE TABLE crm_connections (
  id             uuid PRIMARY KEY,
  account_id     uuid NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
  provider       text NOT NULL CHECK (provider IN ('pipedrive')),
  -- The CRM's own ids; the CRM's default pipeline and its first stage when null.
  pipeline_id    text,
  stage_id       text,
  -- The CRM's activity type for the follow-up of an unpaid checkout (Pipedrive: call, task…).
  activity_type  text,
  -- Sealed (src/secrets, for this row's id): { api_token }.
  secrets        text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- What a store sells through the hosted checkout form: the page at /checkout/<id>.
CREATE TABLE checkout_forms (
  id               uuid PRIMARY KEY,
  account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  store_id         uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  product          text NOT NULL,
  plan             text,
  amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
  currency         text NOT NULL,
  abandon_after_ms bigint,
  created_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);
CREATE INDEX checkout_forms_account_idx ON checkout_forms (account_id, created_at DESC);

-- A customer about to pay: the lead captured before the gateway, its payment link, where its
-- payment stands (new → open → paid | abandoned → paid | expired) and where the CRM stands.
CREATE TABLE checkout_intents (
  id                uuid PRIMARY KEY,
  account_id        uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  store_id          uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  form_id           uuid REFERENCES checkout_forms (id) ON DELETE SET NULL,
  contact_id        uuid NOT NULL,
  name              text NOT NULL,
  email             text NOT NULL,
  phone             text NOT NULL,
  product           text NOT NULL,
  plan              text,
  amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
  currency          text NOT NULL,
  gateway           text NOT NULL CHECK (gateway IN ('pagarme', 'asaas')),
  -- The gateway's id for the link (Pagar.me order or_…, Asaas payment pay_…): its webhooks name it.
  gateway_reference text,
  payment_url       text,
  state             text NOT NULL CHECK (state IN ('new', 'open', 'paid', 'abandoned', 'expired')),
  abandon_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  paid_at           timestamptz,
  abandoned_at      timestamptz,
  -- The abandoned-checkout funnel it started.
  funnel_id         text,
  -- none: no CRM connected; pending: the CRM is behind; synced; parked: gave up until resumed.
  crm_state         text NOT NULL CHECK (crm_state IN ('none', 'pending', 'synced', 'parked')),
  crm_error         text,
  crm_parked_at     timestamptz,
  crm_person_id     text,
  crm_deal_id       text,
  crm_won_at        timestamptz,
  crm_follow_up_id  text,
  workflow_started_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX checkout_intents_reference_idx ON checkout_intents (store_id, gateway_reference) WHERE gateway_reference IS NOT NULL;
CREATE INDEX checkout_intents_account_idx ON checkout_intents (account_id, created_at DESC, id);
CREATE INDEX checkout_intents_contact_idx ON checkout_intents (account_id, contact_id, created_at DESC);
CREATE INDEX checkout_intents_parked_idx ON checkout_intents (account_id) WHERE crm_state = 'parked';
CREATE INDEX checkout_intents_unstarted_idx ON checkout_intents (created_at) WHERE workflow_started_at IS NULL AND state = 'open';

-- Down Migration
DROP TABLE checkout_intents;
DROP TABLE checkout_forms;
DROP TABLE crm_connections;
