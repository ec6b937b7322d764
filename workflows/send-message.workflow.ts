import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { failureReason } from './failure-reason';

export interface SendMessageInput {
  accountId: string;
  messageId: string;
  /** startToClose of one provider call. */
  sendTimeout: Duration;
  /** How long to wait for a status webhook after an attempt whose outcome is unknown. */
  unknownOutcomeWait: Duration;
  /** After this long without the provider accepting the message, it is marked failed. */
  giveUpAfter: Duration;
}

export type SendMessageResult =
  | { state: 'accepted'; providerMessageId: string }
  | { state: 'failed'; reason: string };

/** Sent by the webhook handler when a status webhook proves an unknown-outcome attempt reached Meta. */
export const providerAcceptedSignal = defineSignal<[{ providerMessageId: string }]>('providerAccepted');
export const sendProgressQuery = defineQuery<{ attempts: number; waitingForUnknownOutcome: boolean }>('sendProgress');

export function sendMessageWorkflowId(messageId: string): string {
  return `message-${messageId}`;
}

/**
 * Sends one outbound message exactly once. The activity records "sending" before calling Meta;
 * an attempt that finds a previous one died mid-call does not send again blindly: it waits for
 * a status webhook that claims the wamid, and only resends when none arrives in time.
 */
export async function sendMessageWorkflow(input: SendMessageInput): Promise<SendMessageResult> {
  const { sendWhatsAppMessage } = proxyActivities<Activities>({
    startToCloseTimeout: input.sendTimeout,
    scheduleToCloseTimeout: input.giveUpAfter,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m' },
  });
  const { markMessageFailed } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '1m' },
  });

  let acceptedId: string | undefined;
  let attempts = 0;
  let waitingForUnknownOutcome = false;
  setHandler(providerAcceptedSignal, ({ providerMessageId }) => {
    acceptedId ??= providerMessageId;
  });
  setHandler(sendProgressQuery, () => ({ attempts, waitingForUnknownOutcome }));

  let resendUnknown = false;
  for (;;) {
    attempts++;
    let result;
    try {
      result = await sendWhatsAppMessage({ accountId: input.accountId, messageId: input.messageId, resendUnknown });
    } catch (err) {
      const reason = failureReason(err);
      await markMessageFailed({ accountId: input.accountId, messageId: input.messageId, reason });
      return { state: 'failed', reason };
    }
    if (result.outcome === 'accepted') return { state: 'accepted', providerMessageId: result.providerMessageId };
    if (result.outcome === 'failed') return { state: 'failed', reason: result.reason };

    waitingForUnknownOutcome = true;
    if (await condition(() => acceptedId !== undefined, input.unknownOutcomeWait)) {
      return { state: 'accepted', providerMessageId: acceptedId! };
    }
    waitingForUnknownOutcome = false;
    resendUnknown = true;
  }
}
