-- Up Migration

-- Presence: refreshed while an agent's realtime stream is open; "online" = seen in the last minute.
ALTER TABLE agents ADD COLUMN last_seen_at timestamptz;
-- The agent responsible for the customer: rings first when the customer calls.
ALTER TABLE contacts ADD COLUMN assigned_agent_id uuid;
ALTER TABLE contacts ADD FOREIGN KEY (account_id, assigned_agent_id) REFERENCES agents (account_id, id) ON DELETE SET NULL (assigned_agent_id);

-- Customers who may not call the business (spam): their calls are rejected.
CREATE TABLE blocked_callers (
  account_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  blocked_by uuid,
  blocked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, contact_id),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);

-- "Call me back": a missed or out-of-hours call becomes a task for the agents involved with the customer.
CREATE TABLE callback_tasks (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id         uuid NOT NULL,
  whatsapp_number_id uuid NOT NULL,
  contact_id         uuid NOT NULL,
  call_id            uuid,
  reason             text NOT NULL CHECK (reason IN ('missed', 'outside_hours', 'calling_disabled')),
  state              text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
  assigned_agent_ids uuid[] NOT NULL DEFAULT '{}',
  -- when the business can call back (opening time), if known
  call_back_after    timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  done_at            timestamptz,
  done_by            uuid,
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX callback_tasks_open_idx ON callback_tasks (account_id, created_at DESC) WHERE state = 'open';
-- One task per call.
CREATE UNIQUE INDEX callback_tasks_call_idx ON callback_tasks (call_id) WHERE call_id IS NOT NULL;

-- Down Migration
DROP TABLE callback_tasks;
DROP TABLE blocked_callers;
ALTER TABLE contacts DROP COLUMN assigned_agent_id;
ALTER TABLE agents DROP COLUMN last_seen_at;
