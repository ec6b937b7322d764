import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { ChannelAccountsRepository } from '../src/channels/accounts/channel-accounts.repository';
import type { ChannelDrivers } from '../src/channels/driver';
import type { PriceTable } from '../src/channels/pricing/price-table';
import { DispatchesRepository, type DispatchState } from '../src/channels/routing/dispatches.repository';
import { countryOfPhone, optedOut } from '../src/channels/routing/plan';
import { uuidFromKey } from '../src/common/deterministic-uuid';
import { InvalidFieldError } from '../src/common/errors';
import type { MessagesRepository } from '../src/messages/messages.repository';
import { RealtimeRepository } from '../src/realtime/realtime.repository';

export interface DispatchActivityDeps {
  pool: Pool;
  messages: MessagesRepository;
  channelAccounts: ChannelAccountsRepository;
  drivers: ChannelDrivers;
  prices: PriceTable;
}

/** One step of a routed message's plan, as the dispatch workflow sees it. */
export interface DispatchStep {
  channel: string;
  /** The channel tells us when the message reached the customer; without it, accepted is final. */
  deliveryReceipts: boolean;
}

export type DispatchAttempt = { messageId: string } | { skipped: string };

export function createDispatchActivities(deps: DispatchActivityDeps) {
  const dispatches = new DispatchesRepository(deps.pool);
  const realtime = new RealtimeRepository(deps.pool);

  async function load(accountId: string, dispatchId: string) {
    const dispatch = await dispatches.findById(accountId, dispatchId);
    if (!dispatch) throw ApplicationFailure.nonRetryable(`dispatch ${dispatchId} not found`, 'DispatchNotFound');
    return dispatch;
  }

  return {
    async loadDispatchPlan(input: { accountId: string; dispatchId: string }): Promise<DispatchStep[]> {
      const dispatch = await load(input.accountId, input.dispatchId);
      return dispatch.plan.map((c) => ({ channel: c.channel, deliveryReceipts: deps.drivers.get(c.channel)?.capabilities.deliveryReceipts ?? false }));
    },

    /**
     * The message for one step of the plan: rendered by its channel's driver and stored before
     * anything is sent. (dispatch, channel) is unique, so a retried activity finds the same row
     * and a channel never carries the dispatch twice.
     */
    async createDispatchMessage(input: { accountId: string; dispatchId: string; step: number }): Promise<DispatchAttempt> {
      const dispatch = await load(input.accountId, input.dispatchId);
      const c = dispatch.plan[input.step];
      const reach = await dispatches.reachOf(dispatch.account_id, dispatch.contact_id);
      if (!reach) return { skipped: 'the contact no longer exists' };
      if (optedOut(reach.optIns, c.channel, dispatch.category)) return { skipped: `the contact opted out of ${c.channel}` };
      const driver = deps.drivers.get(c.channel);
      if (!driver) return { skipped: `the ${c.channel} channel is not set up` };
      const account = await deps.channelAccounts.findById(dispatch.account_id, c.channelAccountId);
      if (!account) return { skipped: `channel account ${c.channelAccountId} no longer exists` };
      // The same dispatch on the same channel is always the same message.
      const id = uuidFromKey(`${dispatch.id}:${c.channel}`);
      let rendered;
      try {
        rendered = driver.render({ account, recipient: c.recipient, messageId: id, content: dispatch.content, asTemplate: c.asTemplate });
      } catch (err) {
        if (err instanceof InvalidFieldError) return { skipped: err.message };
        throw err;
      }
      const { row } = await deps.messages.insertOutbound({
        id,
        accountId: dispatch.account_id,
        contactId: dispatch.contact_id,
        channel: c.channel,
        channelAccountId: c.channelAccountId,
        type: rendered.type,
        body: rendered.body,
        content: dispatch.content,
        idempotencyKey: null,
        dispatchId: dispatch.id,
        cost: {
          category: dispatch.category,
          destinationCountry: countryOfPhone(reach.whatsapp ?? undefined),
          pricing: c.pricing,
          cost: c.cost,
          templateCost: c.templateCost,
          currency: deps.prices.currency,
        },
      });
      return { messageId: row.id };
    },

    async finishDispatch(input: { accountId: string; dispatchId: string; state: Exclude<DispatchState, 'routing'>; messageId: string | null }) {
      await dispatches.finish(input.accountId, input.dispatchId, input.state, input.messageId);
      await realtime.publish({
        accountId: input.accountId,
        type: 'dispatch.updated',
        data: { dispatch_id: input.dispatchId, state: input.state, message_id: input.messageId },
      });
    },
  };
}
