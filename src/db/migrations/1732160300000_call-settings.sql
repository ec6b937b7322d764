-- Up Migration

-- Each number's calling settings: Meta's `calling` object (POST /{phone-number-id}/settings) as
-- the admin last saved it, and whether Meta took it. What customers see is Meta's copy; this one
-- is what was asked for, what the calling workflows read, and what a retry pushes again.
-- A row may exist without settings: the admin confirmed the `calls` webhook subscription first.
CREATE TABLE call_settings (
  account_id                 uuid NOT NULL,
  whatsapp_number_id         uuid PRIMARY KEY,
  settings                   jsonb,
  -- Bumped on every save: a push records its outcome only if no newer save overtook it.
  revision                   integer NOT NULL DEFAULT 0,
  -- When Meta accepted this revision; NULL while not pushed or refused.
  pushed_at                  timestamptz,
  -- Meta's refusal of this revision ({name, code, subcode, message, details, fbtrace_id, ...}).
  push_error                 jsonb,
  -- The app's subscription to the `calls` webhook field cannot be read with the number's
  -- token, so an admin confirms it (readiness check).
  calls_webhook_subscribed   boolean NOT NULL DEFAULT false,
  calls_webhook_updated_at   timestamptz,
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  CHECK (pushed_at IS NULL OR push_error IS NULL),
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE call_settings;
