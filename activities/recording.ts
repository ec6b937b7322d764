import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallEventsRepository } from '../src/calls/call-events.repository';
import { ENDED_CALL_STATES, type CallsRepository } from '../src/calls/calls.repository';
import type { CallRecorder } from '../src/recording/recorder';
import type { RecordingSettingsRepository } from '../src/recording/recording-settings.repository';
import type { RecordingsRepository, StoredRecording } from '../src/recording/recordings.repository';

export interface RecordingActivityDeps {
  calls: CallsRepository;
  settings: RecordingSettingsRepository;
  events: CallEventsRepository;
  recordings: RecordingsRepository;
  recorder: CallRecorder;
}

export interface RecordCallAudioInput {
  accountId: string;
  callId: string;
  roomName: string;
}

export interface RecordCallAudioResult {
  status: 'recorded' | 'disabled' | 'nothing_heard';
  recordings: StoredRecording[];
}

/**
 * What the activity heartbeats: the recorder's own state, and the timeline's origin, so every
 * attempt of one recording measures from the same instant.
 */
interface RecordingHeartbeat {
  answeredAtMs: number;
  recorder: unknown;
}

function previousHeartbeat(details: unknown): RecordingHeartbeat | null {
  const d = details as Partial<RecordingHeartbeat> | undefined;
  return d && typeof d.answeredAtMs === 'number' ? { answeredAtMs: d.answeredAtMs, recorder: d.recorder } : null;
}

export function createRecordingActivities({ calls, settings, events, recordings, recorder }: RecordingActivityDeps) {
  return {
    /**
     * Records the call's room until it closes, stores the files and their call_recordings rows.
     * It may start before the call is answered (listening before the media is bridged): the
     * timeline then starts when this activity first started.
     */
    async recordCallAudio({ accountId, callId, roomName }: RecordCallAudioInput): Promise<RecordCallAudioResult> {
      const startedAt = Date.now();
      const ctx = Context.current();
      const call = await calls.findById(accountId, callId);
      if (!call) throw ApplicationFailure.nonRetryable(`call ${callId} not found`, 'NotFound');
      const policy = await settings.get(accountId);
      if (!policy.enabled) return { status: 'disabled', recordings: [] };

      const previous = previousHeartbeat(ctx.info.heartbeatDetails);
      const answeredAtMs = previous?.answeredAtMs ?? call.accepted_at?.getTime() ?? startedAt;
      const files = await recorder.record(
        { accountId, callId, roomName, answeredAt: new Date(answeredAtMs) },
        {
          resumeFrom: previous?.recorder,
          signal: ctx.cancellationSignal,
          heartbeat: (state) => ctx.heartbeat({ answeredAtMs, recorder: state } satisfies RecordingHeartbeat),
          callEnded: async () => {
            const now = await calls.findById(accountId, callId);
            return !now || ENDED_CALL_STATES.includes(now.state);
          },
          onEvent: (e) =>
            events.append({ accountId, callId, kind: e.kind, at: e.at, participant: e.participant, agentId: e.agentId, detail: e.detail, dedupKey: e.dedupKey }),
        },
      );
      if (files.length === 0) return { status: 'nothing_heard', recordings: [] };
      const stored = await recordings.upsert({ accountId, callId }, files, recorder.name, policy.retentionDays);
      return { status: 'recorded', recordings: stored };
    },
  };
}

export type RecordingActivities = ReturnType<typeof createRecordingActivities>;
