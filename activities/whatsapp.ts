import { ApplicationFailure } from '@temporalio/activity';
import type { MessagesRepository } from '../src/messages/messages.repository';
import type { RealtimeRepository } from '../src/realtime/realtime.repository';
import { WhatsAppApiError } from '../src/whatsapp/errors';
import type { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import type { SealedTokenRow } from '../src/numbers/access-tokens';
import type { SendMessageRequest } from '../src/whatsapp/types';

export interface WhatsAppActivityDeps {
  messages: MessagesRepository;
  realtime: RealtimeRepository;
  /** A Graph API client authenticated with the number's access token (opened from the row's sealed one). */
  graphClient: (number: SealedTokenRow) => WhatsAppGraphClient;
}

export type SendOutcome =
  | { outcome: 'accepted'; providerMessageId: string }
  | { outcome: 'failed'; reason: string }
  /** A previous attempt died during the provider call: it may or may not have been sent. */
  | { outcome: 'unknown' };

export function createWhatsAppActivities({ messages, realtime, graphClient }: WhatsAppActivityDeps) {
  const published = (accountId: string, messageId: string, state: string) =>
    realtime.publish({ accountId, type: 'message.updated', data: { message_id: messageId, state } });

  return {
    async sendWhatsAppMessage(input: {
      accountId: string;
      messageId: string;
      resendUnknown: boolean;
    }): Promise<SendOutcome> {
      const message = await messages.loadForSend(input.accountId, input.messageId);
      if (!message) throw ApplicationFailure.nonRetryable(`message ${input.messageId} not found`, 'MessageNotFound');
      if (message.provider_message_id) return { outcome: 'accepted', providerMessageId: message.provider_message_id };
      if (message.state === 'failed') return { outcome: 'failed', reason: JSON.stringify(message.error) };
      if (message.state === 'sending' && !input.resendUnknown) return { outcome: 'unknown' };

      await messages.markSending(message.id);
      let providerMessageId: string;
      try {
        const response = await graphClient(message).sendMessage(
          message.phone_number_id,
          message.body as SendMessageRequest,
        );
        const id = response.messages?.[0]?.id;
        if (!id) throw new Error('Graph API accepted the message but returned no message id');
        providerMessageId = id;
      } catch (err) {
        if (err instanceof WhatsAppApiError) {
          const error = { code: err.code, subcode: err.subcode ?? null, type: err.name, message: err.message };
          if (!err.retryable) {
            await messages.markFailed(message.id, error);
            await published(message.account_id, message.id, 'failed');
            throw ApplicationFailure.nonRetryable(err.message, err.name, error);
          }
          await messages.markRetrying(message.id, error);
        }
        throw err;
      }
      const row = await messages.markAccepted(message.id, providerMessageId);
      await published(message.account_id, message.id, row.state);
      return { outcome: 'accepted', providerMessageId };
    },

    async markMessageFailed(input: { accountId: string; messageId: string; reason: string }): Promise<void> {
      await messages.markFailed(input.messageId, { message: input.reason });
      await published(input.accountId, input.messageId, 'failed');
    },
  };
}
