import { condition, defineQuery, defineSignal, patched, proxyActivities, setHandler } from '@temporalio/workflow';
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

/** Sent by a receipt's handler when it proves an unknown-outcome attempt reached the provider. */
export const providerAcceptedSignal = defineSignal<[{ providerMessageId: string }]>('providerAccepted');
export const sendProgressQuery = defineQuery<{ attempts: number; waitingForUnknownOutcome: boolean }>('sendProgress');

export function sendMessageWorkflowId(messageId: string): string {
  return `message-${messageId}`;
}

/**
 * Sends one outbound message exactly once, on any channel. The activity records "sending" before
 * calling the provider; an attempt that finds a previous one died mid-call does not send again
 * blindly: it follows the channel's policy (WhatsApp: wait for a status webhook that claims the
 * wamid; e-mail: look the Message-ID up; …) and resends only when that proves nothing arrived.
 */
export async function sendMessageWorkflow(input: SendMessageInput): Promise<SendMessageResult> {
  const { sendChannelMessage, sendWhatsAppMessage } = proxyActivities<Activities>({
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
      const send = { accountId: input.accountId, messageId: input.messageId, resendUnknown };
      // Sends started before channels were drivers keep the activity name their history recorded.
      result = await (patched('send-any-channel') ? sendChannelMessage(send) : sendWhatsAppMessage(send));
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
