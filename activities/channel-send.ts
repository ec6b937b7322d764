import { ApplicationFailure } from '@temporalio/activity';
import type { ChannelAccountsRepository } from '../src/channels/accounts/channel-accounts.repository';
import type { ChannelSecrets } from '../src/channels/accounts/channel-secrets';
import { ChannelSendError, type ChannelDrivers } from '../src/channels/driver';
import { priceOf, type PriceTable } from '../src/channels/pricing/price-table';
import { serviceWindowOpen } from '../src/whatsapp/service-window';
import { renderWhatsApp } from '../src/channels/whatsapp/whatsapp.driver';
import type { MessageRow, MessagesRepository } from '../src/messages/messages.repository';
import type { RealtimeRepository } from '../src/realtime/realtime.repository';

export interface ChannelSendDeps {
  messages: MessagesRepository;
  channelAccounts: ChannelAccountsRepository;
  secrets: ChannelSecrets;
  drivers: ChannelDrivers;
  realtime: RealtimeRepository;
  prices: PriceTable;
}

export type SendOutcome =
  | { outcome: 'accepted'; providerMessageId: string }
  | { outcome: 'failed'; reason: string }
  /** A previous attempt died during the provider call: it may or may not have been sent. */
  | { outcome: 'unknown' };

/** Meta's "more than 24 h since the customer's last message": the free-form equivalent cannot go. */
const WINDOW_CLOSED = '131047';

/**
 * The one exactly-once send, for every channel: the row exists before the provider call, is
 * marked "sending" right before it and gets the provider's id right after. An attempt that finds
 * "sending" did not see the previous call's outcome and follows its driver's policy
 * (UnknownOutcomePolicy) instead of sending blindly again.
 */
export function createChannelSendActivities(deps: ChannelSendDeps) {
  const { messages, realtime } = deps;
  const published = (m: Pick<MessageRow, 'account_id' | 'id' | 'channel'>, state: string) =>
    realtime.publish({ accountId: m.account_id, type: 'message.updated', data: { message_id: m.id, channel: m.channel, state } });

  async function fail(message: MessageRow, error: Record<string, unknown>): Promise<never> {
    await messages.markFailed(message.id, error);
    await published(message, 'failed');
    throw ApplicationFailure.nonRetryable(String(error.message), 'ChannelSendFailed', error);
  }

  async function accepted(message: MessageRow, providerMessageId: string): Promise<SendOutcome> {
    const row = await messages.markAccepted(message.id, providerMessageId);
    await published(message, row.state);
    return { outcome: 'accepted', providerMessageId };
  }

  /** A converted marketing message whose window has closed goes as its template (priced as one). */
  async function asTemplateIfWindowClosed(message: MessageRow): Promise<MessageRow> {
    if (message.channel !== 'whatsapp' || message.pricing !== 'converted' || !message.content?.template) return message;
    const last = await messages.lastInbound(message.account_id, message.contact_id, message.channel_account_id);
    if (serviceWindowOpen(last, Date.now())) return message;
    return rerenderAsTemplate(message);
  }

  async function rerenderAsTemplate(message: MessageRow): Promise<MessageRow> {
    const to = String(message.body.to);
    const rendered = renderWhatsApp(message.content!, to, message.id, true);
    const cost = priceOf(deps.prices, 'whatsapp', message.category ?? 'marketing', true);
    await messages.renderedAgain(message.id, { ...rendered, pricing: 'template', cost });
    return { ...message, ...rendered, pricing: 'template', cost: String(cost) };
  }

  return {
    async sendChannelMessage(input: { accountId: string; messageId: string; resendUnknown: boolean }): Promise<SendOutcome> {
      let message = await messages.findById(input.accountId, input.messageId);
      if (!message) throw ApplicationFailure.nonRetryable(`message ${input.messageId} not found`, 'MessageNotFound');
      if (message.provider_message_id) return { outcome: 'accepted', providerMessageId: message.provider_message_id };
      if (message.state === 'failed') return { outcome: 'failed', reason: JSON.stringify(message.error) };
      const driver = deps.drivers.get(message.channel);
      if (!driver) return fail(message, { message: `the ${message.channel} channel is not set up on this worker`, code: 'channel_not_configured' });
      const row = await deps.channelAccounts.findById(message.account_id, message.channel_account_id);
      if (!row) return fail(message, { message: `channel account ${message.channel_account_id} no longer exists`, code: 'channel_account_gone' });
      const account = deps.secrets.open(row);

      if (message.state === 'sending') {
        switch (driver.unknownOutcomeFor?.(row) ?? driver.unknownOutcome) {
          case 'await-receipt':
            if (!input.resendUnknown) return { outcome: 'unknown' };
            break;
          case 'lookup': {
            const found = await driver.lookupSent!(account, message);
            if (found) return accepted(message, found);
            if (!input.resendUnknown) return { outcome: 'unknown' };
            break;
          }
          case 'idempotent':
            break;
          case 'never-resend':
            return fail(message, {
              message: `a ${message.channel} send was interrupted and ${message.channel} cannot tell whether it arrived; not sent again`,
              code: 'outcome_unknown',
            });
        }
      }

      message = await asTemplateIfWindowClosed(message);
      await messages.markSending(message.id);
      try {
        const result = await driver.send(account, message);
        return await accepted(message, result.providerMessageId);
      } catch (err) {
        if (!(err instanceof ChannelSendError)) throw err;
        const error = { code: err.code, ...err.details, message: err.message, retryable: err.retryable };
        if (err.code === WINDOW_CLOSED && message.pricing === 'converted' && message.content?.template) {
          // The window closed between the check and Meta: the template goes on the next attempt.
          await rerenderAsTemplate(message);
          await messages.markRetrying(message.id, error);
          throw ApplicationFailure.retryable(err.message, 'WindowClosedRetryAsTemplate', error);
        }
        if (!err.retryable) return fail(message, error);
        await messages.markRetrying(message.id, error);
        throw ApplicationFailure.create({
          message: err.message,
          type: 'ChannelSendRetryable',
          details: [error],
          nextRetryDelay: err.retryAfterMs ?? undefined,
        });
      }
    },

    async markMessageFailed(input: { accountId: string; messageId: string; reason: string }): Promise<void> {
      await messages.markFailed(input.messageId, { message: input.reason });
      await realtime.publish({ accountId: input.accountId, type: 'message.updated', data: { message_id: input.messageId, state: 'failed' } });
    },
  };
}
