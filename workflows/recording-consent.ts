import { ParentClosePolicy, executeChild, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { sendMessageWorkflow, sendMessageWorkflowId, type SendMessageInput } from './send-message.workflow';
import { recadoSearchAttributes, type RecadoSubject } from './search-attributes';
import { failureReason } from './failure-reason';

/** Patch id of the consent message in callRecordingWorkflow: recordings started before it replay without it. */
export const RECORDING_CONSENT_PATCH = 'recording-consent-message';

export type MessageSendOptions = Pick<SendMessageInput, 'sendTimeout' | 'unknownOutcomeWait' | 'giveUpAfter'>;

/** For calls whose workflow input predates the consent message: the defaults of MESSAGE_*. */
const DEFAULT_SEND_OPTIONS: MessageSendOptions = { sendTimeout: '30s', unknownOutcomeWait: '10m', giveUpAfter: '48h' };

export interface RecordingConsentInput extends RecadoSubject {
  callId: string;
  /** The longest a call may last: the longest the consent message may wait for the call to be answered. */
  maxCallDurationMs: number;
  message?: MessageSendOptions;
}

/**
 * Tells the customer of a recorded call, once it is answered, that it is recorded: the account's
 * consent message goes through the one exactly-once send path (sendMessageWorkflow, `message-<id>`,
 * the message one per call) and the call's timeline says it was sent, or why not. Runs beside
 * the recorder; it never fails the recording, and the call never waits for it.
 */
export async function sendRecordingConsent(input: RecordingConsentInput): Promise<void> {
  const { prepareRecordingConsent } = proxyActivities<Activities>({
    startToCloseTimeout: input.maxCallDurationMs,
    // It polls for the answer: a worker that died meanwhile is noticed by its silence.
    heartbeatTimeout: '10s',
    retry: { maximumInterval: '5s', maximumAttempts: 10, nonRetryableErrorTypes: ['NotFound'] },
  });
  const { recordRecordingConsent } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '10s', maximumAttempts: 10, nonRetryableErrorTypes: ['NotFound'] },
  });
  const ids = { accountId: input.accountId, callId: input.callId };
  try {
    const prepared = await prepareRecordingConsent(ids);
    if (prepared.outcome !== 'prepared') return;
    try {
      await executeChild(sendMessageWorkflow, {
        workflowId: sendMessageWorkflowId(prepared.messageId),
        args: [{ accountId: input.accountId, messageId: prepared.messageId, ...(input.message ?? DEFAULT_SEND_OPTIONS) }],
        // A send under way finishes even if the recording workflow is ended.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: recadoSearchAttributes('message', input),
      });
    } catch (err) {
      // Already started by the messages sweeper, or failed: the message row says how it went.
      log.info('the consent message send workflow did not complete here', { callId: input.callId, error: failureReason(err) });
    }
    await recordRecordingConsent({ ...ids, messageId: prepared.messageId });
  } catch (err) {
    log.warn('the recording consent message step failed; the call and its recording go on', { callId: input.callId, error: failureReason(err) });
  }
}
