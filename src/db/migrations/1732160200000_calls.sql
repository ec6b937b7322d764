-- Up Migration

-- One WhatsApp call, either direction. The call's workflow (id call-<id>) writes its state.
CREATE TABLE calls (
  id                 uuid PRIMARY KEY,
  account_id         uuid NOT NULL,
  whatsapp_number_id uuid NOT NULL,
  contact_id         uuid NOT NULL,
  direction          text NOT NULL CHECK (direction IN ('business_initiated', 'user_initiated')),
  state              text NOT NULL CHECK (state IN ('dialing', 'ringing', 'accepted', 'completed', 'rejected', 'not_answered', 'failed')),
  -- Meta's call id (wacid…); known once Meta answered the dial or sent the connect webhook
  whatsapp_call_id   text UNIQUE,
  room_name          text NOT NULL,
  -- who placed the call (business-initiated) or answered it (user-initiated)
  agent_id           uuid,
  end_reason         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  ringing_at         timestamptz,
  accepted_at        timestamptz,
  ended_at           timestamptz,
  duration_seconds   integer,
  FOREIGN KEY (account_id, whatsapp_number_id) REFERENCES whatsapp_numbers (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE,
  UNIQUE (account_id, id)
);
CREATE INDEX calls_ongoing_idx ON calls (account_id, created_at DESC) WHERE ended_at IS NULL;
-- The rolling 24 h quota counts connected business-initiated calls per number and customer.
CREATE INDEX calls_quota_idx ON calls (whatsapp_number_id, contact_id, accepted_at)
  WHERE direction = 'business_initiated' AND accepted_at IS NOT NULL;

-- Agents on a call: the one who placed or answered it, and the colleagues invited in.
CREATE TABLE call_participants (
  call_id    uuid NOT NULL,
  account_id uuid NOT NULL,
  agent_id   uuid NOT NULL,
  role       text NOT NULL CHECK (role IN ('host', 'invitee')),
  state      text NOT NULL CHECK (state IN ('invited', 'joined', 'declined', 'left', 'removed')),
  invited_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (call_id, agent_id),
  FOREIGN KEY (account_id, call_id) REFERENCES calls (account_id, id) ON DELETE CASCADE,
  FOREIGN KEY (account_id, agent_id) REFERENCES agents (account_id, id) ON DELETE CASCADE
);
CREATE INDEX call_participants_agent_idx ON call_participants (account_id, agent_id);

-- Down Migration
DROP TABLE call_participants;
DROP TABLE calls;
