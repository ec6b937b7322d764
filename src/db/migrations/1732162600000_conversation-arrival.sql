-- Up Migration

-- The inbox's tie-break. An inbound WhatsApp message's created_at is Meta's timestamp in whole
-- seconds, so two customers who write in the same second share last_message_at; the contact id
-- then put the newer conversation second as often as not. `arrival` says which newest message
-- recado stored last: a sequence value the trigger takes whenever a conversation's newest message
-- changes. It is unique, so (last_message_at, arrival) orders the inbox and keys its pages alone.
CREATE SEQUENCE conversations_arrival_seq AS bigint;
ALTER TABLE conversations ADD COLUMN arrival bigint;
ALTER SEQUENCE conversations_arrival_seq OWNED BY conversations.arrival;

-- Rows from before keep the order the inbox showed them in: (last_message_at, contact_id).
UPDATE conversations c SET arrival = o.arrival
  FROM (SELECT account_id, contact_id, row_number() OVER (ORDER BY last_message_at, contact_id) AS arrival
          FROM conversations) o
 WHERE c.account_id = o.account_id AND c.contact_id = o.contact_id;
SELECT setval('conversations_arrival_seq', coalesce(max(arrival), 0) + 1, false) FROM conversations;

-- The default serves rows written without the trigger (bulk loads); the trigger takes its own.
ALTER TABLE conversations
  ALTER COLUMN arrival SET DEFAULT nextval('conversations_arrival_seq'),
  ALTER COLUMN arrival SET NOT NULL;

CREATE INDEX conversations_inbox_idx ON conversations (account_id, last_message_at DESC, arrival DESC);
DROP INDEX conversations_recent_idx;

-- As 1732162500000_conversations.sql wrote it, plus `arrival`, renewed with the newest message
-- (a late delivery of an older message leaves both alone).
CREATE OR REPLACE FUNCTION conversation_message_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversations (account_id, contact_id, last_message_id, last_message_at, channels, arrival)
  VALUES (NEW.account_id, NEW.contact_id, NEW.id, NEW.created_at, ARRAY[NEW.channel], nextval('conversations_arrival_seq'))
  ON CONFLICT (account_id, contact_id) DO UPDATE SET
    -- A provider's late delivery of an older message does not displace the newest one.
    last_message_id = CASE WHEN EXCLUDED.last_message_at >= conversations.last_message_at
                           THEN EXCLUDED.last_message_id ELSE conversations.last_message_id END,
    arrival = CASE WHEN EXCLUDED.last_message_at >= conversations.last_message_at
                   THEN EXCLUDED.arrival ELSE conversations.arrival END,
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

-- Down Migration
CREATE OR REPLACE FUNCTION conversation_message_added() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE INDEX conversations_recent_idx ON conversations (account_id, last_message_at, contact_id);
DROP INDEX conversations_inbox_idx;
-- Drops conversations_arrival_seq with it (OWNED BY).
ALTER TABLE conversations DROP COLUMN arrival;
