import {
  EgressClient,
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomServiceClient,
  S3Upload,
} from 'livekit-server-sdk';
import { classifyLiveKitError, isNotFound } from '../../activities/livekit-errors';
import type { S3StorageConfig } from '../config/call-audio.config';
import { RecordingInterruptedError } from './participant-recorder';
import type { CallRecorder, RecordedFile, RecorderHooks, RecordingTarget, RoomEvent } from './recorder';
import type { RecordingStorage } from './storage';
import { sleep } from '../common/sleep';

/**
 * The recorder that asks LiveKit to record: an audio-only room composite egress (livekit_egress.proto,
 * RoomCompositeEgressRequest with audio_only and one EncodedFileOutput to S3Upload) writes the
 * call's mixed audio as Ogg Opus straight into the recordings bucket. recado starts it, watches it
 * (ListEgress), stops it when the call's room has closed (StopEgress), and stores the file LiveKit
 * reports once the bucket has it. Egress runs next to LiveKit, so the bucket must be reachable from
 * there: RECORDING_STORAGE=s3 (config enforces it). Egress writes no per-speaker files: one mixed file.
 */

export interface EgressRecorderDeps {
  /** The LiveKit server (or Cloud project) whose Egress service records. */
  livekit: { url: string; apiKey: string; apiSecret: string };
  /** The bucket Egress uploads to: the same one recordings are read from. */
  s3: S3StorageConfig;
  storage: RecordingStorage;
  maxCallDurationMs: number;
  /** How often the egress and the room are looked at (and the activity heartbeats). */
  pollIntervalMs: number;
  /** After StopEgress, how long Egress may take to finish uploading before the recording fails. */
  finishTimeoutMs?: number;
}

export const EGRESS_RECORDER_DEFAULTS = { finishTimeoutMs: 5 * 60_000 };

/** Egress ended without a file (EGRESS_FAILED, EGRESS_ABORTED): another attempt cannot bring it back. */
export class EgressFailedError extends Error {
  constructor(
    readonly egressId: string,
    readonly status: string,
    reason: string,
  ) {
    super(`egress ${egressId} ended ${status}: ${reason || 'no reason given'}`);
    this.name = 'EgressFailedError';
  }
}

/** What the activity heartbeats: a resumed attempt watches the same egress instead of starting another. */
interface EgressState {
  egressId: string;
  storageKey: string;
  stopRequested: boolean;
  finalized: RecordedFile[] | null;
}

function resumableState(value: unknown, storageKey: string): EgressState | null {
  const s = value as Partial<EgressState> | undefined;
  if (!s || typeof s.egressId !== 'string' || s.storageKey !== storageKey) return null;
  return { egressId: s.egressId, storageKey, stopRequested: s.stopRequested === true, finalized: Array.isArray(s.finalized) ? s.finalized : null };
}

const ENDED = new Set([EgressStatus.EGRESS_COMPLETE, EgressStatus.EGRESS_FAILED, EgressStatus.EGRESS_ABORTED, EgressStatus.EGRESS_LIMIT_REACHED]);
/** These ended with a file: LIMIT_REACHED is a recording cut at Egress's own maximum duration. */
const WITH_FILE = new Set([EgressStatus.EGRESS_COMPLETE, EgressStatus.EGRESS_LIMIT_REACHED]);

export function egressStorageKey(accountId: string, callId: string): string {
  return `accounts/${accountId}/calls/${callId}/mixed.ogg`;
}

export class EgressRecorder implements CallRecorder {
  readonly name = 'egress' as const;
  private readonly egress: EgressClient;
  private readonly rooms: RoomServiceClient;
  private readonly deps: EgressRecorderDeps & typeof EGRESS_RECORDER_DEFAULTS;

  constructor(deps: EgressRecorderDeps) {
    this.deps = { ...EGRESS_RECORDER_DEFAULTS, ...deps };
    const { url, apiKey, apiSecret } = deps.livekit;
    this.egress = new EgressClient(url, apiKey, apiSecret);
    this.rooms = new RoomServiceClient(url, apiKey, apiSecret);
  }

  async record(target: RecordingTarget, hooks: RecorderHooks): Promise<RecordedFile[]> {
    const storageKey = egressStorageKey(target.accountId, target.callId);
    const previous = resumableState(hooks.resumeFrom, storageKey);
    if (previous?.finalized) return previous.finalized;
    const state = previous ?? { egressId: await this.start(target, storageKey), storageKey, stopRequested: false, finalized: null };
    hooks.heartbeat(state);
    await emit(hooks, { kind: 'recording_started', at: new Date(), participant: null, agentId: null,
      detail: { recorder: 'egress', egress_id: state.egressId, storage_key: storageKey }, dedupKey: 'recording_started' });

    const info = await this.watch(target, hooks, state);
    const status = EgressStatus[info.status];
    if (!WITH_FILE.has(info.status)) throw new EgressFailedError(state.egressId, status, info.error);
    const files = await this.filesOf(info, target, storageKey);
    state.finalized = files;
    hooks.heartbeat(state);
    await emit(hooks, { kind: 'recording_stopped', at: new Date(), participant: null, agentId: null,
      detail: { recorder: 'egress', egress_id: state.egressId, status, files: files.length, storage_keys: files.map((f) => f.storageKey) },
      dedupKey: 'recording_stopped' });
    return files;
  }

