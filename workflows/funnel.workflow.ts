import { condition, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { wakeInstanceOutbox } from './instance-outbox.workflow';
import { RecadoFunnelStep } from './search-attributes';

export interface FunnelInput {
  funnelId: string;
  accountId: string;
  storeId: string;
}

export type FunnelResult = { state: 'completed' | 'stopped' | 'cancelled'; reason: string };

/** Something the funnel depends on changed (its order was paid, the store reconnected, was deleted): look again now. */
export const funnelChangedSignal = defineSignal('funnelChanged');
export const funnelStepQuery = defineQuery<{ step: number; waiting: string | null }>('funnelStep');

/**
 * One funnel of a store for one customer's order or cart (workflow id = funnels.id): before each
 * step it asks what is due — from the store's current configuration, so changes apply at the
 * next step — waits for it on a timer, then puts the step's message in its instance's paced
 * outbox. It ends when the schedule is done, or when the store says so: the order was paid or
 * marked paid, a newer order replaced the cart, the store was deleted. While the store or its
 * instance is disconnected it waits.
 */
export async function funnelWorkflow(input: FunnelInput): Promise<FunnelResult> {
  const { planFunnelStep, queueFunnelMessage } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '1m' },
  });
  let changed = false;
  let step = 0;
  let waiting: string | null = null;
  setHandler(funnelChangedSignal, () => {
    changed = true;
  });
  setHandler(funnelStepQuery, () => ({ step, waiting }));

  for (;;) {
    changed = false;
    const plan = await planFunnelStep({ funnelId: input.funnelId, step, now: Date.now() });
    if (plan.kind === 'done') return { state: plan.state, reason: plan.reason };
    if (plan.kind === 'wait') {
      waiting = plan.reason;
      await condition(() => changed, Math.max(1, plan.until - Date.now()));
      continue;
    }
    waiting = null;
    upsertSearchAttributes([{ key: RecadoFunnelStep, value: plan.step }]);
    const queued = await queueFunnelMessage({ funnelId: input.funnelId, step: plan.step });
    if ('queued' in queued && queued.wake) await wakeInstanceOutbox({ accountId: queued.accountId, channelAccountId: queued.channelAccountId });
    step = plan.step + 1;
  }
}
