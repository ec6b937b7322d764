import { AGENT_IDENTITY_PREFIX } from '../calls/room-identities';

/**
 * The two ways a call gets recorded, behind one interface: the built-in recorder participant
 * (participant-recorder.ts, @livekit/rtc-node) and LiveKit Egress (egress-recorder.ts). The
 * recording activity (activities/recording.ts) picks one by configuration (RECORDER).
 */

export interface RecordingTarget {
  accountId: string;
  callId: string;
  roomName: string;
  /** The origin every file's offset is measured from: when the call was answered. */
  answeredAt: Date;
}

/** A stretch the recorder could not hear (it restarted): stored as silence, and said so. */
export interface RecordingGap {
  fromMs: number;
  toMs: number;
  reason: string;
}

/** One finished file, already in RecordingStorage under `storageKey`. */
export interface RecordedFile {
  kind: 'speaker' | 'mixed';
  /** speaker files only */
  speaker: 'customer' | 'agent' | null;
  agentId: string | null;
  participantIdentity: string | null;
  storageKey: string;
  contentType: string;
  bytes: number;
  durationMs: number;
  sampleRate: number;
  channels: number;
  /** Where the file's first sample falls after `answeredAt`. */
  offsetMs: number;
  gaps: RecordingGap[];
}

/** What happens in the room while it is recorded: the call's timeline (call_events). */
export interface RoomEvent {
  kind: 'joined' | 'left' | 'muted' | 'unmuted' | 'recording_started' | 'recording_gap' | 'recording_stopped';
  at: Date;
  participant: string | null;
  agentId: string | null;
  detail?: Record<string, unknown>;
  /** Stable across a retried recording attempt, so the event is stored once. */
  dedupKey: string;
}

export interface RecorderHooks {
  /** Called as things happen; awaited, so a failure to store the timeline is not lost. */
  onEvent(event: RoomEvent): Promise<void>;
  /** Long work reports progress here (the activity heartbeats it); `state` is what a resumed attempt gets back. */
  heartbeat(state: unknown): void;
  /** What the previous attempt heartbeated, when this attempt resumes a crashed one. */
  resumeFrom: unknown;
  /** Aborted when the activity is cancelled (the call's workflow gave up on it). */
  signal: AbortSignal;
  /**
   * Whether the call is over (an ended state in Postgres). Written before the call's room is
   * closed, so a recorder that joins a room must ask: LiveKit creates the room again on join, and
   * nobody would close it a second time.
   */
  callEnded(): Promise<boolean>;
}

export interface CallRecorder {
  readonly name: 'participant' | 'egress';
  /** Records until the room closes (or everyone but the recorder has left), then returns the stored files. */
  record(target: RecordingTarget, hooks: RecorderHooks): Promise<RecordedFile[]>;
}

export { AGENT_IDENTITY_PREFIX, RECORDER_IDENTITY_PREFIX } from '../calls/room-identities';

/** Everyone in a call's room who is not an agent is the customer (the recorder does not record itself). */
export function speakerOf(identity: string): { speaker: 'customer' | 'agent'; agentId: string | null } {
  if (identity.startsWith(AGENT_IDENTITY_PREFIX)) return { speaker: 'agent', agentId: identity.slice(AGENT_IDENTITY_PREFIX.length) };
  return { speaker: 'customer', agentId: null };
}
