-- Up Migration

-- The recording consent message on the call's timeline: sent (with the message id) or why not.
ALTER TABLE call_events DROP CONSTRAINT call_events_kind_check;
ALTER TABLE call_events ADD CONSTRAINT call_events_kind_check
  CHECK (kind IN ('dialing', 'ringing', 'answered', 'joined', 'left', 'muted', 'unmuted',
                  'recording_started', 'recording_gap', 'recording_stopped', 'consent_message', 'ended'));

-- Down Migration
DELETE FROM call_events WHERE kind = 'consent_message';
ALTER TABLE call_events DROP CONSTRAINT call_events_kind_check;
ALTER TABLE call_events ADD CONSTRAINT call_events_kind_check
  CHECK (kind IN ('dialing', 'ringing', 'answered', 'joined', 'left', 'muted', 'unmuted',
                  'recording_started', 'recording_gap', 'recording_stopped', 'ended'));
