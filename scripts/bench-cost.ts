/**
 * npm run bench:cost — what routing and the 24 h-window conversion save over sending every
 * message as a WhatsApp template, on a reference month (scripts/bench/cost-month.ts documents
 * the mix). Each message goes through recado's own routing: planRoute (the default policy, the
 * default price table) and walkPlan (the dispatch workflow's fallback walk), with the month's
 * failures forcing fallbacks. A message is charged for the channel that carried it.
 *
 * undelivered: messages some channel could carry that none did; unreachable: messages every channel
 * was opted out of (the API refuses them up front). Last line: {"messages", "naive_cost_brl",
 * "routed_cost_brl", "saving_pct", "undelivered", "double_delivered", …}
 */
import { DEFAULT_PRICE_TABLE, templatePrice } from '../src/channels/pricing/price-table';
import { DEFAULT_ROUTING_POLICY, planRoute, type AccountChannels, type RouteCandidate } from '../src/channels/routing/plan';
import { SERVICE_WINDOW_MS } from '../src/whatsapp/service-window';
import { walkPlan, type StepOutcome } from '../workflows/dispatch-walk';
import { MIX, referenceMonth } from './bench/cost-month';
import { seeded } from './bench/stats';

const FAILURES_ON_LAST_STEP = process.env.FAILURES_ON_LAST_STEP === '1';
const CHANNELS: AccountChannels = { whatsapp: ['wa-1'], email: ['mail-1'], telegram: ['bot-1'], app: ['app-1'] };
/** Marketing content with its approved template and two reply buttons (convertible). */
const CONTENT = {
  text: 'Oi Maria, você esqueceu itens no carrinho. Finalize sua compra!',
  buttons: [{ id: 'finish', title: 'Finalizar compra' }, { id: 'stop', title: 'Parar promoções' }],
  template: { name: 'carrinho_abandonado', language: 'pt_BR', parameters: ['Maria'] },
};

async function main() {
  const started = Date.now();
  const month = referenceMonth();
  const failure = seeded(7);
  const prices = DEFAULT_PRICE_TABLE;
  let naive = 0;
  let routed = 0;
  let undelivered = 0;
  let doubleDelivered = 0;
  let fallbacks = 0;
  let converted = 0;
  let unreachable = 0;
  const byChannel: Record<string, { messages: number; cost: number }> = {};
  const appTokenGone = new Set<number>();

  for (const m of month.messages) {
    const reach = month.contacts[m.contact];
    if (appTokenGone.has(m.contact)) reach.appInstalled = false;
    reach.lastInboundByNumber = m.windowOpen ? { 'wa-1': new Date(m.at - Math.floor(failure() * SERVICE_WINDOW_MS * 0.9)) } : {};
    naive += templatePrice(prices, m.category);
    const plan = planRoute({ category: m.category, content: CONTENT, reach, channels: CHANNELS, policy: DEFAULT_ROUTING_POLICY, prices, now: m.at });
    const carriedOn = new Map<string, number>();

    // A failure is injected only where it forces a fallback (a later step exists), unless
    // FAILURES_ON_LAST_STEP=1: a failure with nowhere to go is lost by any router.
    const fails = (share: number, i: number) => (i < plan.length - 1 || FAILURES_ON_LAST_STEP) && failure() < share;
    const outcome = (step: RouteCandidate, i: number): StepOutcome => {
      carriedOn.set(step.channel, (carriedOn.get(step.channel) ?? 0) + 1);
      const id = `${m.id}:${step.channel}`;
      switch (step.channel) {
        case 'app':
          // FCM answers UNREGISTERED: the token is pruned and the app flag cleared for good.
          if (fails(MIX.failures.appTokenGone, i)) {
            appTokenGone.add(m.contact);
            return { reached: false };
          }
          return { reached: 'delivered', messageId: id };
        case 'whatsapp':
          if (fails(MIX.failures.whatsappRefused, i)) return { reached: false };
          if (fails(MIX.failures.whatsappNoReceipt, i)) {
            unconfirmed.push(step);
            return { reached: false, accepted: id };
          }
          return { reached: 'delivered', messageId: id };
        case 'email':
          return fails(MIX.failures.emailBounce, i) ? { reached: false } : { reached: 'sent', messageId: id };
        default:
          return { reached: 'sent', messageId: id };
      }
    };
    if (plan.length === 0) {
      // Every channel opted out: POST /v1/dispatches refuses it (422), nothing is sent.
      unreachable++;
      continue;
    }
    const unconfirmed: RouteCandidate[] = [];
    const result = await walkPlan(plan.length, async (i) => outcome(plan[i], i));
    for (const count of carriedOn.values()) if (count > 1) doubleDelivered++;
    // Accepted without a receipt may still arrive: charged, as Meta would if it does.
    for (const step of unconfirmed) if (result.state !== 'sent' || plan[result.step] !== step) routed += step.cost;
    if (result.state === 'undelivered') {
      undelivered++;
      continue;
    }
    const used = plan[result.step];
    if (result.step > 0) fallbacks++;
    if (used.pricing === 'converted') converted++;
    routed += used.cost;
    const c = (byChannel[`${used.channel}${used.channel === 'whatsapp' ? (used.asTemplate ? '_template' : '_free_form') : ''}`] ??= { messages: 0, cost: 0 });
    c.messages++;
    c.cost += used.cost;
  }

  const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
  for (const c of Object.values(byChannel)) c.cost = round(c.cost);
  console.log(`reference month: ${month.messages.length} messages to ${month.contacts.length} contacts (mix in scripts/bench/cost-month.ts)`);
  console.log(`by channel: ${JSON.stringify(byChannel)}`);
  console.log(
    JSON.stringify({
      messages: month.messages.length,
      naive_cost_brl: round(naive),
      routed_cost_brl: round(routed),
      saving_pct: round(((naive - routed) / naive) * 100, 1),
      undelivered,
      double_delivered: doubleDelivered,
      unreachable,
      fallbacks,
      converted,
      elapsed_ms: Date.now() - started,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