  /** Reuses an egress of this call that is already recording (an attempt that died before heartbeating it). */
  private async start(target: RecordingTarget, storageKey: string): Promise<string> {
    const active = await this.call('ListEgress', () => this.egress.listEgress({ roomName: target.roomName, active: true }));
    const ours = active.find((e) => e.request.case === 'roomComposite' && e.request.value.fileOutputs.some((f) => f.filepath === storageKey));
    if (ours) return ours.egressId;
    const { s3 } = this.deps;
    const file = new EncodedFileOutput({
      fileType: EncodedFileType.OGG,
      filepath: storageKey,
      output: {
        case: 's3',
        value: new S3Upload({
          accessKey: s3.accessKeyId,
          secret: s3.secretAccessKey,
          region: s3.region,
          // Empty: AWS S3 itself, found from the region.
          endpoint: s3.endpoint ?? '',
          bucket: s3.bucket,
          forcePathStyle: s3.forcePathStyle,
        }),
      },
    });
    const info = await this.call('StartRoomCompositeEgress', () => this.egress.startRoomCompositeEgress(target.roomName, { file }, { audioOnly: true }));
    if (!info.egressId) throw classifyLiveKitError('StartRoomCompositeEgress', new Error('the answer carries no egress id'));
    return info.egressId;
  }

  /** Until the egress has ended: stopped by us once the room is gone, the call ran too long, or the activity was cancelled. */
  private async watch(target: RecordingTarget, hooks: RecorderHooks, state: EgressState): Promise<EgressInfo> {
    let stopDeadline: number | null = null;
    for (;;) {
      const info = await this.info(state.egressId);
      if (ENDED.has(info.status)) return info;
      if (hooks.signal.aborted) {
        await this.stop(state);
        throw new RecordingInterruptedError('cancelled');
      }
      if (!state.stopRequested) {
        const tooLong = Date.now() - target.answeredAt.getTime() >= this.deps.maxCallDurationMs;
        if (tooLong || !(await this.roomOpen(target.roomName))) await this.stop(state);
      }
      if (state.stopRequested) {
        stopDeadline ??= Date.now() + this.deps.finishTimeoutMs;
        if (Date.now() > stopDeadline) throw new EgressFailedError(state.egressId, EgressStatus[info.status], `not finished ${this.deps.finishTimeoutMs} ms after StopEgress`);
      }
      hooks.heartbeat(state);
      await sleep(this.deps.pollIntervalMs, hooks.signal);
    }
  }

  private async info(egressId: string): Promise<EgressInfo> {
    const items = await this.call('ListEgress', () => this.egress.listEgress({ egressId }));
    const info = items.find((e) => e.egressId === egressId);
    if (!info) throw new EgressFailedError(egressId, 'UNKNOWN', 'LiveKit no longer lists it');
    return info;
  }

  private async roomOpen(roomName: string): Promise<boolean> {
    const rooms = await this.call('ListRooms', () => this.rooms.listRooms([roomName]));
    return rooms.some((r) => r.name === roomName);
  }

  /** StopEgress; one that has ended meanwhile (failed_precondition, not_found) is what we wanted anyway. */
  private async stop(state: EgressState): Promise<void> {
    try {
      await this.egress.stopEgress(state.egressId);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'failed_precondition' && !isNotFound(err)) throw classifyLiveKitError('StopEgress', err, this.secrets());
    }
    state.stopRequested = true;
  }

  /** The file Egress reports, checked against the bucket: a row is only written for bytes that are there. */
  private async filesOf(info: EgressInfo, target: RecordingTarget, storageKey: string): Promise<RecordedFile[]> {
    const result = info.fileResults.find((f) => f.filename === storageKey || f.location.endsWith(storageKey)) ?? info.fileResults[0];
    if (!result) return [];
    const bytes = await this.deps.storage.size(storageKey);
    if (bytes === null) throw new EgressFailedError(info.egressId, EgressStatus[info.status], `the bucket has no ${storageKey} (Egress reported ${result.location || result.filename})`);
    const startedAtMs = Number(result.startedAt / 1_000_000n);
    return [
      {
        kind: 'mixed',
        speaker: null,
        agentId: null,
        participantIdentity: null,
        storageKey,
        contentType: 'audio/ogg',
        bytes,
        durationMs: Number(result.duration / 1_000_000n),
        // Opus is 48 kHz; a room composite mixes to stereo.
        sampleRate: 48_000,
        channels: 2,
        offsetMs: startedAtMs > 0 ? Math.max(0, startedAtMs - target.answeredAt.getTime()) : 0,
        gaps: [],
      },
    ];
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyLiveKitError(operation, err, this.secrets());
    }
  }

  /** StartRoomCompositeEgress carries the bucket's keys: they never reach an error message. */
  private secrets(): string[] {
    return [this.deps.livekit.apiSecret, this.deps.s3.secretAccessKey, this.deps.s3.accessKeyId];
  }
}

async function emit(hooks: RecorderHooks, event: RoomEvent): Promise<void> {
  await hooks.onEvent(event);
}
