-- Up Migration

-- The inbox: one row per contact with messages, pointing at its newest message, so listing
-- conversations newest first is an index scan instead of a DISTINCT over every message.
CREATE TABLE conversations (
  account_id      uuid NOT NULL,
  contact_id      uuid NOT NULL,
  last_message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  last_message_at timestamptz NOT NULL,
  -- Every channel the contact and the business ever exchanged a message on (the ?channel= filter).
  channels        text[] NOT NULL,
  PRIMARY KEY (account_id, contact_id),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX conversations_recent_idx ON conversations (account_id, last_message_at, contact_id);

-- Kept by a trigger, because messages are written from many places (the API, the send and
-- dispatch activities, every channel's inbound handler, the funnels' outbox): none can forget it.
-- The same trigger tells agents' inboxes on commit (src/realtime reads this NOTIFY channel).
CREATE FUNCTION conversation_message_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversations (account_id, contact_id, last_message_id, last_message_at, channels)
  VALUES (NEW.account_id, NEW.contact_id, NEW.id, NEW.created_at, ARRAY[NEW.channel])
  ON CONFLICT (account_id, contact_id) DO UPDATE SET
    -- A provider's late delivery of an older message does not displace the newest one.
    last_message_id = CASE WHEN EXCLUDED.last_message_at >= conversations.last_message_at
                           THEN EXCLUDED.last_message_id ELSE conversations.last_message_id END,
    last_message_at = greatest(conversations.last_message_at, EXCLUDED.last_message_at),
    channels = CASE WHEN NEW.channel = ANY (conversations.channels)
                    THEN conversations.channels ELSE conversations.channels || NEW.channel END;
  PERFORM pg_notify('recado_events', json_build_object(
    'accountId', NEW.account_id,
    'type', 'conversation.updated',
    'data', json_build_object('contact_id', NEW.contact_id, 'message_id', NEW.id, 'direction', NEW.direction,
                              'channel', NEW.channel, 'at', NEW.created_at)
  )::text);
  RETURN NULL;
END $$;
CREATE TRIGGER messages_conversation AFTER INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION conversation_message_added();

INSERT INTO conversations (account_id, contact_id, last_message_id, last_message_at, channels)
  SELECT DISTINCT ON (m.account_id, m.contact_id) m.account_id, m.contact_id, m.id, m.created_at,
         (SELECT array_agg(DISTINCT x.channel) FROM messages x WHERE x.account_id = m.account_id AND x.contact_id = m.contact_id)
    FROM messages m
    JOIN contacts c ON c.account_id = m.account_id AND c.id = m.contact_id
   ORDER BY m.account_id, m.contact_id, m.created_at DESC, m.id DESC;

-- Where a reader last read a contact's conversation: an agent, or (API keys without an agent)
-- the account itself, so reader_id is an agent id or the account id.
CREATE TABLE conversation_reads (
  account_id uuid NOT NULL,
  reader_id  uuid NOT NULL,
  contact_id uuid NOT NULL,
  read_at    timestamptz NOT NULL,
  PRIMARY KEY (account_id, reader_id, contact_id),
  FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE conversation_reads;
DROP TRIGGER messages_conversation ON messages;
DROP FUNCTION conversation_message_added();
DROP TABLE conversations;
