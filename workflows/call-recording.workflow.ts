import { ParentClosePolicy, patched, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { postCallWorkflow, postCallWorkflowId, type RecordingOutcome } from './post-call.workflow';
import { recadoSearchAttributes, type RecadoSubject } from './search-attributes';
import { failureReason } from './failure-reason';
import { callRoomName } from './business-call.workflow';
import { RECORDING_CONSENT_PATCH, sendRecordingConsent, type MessageSendOptions } from './recording-consent';

export interface CallRecordingInput extends RecadoSubject {
  callId: string;
  roomName: string;
  /** The recorder gives up on a call longer than this (config RECORDING_MAX_CALL_DURATION). */
  maxCallDurationMs: number;
  /** How the consent message is sent (config MESSAGE_*); absent in calls started before it. */
  message?: MessageSendOptions;
}

export function callRecordingWorkflowId(callId: string): string {
  return `recording-${callId}`;
}

/** How long a recorder may go without a heartbeat before another worker takes over (a crashed worker). */
const RECORDER_HEARTBEAT_TIMEOUT = '15s';

/**
 * Started when a call is answered: the recorder stays in the call's room until the room closes
 * (the call ended), surviving a worker restart with the missed stretch recorded as a gap; then
 * the post-call workflow takes the recordings on (transcript, summary). Beside the recorder, the
 * customer is sent the account's consent message (see sendRecordingConsent).
 */
export async function callRecordingWorkflow(input: CallRecordingInput): Promise<RecordingOutcome> {
  const { recordCallAudio } = proxyActivities<Activities>({
    startToCloseTimeout: input.maxCallDurationMs + 5 * 60_000,
    heartbeatTimeout: RECORDER_HEARTBEAT_TIMEOUT,
    // A crash resumes the recording (the activity reads its last heartbeat); a call over by then just finalises.
    retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 30, nonRetryableErrorTypes: ['NotFound', 'EgressFailedError'] },
  });
  const ids = { accountId: input.accountId, callId: input.callId };
  const consent = patched(RECORDING_CONSENT_PATCH) ? sendRecordingConsent(input) : undefined;
  let recording: RecordingOutcome;
  try {
    const result = await recordCallAudio({ ...ids, roomName: input.roomName });
    recording = { status: result.status, files: result.recordings.length };
  } catch (err) {
    recording = { status: 'failed', files: 0, reason: failureReason(err) };
  }
  await startChild(postCallWorkflow, {
    workflowId: postCallWorkflowId(input.callId),
    args: [{ ...ids, recording }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: recadoSearchAttributes('post_call', input),
  });
  await consent;
  return recording;
}

/** Patch id of recording in the call workflows: calls answered before it replay without it. */
export const CALL_RECORDING_PATCH = 'call-recording';

export interface CallRecordingOptions {
  /** config RECORDING_MAX_CALL_DURATION */
  maxCallDurationMs: number;
  /** How long the media bridge waits for the recorder to be in the room (config RECORDING_READY_TIMEOUT). */
  readyTimeoutMs: number;
  /** How the consent message is sent (config MESSAGE_*); absent in calls started before it. */
  message?: MessageSendOptions;
}

/** For calls whose workflow input predates recording. */
const DEFAULT_RECORDING_OPTIONS: CallRecordingOptions = { maxCallDurationMs: 4 * 3_600_000, readyTimeoutMs: 0 };

/**
 * For the call workflows, as the call is answered and before its media bridge comes up: the
 * recording (and after it the post-call steps) runs in its own workflow, which outlives the
 * call's; the bridge waits a bounded time for the recorder to be listening.
 */
export async function startCallRecording(subject: RecadoSubject & { callId: string }, options = DEFAULT_RECORDING_OPTIONS): Promise<void> {
  await startChild(callRecordingWorkflow, {
    workflowId: callRecordingWorkflowId(subject.callId),
    args: [
      {
        ...subject,
        roomName: callRoomName(subject.callId),
        maxCallDurationMs: options.maxCallDurationMs,
        ...(options.message ? { message: options.message } : {}),
      },
    ],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: recadoSearchAttributes('call_recording', subject),
  });
  // 0: the call is answered at once, and the recording starts when the recorder has joined.
  if (options.readyTimeoutMs <= 0) return;
  const { waitForRecorder } = proxyActivities<Activities>({
    startToCloseTimeout: options.readyTimeoutMs + 10_000,
    retry: { maximumAttempts: 2 },
  });
  try {
    await waitForRecorder({ accountId: subject.accountId, callId: subject.callId, timeoutMs: options.readyTimeoutMs });
  } catch {
    // Waiting is a courtesy to the recording; the call never fails for it.
  }
}
