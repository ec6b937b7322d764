import type { RecordedFile, RecordingGap } from './recorder';

/**
 * What the participant recorder heartbeats while it records, and what a resumed attempt reads
 * back: the files it writes under `<workDir>/<call id>/`, and up to when it was listening.
 * Times are wall-clock ms since the call's answer.
 */
export interface RecorderState {
  version: 1;
  callId: string;
  sampleRate: number;
  /** Up to when the previous attempt was known to be connected and listening. */
  listeningUntilMs: number;
  /** How many times an attempt resumed after a crash: numbers each gap's timeline event. */
  resumes: number;
  gaps: RecordingGap[];
  speakers: SpeakerFileState[];
  /** Set once the files are uploaded: a retry after that returns them without rejoining the room. */
  finalized: RecordedFile[] | null;
}

export interface SpeakerFileState {
  /** `customer`, `agent-<agent id>`: the file's name without `.wav`, also its storage key's last part. */
  name: string;
  speaker: 'customer' | 'agent';
  agentId: string | null;
  participantIdentity: string;
  offsetMs: number;
  /** Where the file's last written sample ends (wall-clock ms since the answer). */
  endMs: number;
}

export function emptyState(callId: string, sampleRate: number): RecorderState {
  return { version: 1, callId, sampleRate, listeningUntilMs: 0, resumes: 0, gaps: [], speakers: [], finalized: null };
}

/**
 * The previous attempt's state when it is one this call can resume: anything else (nothing, an
 * older format, another call's state) starts afresh rather than attaching foreign files.
 */
export function resumableState(value: unknown, callId: string, sampleRate: number): RecorderState | null {
  if (!value || typeof value !== 'object') return null;
  const s = value as Partial<RecorderState>;
  if (s.version !== 1 || s.callId !== callId || s.sampleRate !== sampleRate || !Array.isArray(s.speakers) || !Array.isArray(s.gaps)) return null;
  const names = new Set<string>();
  for (const f of s.speakers) {
    if (!f || typeof f.name !== 'string' || !SPEAKER_FILE_NAME.test(f.name) || names.has(f.name)) return null;
    if (typeof f.offsetMs !== 'number' || typeof f.endMs !== 'number') return null;
    names.add(f.name);
  }
  return {
    version: 1,
    callId,
    sampleRate,
    listeningUntilMs: typeof s.listeningUntilMs === 'number' ? s.listeningUntilMs : 0,
    resumes: typeof s.resumes === 'number' ? s.resumes : 0,
    gaps: s.gaps,
    speakers: s.speakers,
    finalized: Array.isArray(s.finalized) ? s.finalized : null,
  };
}

/** A speaker file's name is also a path part: only these shapes, never anything a participant chose. */
const SPEAKER_FILE_NAME = /^(customer|agent-[0-9a-f-]{36})$/;

export function speakerFileName(speaker: 'customer' | 'agent', agentId: string | null): string | null {
  const name = speaker === 'agent' ? `agent-${agentId ?? ''}` : 'customer';
  return SPEAKER_FILE_NAME.test(name) ? name : null;
}

export function recordingStorageKey(accountId: string, callId: string, name: string): string {
  return `accounts/${accountId}/calls/${callId}/${name}.wav`;
}
