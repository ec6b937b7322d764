-- Up Migration

-- A device of a customer that has the business's app (a channel account of channel 'app'): the
-- token FCM (or the app's own push service) addresses it by. Registered by the business's backend
-- (PUT /v1/app-devices); pruned when FCM answers UNREGISTERED. A contact with none left no longer
-- has the app installed.
CREATE TABLE app_devices (
  account_id         uuid NOT NULL,
  contact_id         uuid NOT NULL,
  channel_account_id uuid NOT NULL,
  -- The app's own user id: the contact's identity of kind 'app'; pushes are addressed by it.
  app_user_id        text NOT NULL CHECK (length(app_user_id) BETWEEN 1 AND 200),
  token              text NOT NULL CHECK (length(token) BETWEEN 1 AND 4096),
  platform           text NOT NULL CHECK (platform IN ('android', 'ios', 'web', 'other')),
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_seen_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_account_id, token),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, channel_account_id) REFERENCES channel_accounts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX app_devices_user_idx ON app_devices (channel_account_id, app_user_id);
CREATE INDEX app_devices_contact_idx ON app_devices (account_id, contact_id);

-- Down Migration
DROP TABLE app_devices;
