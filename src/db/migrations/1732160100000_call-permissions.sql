-- Up Migration

-- The approved template (with a call_permission_request component) sent when the customer's
-- 24 h window is closed: {"name": "...", "language": "pt_BR"}.
ALTER TABLE whatsapp_numbers ADD COLUMN call_permission_template jsonb;

-- Mirror of each callPermissionWorkflow's state, for listing and reading without Temporal.
-- The workflow (id call-permission-<number id>-<contact id>) is the writer.
CREATE TABLE call_permissions (
  account_id            uuid NOT NULL,
  whatsapp_number_id    uuid NOT NULL,
  contact_id            uuid NOT NULL,
  status                text NOT NULL CHECK (status IN ('none', 'pending', 'granted', 'expired', 'revoked', 'denied')),
  state                 jsonb NOT NULL,
  expires_at            timestamptz,
  requested_by_agent_id uuid,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (whatsapp_number_id, contact_id),
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX call_permissions_account_idx ON call_permissions (account_id, status);

-- Every permission request sent: Meta limits them per business + user (1 a day, 2 a week).
CREATE TABLE call_permission_requests (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id         uuid NOT NULL,
  whatsapp_number_id uuid NOT NULL,
  contact_id         uuid NOT NULL,
  agent_id           uuid,
  message_id         uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  requested_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX call_permission_requests_pair_idx ON call_permission_requests (whatsapp_number_id, contact_id, requested_at DESC);

-- Down Migration
DROP TABLE call_permission_requests;
DROP TABLE call_permissions;
ALTER TABLE whatsapp_numbers DROP COLUMN call_permission_template;
