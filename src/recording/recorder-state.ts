import type { RecordingGap } from './recorder.ts';

/**
 * What the participant recorder heartbeats and a resumed attempt gets back. Times are wall-clock
 * ms since the call's answer. Files are named, never pathed: they are always looked up under the
 * call's own work directory, so a state can only ever point at this call's files.
 */
export interface RecorderState {
  version: 1;
  callId: string;
  /** the last moment the recorder is known to have been listening */
  aliveAtMs: number;
  files: SpeakerFileState[];
  gaps: RecordingGap[];
  /** participant sid → identity: who was in the room, to report who left while nobody listened */
  participants: Record<string, string>;
  /** track sid → how many mute changes were reported and the last one, so events stay stable across attempts */
  mutes: Record<string, { count: number; muted: boolean }>;
}

export interface SpeakerFileState {
  identity: string;
  /** a plain file name inside the call's work directory */
  file: string;
  offsetMs: number;
  sampleRate: number;
  /** samples written when the state was taken (the file on disk may have more) */
  samples: number;
  /** offsetMs + the samples' duration */
  endMs: number;
}

export const FILE_NAME = /^[a-z0-9-]+\.wav$/;

export function emptyState(callId: string): RecorderState {
  return { version: 1, callId, aliveAtMs: 0, files: [], gaps: [], participants: {}, mutes: {} };
}

/**
 * The previous attempt's state when it belongs to this call and is well formed; anything else
 * (another call's state, garbage) is ignored and the attempt starts afresh.
 */
export function resumableState(resumeFrom: unknown, callId: string): RecorderState | null {
  const s = resumeFrom as Partial<RecorderState> | null | undefined;
  if (!s || typeof s !== 'object' || s.version !== 1 || s.callId !== callId) return null;
  if (!Array.isArray(s.files) || !Array.isArray(s.gaps) || typeof s.aliveAtMs !== 'number') return null;
  const files = s.files.filter(
    (f): f is SpeakerFileState =>
      !!f &&
      typeof f.identity === 'string' &&
      typeof f.file === 'string' &&
      FILE_NAME.test(f.file) &&
      Number.isFinite(f.offsetMs) &&
      Number.isInteger(f.sampleRate) &&
      f.sampleRate > 0,
  );
  return {
    version: 1,
    callId,
    aliveAtMs: s.aliveAtMs,
    files,
    gaps: s.gaps.filter((g) => g && Number.isFinite(g.fromMs) && Number.isFinite(g.toMs) && typeof g.reason === 'string'),
    participants: s.participants && typeof s.participants === 'object' ? { ...s.participants } : {},
    mutes: s.mutes && typeof s.mutes === 'object' ? { ...s.mutes } : {},
  };
}
