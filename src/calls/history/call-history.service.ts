import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { NotFoundError } from '../../common/errors';
import { parseTimestamp } from '../../contacts/search/search-params';
import { callView } from '../calls.service';
import type { CallRow } from '../calls.repository';
import { CallHistoryRepository, type PostCallRow, type RecordingRow } from './call-history.repository';
import { CallEventsRepository } from '../call-events.repository';
import { CURSOR_INSTANT, UUID, decodeCursor, encodeCursor, invalidCursor } from './cursor';
import {
  DEFAULT_HISTORY_PAGE,
  type CallDetailsView,
  type CallHistoryPage,
  type CallSummaryView,
  type ListCallHistoryQuery,
  type PostCallStepsView,
  type RecordingView,
  type StepStatusView,
  type TranscriptSegmentView,
} from './call-history.dto';

export function recordingDownloadPath(callId: string, recordingId: string): string {
  return `/v1/calls/${callId}/recordings/${recordingId}`;
}

export function recordingView(r: RecordingRow): RecordingView {
  return {
    id: r.id,
    kind: r.kind,
    speaker: r.speaker,
    agent_id: r.agent_id,
    duration_ms: r.duration_ms,
    offset_ms: r.offset_ms,
    gaps: r.gaps.map((g) => ({ from_ms: g.from_ms, to_ms: g.to_ms, reason: g.reason ?? null })),
    bytes: Number(r.bytes),
    content_type: r.content_type,
    expires_at: r.expires_at,
    download_url: recordingDownloadPath(r.call_id, r.id),
  };
}

/**
 * Each post-call step's status. Without a call_postcall row the pipeline has not reported yet:
 * pending while the call lasts or for a grace period after it ended; a call never answered has
 * nothing to record; past the grace period the steps are reported as skipped, not pending forever.
 */
export function postCallSteps(call: CallRow, row: PostCallRow | undefined, graceMs: number, now = Date.now()): PostCallStepsView {
  if (row) {
    const step = (status: string, reason: string | null): StepStatusView => ({ status: status as StepStatusView['status'], reason });
    return {
      recording: step(row.recording_status, row.recording_reason),
      transcription: step(row.transcription_status, row.transcription_reason),
      summary: step(row.summary_status, row.summary_reason),
    };
  }
  let all: StepStatusView;
  if (!call.ended_at || now - call.ended_at.getTime() < graceMs) all = { status: 'pending', reason: null };
  else if (!call.accepted_at) all = { status: 'skipped', reason: 'the call was not answered' };
  else all = { status: 'skipped', reason: 'no post-call result was reported for this call' };
  return { recording: { ...all }, transcription: { ...all }, summary: { ...all } };
}

const HISTORY_CURSOR = { e: 'number', t: 'string', i: 'string' } as const;

@Injectable()
export class CallHistoryService {
  constructor(
    private readonly repository: CallHistoryRepository,
    private readonly events: CallEventsRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async list(accountId: string, q: ListCallHistoryQuery): Promise<CallHistoryPage> {
    const limit = q.limit ?? DEFAULT_HISTORY_PAGE;
    const key = decodeCursor(q.cursor, HISTORY_CURSOR);
    if (key && (![0, 1].includes(key.e) || !CURSOR_INSTANT.test(key.t) || !UUID.test(key.i))) throw invalidCursor();
    const rows = await this.repository.list(
      accountId,
      {
        direction: q.direction,
        agentId: q.agent_id,
        contactId: q.contact_id,
        state: q.state,
        from: q.from === undefined ? undefined : instant(q.from, 'from'),
        to: q.to === undefined ? undefined : instant(q.to, 'to'),
        hasRecording: q.has_recording,
        hasTranscript: q.has_transcript,
      },
      key && { ended: key.e, at: key.t, id: key.i },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ ...callView(r), has_recording: r.has_recording, has_transcript: r.has_transcript })),
      next_cursor: rows.length > limit && last ? encodeCursor({ e: last.ended_at ? 1 : 0, t: last.cursor_at, i: last.id }) : null,
    };
  }

  async details(accountId: string, callId: string): Promise<CallDetailsView> {
    const call = await this.repository.findCall(accountId, callId);
    if (!call) throw new NotFoundError('call', callId);
    const [customerName, agents, events, recordings, postCall] = await Promise.all([
      this.repository.customerName(accountId, call.contact_id),
      this.repository.agents(accountId, call),
      this.events.list(accountId, callId),
      this.repository.recordings(accountId, callId),
      this.repository.postCall(accountId, callId),
    ]);
    return {
      call: callView(call),
      participants: [
        { kind: 'customer', agent_id: null, contact_id: call.contact_id, name: customerName, role: null, state: null, identity: `customer:${call.contact_id}` },
        ...agents.map((a) => ({
          kind: 'agent' as const,
          agent_id: a.agent_id,
          contact_id: null,
          name: a.name,
          role: a.role,
          state: a.state,
          identity: `agent:${a.agent_id}`,
        })),
      ],
      timeline: events.map((e) => ({ kind: e.kind, at: e.at, participant: e.participant, agent_id: e.agent_id, detail: e.detail })),
      recordings: recordings.map(recordingView),
      transcript: (postCall?.transcript as TranscriptSegmentView[] | null | undefined) ?? null,
      summary: (postCall?.summary as CallSummaryView | null | undefined) ?? null,
      steps: postCallSteps(call, postCall, this.config.callAudio.recordings.postcallGraceMs),
    };
  }
}

/** A query date-time as epoch ms (any year RFC 3339 can write, which a Date string may not carry to Postgres). */
function instant(value: string, field: string): number {
  try {
    return parseTimestamp(value, field);
  } catch (err) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: (err as Error).message, field });
  }
}
