import path from 'node:path';
import { ConfigError } from './config-error';
import { envReader } from './env-reader';

/**
 * Configuration of calls with real audio: where recordings go, which recorder makes them, the AI
 * provider of the post-call steps, and the frontend's deep links. Parsed once with the rest of
 * the environment (config.ts); every variable has a documented default (README).
 */

type Env = Record<string, string | undefined>;

export const CALL_AUDIO_DEFAULTS = {
  RECORDING_STORAGE: 'local',
  RECORDING_DIR: '',
  RECORDING_WORK_DIR: '',
  RECORDER: 'participant',
  RECORDING_MAX_CALL_DURATION: '4h',
  RECORDING_READY_TIMEOUT: '0s',
  RECORDING_RETENTION_SWEEP: '1h',
  RECORDING_POSTCALL_GRACE: '1h',
  RECORDING_EGRESS_POLL: '2s',
  RECORDING_PLAYBACK_LINK_TTL: '5m',
  RECORDING_S3_ENDPOINT: '',
  RECORDING_S3_REGION: 'us-east-1',
  RECORDING_S3_BUCKET: '',
  RECORDING_S3_ACCESS_KEY_ID: '',
  RECORDING_S3_SECRET_ACCESS_KEY: '',
  RECORDING_S3_FORCE_PATH_STYLE: 'true',
  OPENAI_API_KEY: '',
  OPENAI_BASE_URL: 'http://127.0.0.1:4020/v1',
  OPENAI_TRANSCRIPTION_MODEL: 'whisper-1',
  OPENAI_TRANSCRIPTION_LANGUAGE: 'pt',
  OPENAI_SUMMARY_MODEL: 'gpt-4o-mini',
  OPENAI_MAX_UPLOAD_BYTES: '26214400',
  // Empty: the call in the agents' console, <PUBLIC_API_URL>/console/contacts/{contact_id}/thread#call-{call_id}.
  CALL_DEEP_LINK_TEMPLATE: '',
} as const;

const MAX_PLAYBACK_LINK_TTL_MS = 3_600_000;

