import type { CanonicalEvent } from '../stores/canonical-event';
import { DEFAULT_FUNNEL_CONFIGS, dueAtOf, funnelActionsFor, funnelId, planStep, validateFunnelConfig, type StepPlanInput } from './funnel-plan';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-12-01T12:00:00Z');

function event(type: CanonicalEvent['type'], extra: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    type,
    platform: 'generic',
    platformEventId: null,
    platformEventType: type,
    occurredAt: null,
    customer: { phone: '+5511987654321', email: null, name: 'Ana' },
    orderId: '1001',
    cartId: null,
    amount: null,
    product: null,
    artefacts: {},
    ...extra,
  };
}

const plan = (over: Partial<StepPlanInput>) =>
  planStep({ config: DEFAULT_FUNNEL_CONFIGS.cart_abandoned, funnel: 'cart_abandoned', startedAt: T0, nextStep: 0, now: T0, dueAt: null, ended: null, paused: false, staleAfterMs: HOUR, ...over });

describe('what an event does to funnels', () => {
  it('an abandoned cart starts the cart funnel keyed by the cart', () => {
    expect(funnelActionsFor(event('cart_abandoned', { cartId: 'c-9', orderId: null }))).toEqual({
      start: { funnel: 'cart_abandoned', subject: 'c-9' },
      stopsOrderFunnels: [],
      stopsCarts: false,
    });
  });

  it('a printed boleto is the boleto funnel of its order, and a newer order for the customer', () => {
    expect(funnelActionsFor(event('boleto_printed'))).toEqual({ start: { funnel: 'boleto_issued', subject: '1001' }, stopsOrderFunnels: [], stopsCarts: true });
  });

  it('order_paid and payment_approved feed one approval funnel per order and stop its reminders', () => {
    const paid = funnelActionsFor(event('order_paid'));
    expect(paid.start).toEqual(funnelActionsFor(event('payment_approved')).start);
    expect(paid.start).toEqual({ funnel: 'payment_approved', subject: '1001' });
    expect(paid.stopsOrderFunnels).toEqual(['boleto_issued', 'pix_issued', 'card_declined']);
    expect(paid.stopsCarts).toBe(true);
  });

  it('a refund ends the payment reminders but is no newer order', () => {
    const refund = funnelActionsFor(event('refunded'));
    expect(refund.stopsOrderFunnels).toContain('boleto_issued');
    expect(refund.stopsCarts).toBe(false);
  });

  it('a cancelled order ends its payment reminders, feeds its own one-step funnel, and is no newer order', () => {
    expect(funnelActionsFor(event('order_cancelled'))).toEqual({
      start: { funnel: 'order_cancelled', subject: '1001' },
      stopsOrderFunnels: ['boleto_issued', 'pix_issued', 'card_declined'],
      stopsCarts: false,
    });
    expect(DEFAULT_FUNNEL_CONFIGS.order_cancelled).toEqual({ enabled: true, steps: [{ after: 'PT0S' }] });
  });

  it('an event without order or cart is its own subject, the same for the same event', () => {
    const a = funnelActionsFor(event('custom', { orderId: null, variables: { kind: 'birthday' } }));
    const b = funnelActionsFor(event('custom', { orderId: null, variables: { kind: 'birthday' }, occurredAt: '2026-12-02T00:00:00Z' }));
    expect(a.start.subject).toMatch(/^[0-9a-f]{24}$/);
    expect(a.start.subject).toBe(b.start.subject);
  });

  it('workflow ids are readable, and hashed when the subject is not', () => {
    expect(funnelId('s1', 'boleto_issued', '1001')).toBe('funnel-s1-boleto_issued-1001');
    expect(funnelId('s1', 'cart_abandoned', 'a b/c')).toMatch(/^funnel-s1-cart_abandoned-[0-9a-f]{24}$/);
  });
});

