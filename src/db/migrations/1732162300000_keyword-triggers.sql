-- Up Migration

-- A customer's reply that matched one of its store's keywords ("FRAUDE", "NÃO FUI EU", a
-- quick-reply button): the conversation it opened for an agent, with its context, and the
-- store's callback it called (src/funnels/keywords).
CREATE TABLE keyword_triggers (
  id                 uuid PRIMARY KEY,
  account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  store_id           uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  contact_id         uuid NOT NULL,
  notification_id    uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  -- The customer's message; one trigger per message.
  message_id         uuid NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
  -- The configured word it matched, and what the customer sent (text or button title).
  keyword            text NOT NULL,
  matched_text       text NOT NULL,
  -- The agent the conversation was opened for (the contact's assigned agent), null: the whole account.
  agent_id           uuid,
  opened_conversation boolean NOT NULL,
  callback_url       text,
  -- none: no callback configured; pending: to start; started: its workflow runs; delivered; rejected (4xx); failed (gave up).
  callback_state     text NOT NULL CHECK (callback_state IN ('none', 'pending', 'started', 'delivered', 'rejected', 'failed')),
  callback_status    int,
  callback_error     text,
  callback_finished_at timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX keyword_triggers_store_idx ON keyword_triggers (store_id, created_at DESC);
CREATE INDEX keyword_triggers_pending_idx ON keyword_triggers (created_at) WHERE callback_state = 'pending';

-- Down Migration
DROP TABLE keyword_triggers;
