-- Up Migration

-- Calls with real audio: each account's recording policy, every call's timeline, its recordings
-- (one file per speaker and a mixed one), the post-call steps (transcription, summary) and who
-- downloaded which recording.

-- Recording policy per account; no row means the defaults (recorded, kept 90 days, no consent message).
CREATE TABLE call_recording_settings (
  account_id      uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  enabled         boolean NOT NULL DEFAULT true,
  -- NULL: kept until the contact is erased
  retention_days  integer CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 3650),
  -- Told to the customer when the call is answered (the agent reads it or a prompt plays it).
  consent_message text CHECK (consent_message IS NULL OR length(consent_message) <= 1000),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- What happened during a call, in order: dialing, ringing, answered, each participant's
-- join/leave/mute, recording gaps, ended. `at` is when it happened, `seq` breaks ties.
CREATE TABLE call_events (
  seq         bigserial PRIMARY KEY,
  account_id  uuid NOT NULL,
  call_id     uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('dialing', 'ringing', 'answered', 'joined', 'left', 'muted', 'unmuted',
                                            'recording_started', 'recording_gap', 'recording_stopped', 'ended')),
  -- the LiveKit participant identity (customer or agent) the event is about, if any
  participant text,
  agent_id    uuid,
  at          timestamptz NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  -- The same event reported twice (an activity retried) is stored once.
  dedup_key   text,
  FOREIGN KEY (account_id, call_id) REFERENCES calls (account_id, id) ON DELETE CASCADE
);
CREATE INDEX call_events_call_idx ON call_events (call_id, at, seq);
CREATE UNIQUE INDEX call_events_dedup_idx ON call_events (call_id, dedup_key) WHERE dedup_key IS NOT NULL;

-- One recorded file of a call: a speaker's own track, or everyone mixed.
CREATE TABLE call_recordings (
  id                   uuid PRIMARY KEY,
  account_id           uuid NOT NULL,
  call_id              uuid NOT NULL,
  kind                 text NOT NULL CHECK (kind IN ('speaker', 'mixed')),
  -- speaker files: who speaks in it
  speaker              text CHECK (speaker IN ('customer', 'agent')),
  agent_id             uuid,
  participant_identity text,
  -- where the bytes are (RecordingStorage key) and what they are
  storage_key          text NOT NULL,
  content_type         text NOT NULL,
  bytes                bigint NOT NULL CHECK (bytes >= 0),
  duration_ms          integer NOT NULL CHECK (duration_ms >= 0),
  sample_rate          integer NOT NULL,
  channels             integer NOT NULL DEFAULT 1,
  -- where the file's first sample falls, from the call's answer (every file of a call shares that origin)
  offset_ms            integer NOT NULL DEFAULT 0,
  -- stretches the recorder could not hear (a restart): [{from_ms, to_ms, reason}] from the call's answer, filled with silence
  gaps                 jsonb NOT NULL DEFAULT '[]',
  -- egress (LiveKit Egress) or participant (the built-in recorder)
  recorder             text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  -- when retention removes it
  expires_at           timestamptz,
  CHECK ((kind = 'speaker') = (speaker IS NOT NULL)),
  UNIQUE (call_id, storage_key),
  FOREIGN KEY (account_id, call_id) REFERENCES calls (account_id, id) ON DELETE CASCADE
);
CREATE INDEX call_recordings_call_idx ON call_recordings (call_id);
CREATE INDEX call_recordings_expiry_idx ON call_recordings (expires_at) WHERE expires_at IS NOT NULL;

-- The post-call workflow's result (workflow id postcall-<call id>): each step's status and the
-- transcript and summary it produced.
CREATE TABLE call_postcall (
  call_id              uuid PRIMARY KEY,
  account_id           uuid NOT NULL,
  recording_status     text NOT NULL DEFAULT 'pending' CHECK (recording_status IN ('pending', 'done', 'failed', 'skipped')),
  recording_reason     text,
  transcription_status text NOT NULL DEFAULT 'pending' CHECK (transcription_status IN ('pending', 'done', 'failed', 'skipped')),
  transcription_reason text,
  summary_status       text NOT NULL DEFAULT 'pending' CHECK (summary_status IN ('pending', 'done', 'failed', 'skipped')),
  summary_reason       text,
  -- [{speaker: 'customer'|'agent', agent_id, name, start_ms, end_ms, text}], ordered by start_ms
  transcript           jsonb,
  transcription_model  text,
  -- {reason, outcome, next_steps[], sentiment, follow_up_date, generated_by}
  summary              jsonb,
  summary_model        text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (account_id, call_id) REFERENCES calls (account_id, id) ON DELETE CASCADE
);

-- One transcribed piece of a recording (a file split to the API's 25 MB limit is several): the
-- workflow resumed after a crash finds it here and does not transcribe it again.
CREATE TABLE call_transcript_parts (
  recording_id uuid NOT NULL REFERENCES call_recordings (id) ON DELETE CASCADE,
  part         integer NOT NULL,
  account_id   uuid NOT NULL,
  call_id      uuid NOT NULL,
  -- the part's start within the recording, ms
  offset_ms    integer NOT NULL,
  -- [{start_ms, end_ms, text}] relative to the call's answer
  segments     jsonb NOT NULL,
  model        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, part)
);

-- Every recording download: who, which bytes, when.
CREATE TABLE recording_downloads (
  seq          bigserial PRIMARY KEY,
  account_id   uuid NOT NULL,
  call_id      uuid NOT NULL,
  recording_id uuid NOT NULL,
  -- the API key (or agent) that asked
  actor        text NOT NULL,
  range_header text,
  status       integer NOT NULL,
  bytes_sent   bigint NOT NULL DEFAULT 0,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_downloads_account_idx ON recording_downloads (account_id, at DESC);

-- Down Migration
DROP TABLE recording_downloads;
DROP TABLE call_transcript_parts;
DROP TABLE call_postcall;
DROP TABLE call_recordings;
DROP TABLE call_events;
DROP TABLE call_recording_settings;