describe('when a funnel step is due', () => {
  it('waits for each step of the schedule, then completes', () => {
    expect(plan({})).toEqual({ kind: 'wait', until: T0 + 15 * MIN, reason: 'step 0 is due' });
    expect(plan({ now: T0 + 15 * MIN })).toEqual({ kind: 'send', step: 0 });
    expect(plan({ now: T0 + 16 * MIN, nextStep: 1 })).toEqual({ kind: 'wait', until: T0 + 3 * HOUR, reason: 'step 1 is due' });
    expect(plan({ now: T0 + DAY, nextStep: 3 })).toEqual({ kind: 'done', state: 'completed', reason: 'every step was sent' });
  });

  it('late steps go in order; one more than an hour late is skipped when a later one is due', () => {
    expect(plan({ now: T0 + 3 * HOUR + 30 * MIN, nextStep: 0 })).toEqual({ kind: 'send', step: 1 });
    expect(plan({ now: T0 + 3 * HOUR + 10 * MIN, nextStep: 0, staleAfterMs: 3 * HOUR })).toEqual({ kind: 'send', step: 0 });
    expect(plan({ now: T0 + 2 * DAY, nextStep: 0 })).toEqual({ kind: 'send', step: 2 });
  });

  it('pauses while disconnected, ends when the store ended it or turned it off', () => {
    expect(plan({ paused: true, now: T0 + DAY })).toMatchObject({ kind: 'wait', reason: 'the store or its instance is disconnected' });
    expect(plan({ ended: { state: 'stopped', reason: 'order 1001 was paid' } })).toEqual({ kind: 'done', state: 'stopped', reason: 'order 1001 was paid' });
    expect(plan({ config: { ...DEFAULT_FUNNEL_CONFIGS.cart_abandoned, enabled: false } })).toMatchObject({ kind: 'done', state: 'stopped' });
  });

  it('a boleto sends its first message, reminds only before the due date, then waits the tail', () => {
    const boleto = { config: DEFAULT_FUNNEL_CONFIGS.boleto_issued, funnel: 'boleto_issued' as const, dueAt: T0 + 36 * HOUR };
    expect(plan({ ...boleto })).toEqual({ kind: 'send', step: 0 });
    expect(plan({ ...boleto, nextStep: 1 })).toEqual({ kind: 'wait', until: T0 + DAY, reason: 'step 1 is due' });
    // Step 2 (P2D) falls after the due date: the funnel waits for the payment until due + tail (P3D).
    expect(plan({ ...boleto, nextStep: 2, now: T0 + DAY })).toEqual({ kind: 'wait', until: T0 + 36 * HOUR + 3 * DAY, reason: 'waiting for the payment to be confirmed' });
    expect(plan({ ...boleto, nextStep: 2, now: T0 + 36 * HOUR + 3 * DAY })).toEqual({ kind: 'done', state: 'completed', reason: 'not paid by the due date' });
  });

  it('a boleto without a due date uses the configured one', () => {
    const done = plan({ config: DEFAULT_FUNNEL_CONFIGS.boleto_issued, funnel: 'boleto_issued', nextStep: 3, now: T0 + 5 * DAY });
    expect(done).toEqual({ kind: 'wait', until: T0 + 6 * DAY, reason: 'waiting for the payment to be confirmed' });
  });

  it('reads due dates: a date alone is the end of that day in Brasília', () => {
    expect(dueAtOf(event('boleto_issued', { artefacts: { dueAt: '2026-12-10' } }))).toBe(Date.parse('2026-12-11T02:59:59Z'));
    expect(dueAtOf(event('pix_issued', { artefacts: { pixExpiresAt: '2026-12-01T13:00:00Z' } }))).toBe(Date.parse('2026-12-01T13:00:00Z'));
    expect(dueAtOf(event('boleto_issued', { artefacts: { dueAt: 'soon' } }))).toBeNull();
  });
});

describe('funnel configuration', () => {
  it('names the field that is wrong', () => {
    expect(validateFunnelConfig({ enabled: true, steps: [{ after: 'PT1H' }, { after: '15 minutes' }, { after: 'PT30M' }], tail: 'x' })).toEqual([
      { field: 'steps[1].after', message: 'must be an ISO 8601 duration such as PT15M or P1D' },
      { field: 'steps[2].after', message: 'must not come before the previous step' },
      { field: 'tail', message: 'must be an ISO 8601 duration such as P3D' },
    ]);
    expect(validateFunnelConfig({ enabled: true, steps: [] })).toEqual([{ field: 'steps', message: 'must list 1 to 20 steps' }]);
    expect(validateFunnelConfig(DEFAULT_FUNNEL_CONFIGS.boleto_issued)).toEqual([]);
  });
});
