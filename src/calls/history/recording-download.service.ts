import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Principal } from '../../common/auth';
import { NotFoundError } from '../../common/errors';
import { RECORDING_STORAGE } from './recording-storage.provider';
import type { RecordingStorage } from '../../recording/storage';
import { CallHistoryRepository } from './call-history.repository';
import { contentRange, decideRange } from './http-range';

/** Whose request it is: the account the recording must belong to, and who the audit names. */
export interface DownloadAccess {
  accountId: string;
  actor: string;
}

export interface RecordingDownload {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  body: Readable | null;
}

/**
 * A recording's bytes (whole or one range), and the audit row every request for them leaves:
 * the one mechanism behind the bearer-token download and the signed playback links.
 */
@Injectable()
export class RecordingDownloadService {
  constructor(
    private readonly repository: CallHistoryRepository,
    @Inject(RECORDING_STORAGE) private readonly storage: RecordingStorage,
  ) {}

  async download(
    access: DownloadAccess,
    ref: { callId: string; recordingId: string },
    request: { range?: string; ifRange?: string },
  ): Promise<RecordingDownload> {
    const audit = (status: number, bytesSent: number) =>
      this.repository.recordDownload({
        accountId: access.accountId,
        callId: ref.callId,
        recordingId: ref.recordingId,
        actor: access.actor,
        rangeHeader: request.range ?? null,
        status,
        bytesSent,
      });
    const recording = await this.repository.recording(access.accountId, ref.callId, ref.recordingId);
    const size = recording ? await this.storage.size(recording.storage_key) : null;
    if (!recording || size === null) {
      // Someone asked for a recording that is not (or no longer) there: that is worth knowing too.
      await audit(404, 0);
      throw new NotFoundError('recording', ref.recordingId);
    }
    const etag = `"${recording.id}-${size}"`;
    const headers: Record<string, string> = {
      'accept-ranges': 'bytes',
      etag,
      'last-modified': recording.created_at.toUTCString(),
      'cache-control': 'private, no-store',
    };
    // If-Range (RFC 9110 §13.1.5): a range only of the representation the client already has.
    const rangeHeader = request.ifRange !== undefined && request.ifRange !== etag ? undefined : request.range;
    const decision = decideRange(rangeHeader, size);
    if (decision.kind === 'unsatisfiable') {
      await audit(416, 0);
      return { status: 416, headers: { ...headers, 'content-range': contentRange(decision, size)! }, body: null };
    }
    const range = decision.kind === 'partial' ? { start: decision.start, end: decision.end } : undefined;
    const length = range ? range.end - range.start + 1 : size;
    const body = size === 0 ? null : await this.storage.read(recording.storage_key, range);
    await audit(range ? 206 : 200, length);
    return {
      status: range ? 206 : 200,
      headers: {
        ...headers,
        'content-type': recording.content_type,
        'content-length': String(length),
        ...(range ? { 'content-range': contentRange(decision, size)! } : {}),
      },
      body,
    };
  }

  /** Whether the account has this recording still stored (a playback link is only given for one). */
  async exists(accountId: string, ref: { callId: string; recordingId: string }): Promise<boolean> {
    const recording = await this.repository.recording(accountId, ref.callId, ref.recordingId);
    return recording !== undefined && (await this.storage.size(recording.storage_key)) !== null;
  }

  /** Agents by their agent id, system keys by the key's id: never the key itself. */
  async actor(principal: Principal, keyHash: Buffer): Promise<string> {
    if (principal.agentId) return `agent:${principal.agentId}`;
    const keyId = await this.repository.apiKeyId(principal.accountId, keyHash);
    return keyId ? `api_key:${keyId}` : `account:${principal.accountId}`;
  }
}
