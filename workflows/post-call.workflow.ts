import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason } from './failure-reason';

/** What the recorder ended with, handed to the post-call workflow. */
export interface RecordingOutcome {
  status: 'recorded' | 'disabled' | 'nothing_heard' | 'failed';
  files: number;
  reason?: string;
}

export interface PostCallInput {
  accountId: string;
  callId: string;
  recording: RecordingOutcome;
}

export type StepStatus = 'done' | 'failed' | 'skipped';
export interface PostCallResult {
  recording: StepStatus;
  transcription: StepStatus;
  summary: StepStatus;
}

export function postCallWorkflowId(callId: string): string {
  return `postcall-${callId}`;
}

/** Patch id: post-call runs that began before it go on to an empty transcript, as they did. */
const NO_SPEAKER_FILES_PATCH = 'postcall-no-speaker-files';

const RECORDING_SKIPPED: Record<Exclude<RecordingOutcome['status'], 'recorded' | 'failed'>, string> = {
  disabled: 'recording is turned off for this account',
  nothing_heard: 'nobody was heard in the call',
};

/**
 * After a call: its recordings are transcribed per speaker and merged into one speaker-labelled
 * transcript, then summarised (reason, outcome, next steps, sentiment, follow-up date). Each step
 * is retried with backoff and its status (done / failed with the reason / skipped with the
 * reason) is on the call; with no AI provider configured the AI steps are skipped, never faked.
 */
export async function postCallWorkflow(input: PostCallInput): Promise<PostCallResult> {
  const { beginPostCall, setPostCallStep, mergeTranscript } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '10s', maximumAttempts: 10 },
  });
  // The provider's own time dominates; its errors are classified retryable or not by the activity.
  const ai = proxyActivities<Activities>({
    startToCloseTimeout: '10m',
    // A worker that dies mid-request is noticed by its silence, and the step resumes elsewhere.
    heartbeatTimeout: '10s',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 6 },
  });
  const ids = { accountId: input.accountId, callId: input.callId };
  const step = (name: 'recording' | 'transcription' | 'summary', status: StepStatus, reason?: string) =>
    setPostCallStep({ ...ids, step: name, status, reason });

  const plan = await beginPostCall(ids);
  const { recording } = input;
  if (recording.status !== 'recorded') {
    const reason = recording.status === 'failed' ? `the recorder failed: ${recording.reason}` : RECORDING_SKIPPED[recording.status];
    const status: StepStatus = recording.status === 'failed' ? 'failed' : 'skipped';
    await step('recording', status, reason);
    await step('transcription', 'skipped', 'there is no recording');
    await step('summary', 'skipped', 'there is no transcript');
    return { recording: status, transcription: 'skipped', summary: 'skipped' };
  }
  await step('recording', 'done');
  if (!plan.aiProvider) {
    const reason = 'no AI provider is configured (set OPENAI_API_KEY)';
    await step('transcription', 'skipped', reason);
    await step('summary', 'skipped', reason);
    return { recording: 'done', transcription: 'skipped', summary: 'skipped' };
  }

  // The egress recorder writes one mixed file and no per-speaker ones: nothing to label by speaker.
  if (plan.speakerRecordings.length === 0 && patched(NO_SPEAKER_FILES_PATCH)) {
    await step('transcription', 'skipped', 'there is no per-speaker recording to transcribe (the egress recorder writes one mixed file)');
    await step('summary', 'skipped', 'there is no transcript');
    return { recording: 'done', transcription: 'skipped', summary: 'skipped' };
  }

  try {
    // Speakers in parallel; a recording too big for one upload goes in parts, each stored once transcribed.
    await Promise.all(
      plan.speakerRecordings.map(async ({ recordingId, parts }) => {
        for (let part = 0; part < parts; part++) await ai.transcribeRecordingPart({ ...ids, recordingId, part, parts });
      }),
    );
    await mergeTranscript(ids);
    await step('transcription', 'done');
  } catch (err) {
    await step('transcription', 'failed', failureReason(err));
    await step('summary', 'skipped', 'there is no transcript');
    return { recording: 'done', transcription: 'failed', summary: 'skipped' };
  }

  try {
    const { summarized, reason } = await ai.summarizeCall(ids);
    await step('summary', summarized ? 'done' : 'skipped', reason);
    return { recording: 'done', transcription: 'done', summary: summarized ? 'done' : 'skipped' };
  } catch (err) {
    await step('summary', 'failed', failureReason(err));
    return { recording: 'done', transcription: 'done', summary: 'failed' };
  }
}