export interface S3StorageConfig {
  endpoint: string | null;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface CallAudioConfig {
  recordings: {
    /** local: files under `dir`; s3: an S3-compatible bucket. */
    storage: 'local' | 's3';
    dir: string;
    /** Where the recorder writes while a call lasts (survives a worker restart on the same host). */
    workDir: string;
    /** participant: the built-in rtc-node recorder; egress: LiveKit Egress to S3. */
    recorder: 'participant' | 'egress';
    /** The recorder gives up on a call that lasts longer than this (ms). */
    maxCallDurationMs: number;
    /** How long an answered call's media bridge waits for the recorder to be in the room (ms). */
    readyTimeoutMs: number;
    /** How often the retention job removes expired recordings (and retries files left to delete). */
    retentionSweepMs: number;
    /** An ended call without a post-call result yet shows its steps as pending this long, then as skipped. */
    postcallGraceMs: number;
    /** RECORDER=egress: how often the egress and the call's room are looked at. */
    egressPollMs: number;
    /** How long a signed playback link (POST …/playback-link) plays the recording without a token. */
    playbackLinkTtlMs: number;
    s3: S3StorageConfig;
  };
  ai: {
    /** null: no AI provider is configured and the post-call steps are skipped. */
    apiKey: string | null;
    /** Any OpenAI-compatible server; locally the OpenAI simulator (src/simulators/openai). */
    baseUrl: string;
    transcriptionModel: string;
    transcriptionLanguage: string;
    summaryModel: string;
    /** The audio API's upload limit (25 MB): longer recordings are split below it. */
    maxUploadBytes: number;
  };
  /** `{contact_id}` and `{call_id}` are replaced: where a call opens in the agents' frontend. */
  deepLinkTemplate: string;
}

export function loadCallAudioConfig(env: Env, dataDir: string): CallAudioConfig {
  const read = envReader(env, CALL_AUDIO_DEFAULTS);
  const { get, oneOf, httpUrl } = read;
  const ms = (name: keyof typeof CALL_AUDIO_DEFAULTS) => read.ms(name);
  const positiveMs = (name: keyof typeof CALL_AUDIO_DEFAULTS) => read.ms(name, 1);
  const maxUploadBytes = Number(get('OPENAI_MAX_UPLOAD_BYTES'));
  if (!Number.isInteger(maxUploadBytes) || maxUploadBytes < 1_000_000) {
    throw new ConfigError('OPENAI_MAX_UPLOAD_BYTES', `must be a whole number of bytes ≥ 1000000, got "${get('OPENAI_MAX_UPLOAD_BYTES')}"`);
  }
  const storage = oneOf('RECORDING_STORAGE', ['local', 's3'] as const);
  const s3: S3StorageConfig = {
    endpoint: get('RECORDING_S3_ENDPOINT') ? httpUrl('RECORDING_S3_ENDPOINT') : null,
    region: get('RECORDING_S3_REGION'),
    bucket: get('RECORDING_S3_BUCKET'),
    accessKeyId: get('RECORDING_S3_ACCESS_KEY_ID'),
    secretAccessKey: get('RECORDING_S3_SECRET_ACCESS_KEY'),
    forcePathStyle: oneOf('RECORDING_S3_FORCE_PATH_STYLE', ['true', 'false'] as const) === 'true',
  };
  if (storage === 's3' && !s3.bucket) throw new ConfigError('RECORDING_S3_BUCKET', 'is required when RECORDING_STORAGE=s3');
  const playbackLinkTtlMs = positiveMs('RECORDING_PLAYBACK_LINK_TTL');
  // A playback link is a bearer capability in a URL: it must stay short-lived.
  if (playbackLinkTtlMs > MAX_PLAYBACK_LINK_TTL_MS) throw new ConfigError('RECORDING_PLAYBACK_LINK_TTL', `must be at most 1h, got "${get('RECORDING_PLAYBACK_LINK_TTL')}"`);
  const recorder = oneOf('RECORDER', ['participant', 'egress'] as const);
  // Egress uploads from LiveKit's side straight into a bucket: it cannot write to recado's local directory.
  if (recorder === 'egress' && storage !== 's3') throw new ConfigError('RECORDER', 'egress needs RECORDING_STORAGE=s3 (LiveKit Egress uploads to the S3 bucket RECORDING_S3_*)');
  const publicUrl = (env.PUBLIC_API_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const template = get('CALL_DEEP_LINK_TEMPLATE') || `${publicUrl}/console/contacts/{contact_id}/thread#call-{call_id}`;
  if (!template.includes('{call_id}')) throw new ConfigError('CALL_DEEP_LINK_TEMPLATE', 'must contain {call_id}');
  return {
    recordings: {
      storage,
      dir: path.resolve(get('RECORDING_DIR') || path.join(dataDir, 'recordings')),
      workDir: path.resolve(get('RECORDING_WORK_DIR') || path.join(dataDir, 'recordings-work')),
      recorder,
      maxCallDurationMs: ms('RECORDING_MAX_CALL_DURATION'),
      readyTimeoutMs: ms('RECORDING_READY_TIMEOUT'),
      retentionSweepMs: positiveMs('RECORDING_RETENTION_SWEEP'),
      postcallGraceMs: positiveMs('RECORDING_POSTCALL_GRACE'),
      egressPollMs: positiveMs('RECORDING_EGRESS_POLL'),
      playbackLinkTtlMs,
      s3,
    },
    ai: {
      apiKey: env.OPENAI_API_KEY ? env.OPENAI_API_KEY : null,
      baseUrl: httpUrl('OPENAI_BASE_URL'),
      transcriptionModel: get('OPENAI_TRANSCRIPTION_MODEL'),
      transcriptionLanguage: get('OPENAI_TRANSCRIPTION_LANGUAGE'),
      summaryModel: get('OPENAI_SUMMARY_MODEL'),
      maxUploadBytes,
    },
    deepLinkTemplate: template,
  };
}
