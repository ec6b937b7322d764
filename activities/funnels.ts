import type { Pool } from 'pg';
import { uuidFromKey } from '../src/common/deterministic-uuid';
import { inTransaction } from '../src/db/database';
import { dueAtOf, planStep, type StepPlan } from '../src/funnels/funnel-plan';
import { FunnelsRepository } from '../src/funnels/funnels.repository';
import { TrackedLinks } from '../src/funnels/links/tracked-links';
import type { FunnelName, NotificationCategory, StoreTemplateRow } from '../src/funnels/model';
import { pickTemplate } from '../src/funnels/templates/pick-template';
import { renderStoreTemplate } from '../src/funnels/templates/render-template';
import { StoreTemplatesRepository } from '../src/funnels/templates/store-templates.repository';
import type { SecretKeys } from '../src/secrets/secrets';

export interface FunnelActivityDeps {
  pool: Pool;
  /** Keys tracked links are derived from. */
  secrets: SecretKeys;
  publicUrl: string;
  expireAfterMs: number;
  staleAfterMs: number;
}

/** `wake`: the outbox may be idle (nothing else of its instance was due), so the funnel wakes it. */
export type QueuedFunnelMessage = { queued: string; accountId: string; channelAccountId: string; wake: boolean } | { skipped: string };

/**
 * A funnel's I/O: what its next step is (from the store's configuration and state, read fresh
 * every time), and putting a step's message in its instance's paced outbox.
 */
export function createFunnelActivities(deps: FunnelActivityDeps) {
  const funnels = new FunnelsRepository(deps.pool);
  const templates = new StoreTemplatesRepository(deps.pool);
  const links = new TrackedLinks(deps.pool, deps.publicUrl, deps.secrets);

  return {
    /** `now` is the workflow's clock, so that the plan follows its timers. */
    async planFunnelStep(input: { funnelId: string; step: number; now: number }): Promise<StepPlan> {
      const funnel = await funnels.context(input.funnelId);
      if (!funnel) return { kind: 'done', state: 'cancelled', reason: 'the funnel no longer exists' };
      const ended = funnel.store_deleted
        ? { state: 'cancelled' as const, reason: 'the store was deleted' }
        : funnel.state === 'starting' || funnel.state === 'running'
          ? null
          : { state: funnel.state, reason: funnel.reason ?? funnel.state };
      const plan = planStep({
        config: funnel.config,
        funnel: funnel.funnel,
        startedAt: funnel.started_at.getTime(),
        nextStep: Math.max(input.step, funnel.step),
        now: input.now,
        dueAt: dueAtOf(funnel.event),
        ended,
        paused: funnel.paused,
        staleAfterMs: deps.staleAfterMs,
      });
      if (plan.kind === 'done') await funnels.finish(funnel.id, plan.state, plan.reason);
      else await funnels.markRunning(funnel.id, input.step);
      return plan;
    },

    /**
     * The step's message, rendered from the store's template for it (the contact's A/B variant)
     * with its links tracked, stored in the outbox with the step as its key: a retried activity
     * finds its own row, and no step is ever queued twice. No enabled template: the step is
     * silent (the event is still recorded).
     */
    async queueFunnelMessage(input: { funnelId: string; step: number }): Promise<QueuedFunnelMessage> {
      const funnel = await funnels.context(input.funnelId);
      if (!funnel || funnel.store_deleted || !(funnel.state === 'starting' || funnel.state === 'running')) {
        return { skipped: funnel?.reason ?? 'the funnel has ended' };
      }
      const template = pickTemplate(await templates.forEvent(funnel.store_id, funnel.funnel), {
        eventType: funnel.funnel,
        step: input.step,
        contactId: funnel.contact_id,
      });
      const id = uuidFromKey(`${funnel.id}:${input.step}`);
      return inTransaction(deps.pool, async (db) => {
        await db.query('UPDATE funnels SET step = greatest(step, $2), updated_at = now() WHERE id = $1', [funnel.id, input.step + 1]);
        if (!template) return { skipped: `no enabled template for ${funnel.funnel} step ${input.step}` };
        const linker = links.linker(id);
        const content = renderStoreTemplate(template, funnel.event, { storeName: funnel.store_name, link: linker.link });
        const { rowCount } = await db.query(
          `INSERT INTO notifications (id, account_id, store_id, channel_account_id, contact_id, funnel_id, step, event_type, template_id, variant,
                                      category, content, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + make_interval(secs => $13 / 1000.0))
           ON CONFLICT (funnel_id, step) DO NOTHING`,
          [id, funnel.account_id, funnel.store_id, funnel.channel_account_id, funnel.contact_id, funnel.id, input.step, funnel.funnel, template.id,
            template.variant, categoryOf(template, funnel.funnel, input.step), JSON.stringify(content), deps.expireAfterMs],
        );
        if (rowCount) await links.save(db, id, linker.links());
        // Others of the instance due already: its outbox is taking them and reaches this one next (if
        // it went idle in the instant before this commit, the API's sweep wakes it). Waking it for
        // every message under load would only crowd its history with signals.
        const { rows: others } = await db.query(
          `SELECT 1 FROM notifications WHERE channel_account_id = $1 AND state = 'queued' AND not_before <= now() AND id <> $2 LIMIT 1`,
          [funnel.channel_account_id, id],
        );
        return { queued: id, accountId: funnel.account_id, channelAccountId: funnel.channel_account_id, wake: others.length === 0 };
      });
    },
  };
}

/**
 * Marketing templates are marketing. A payment or order funnel's first message (the boleto, the
 * PIX code, the approval, the tracking code) is a transactional alert; its reminders are utility.
 */
function categoryOf(template: StoreTemplateRow, funnel: FunnelName, step: number): NotificationCategory {
  if (template.category === 'marketing') return 'marketing';
  return step === 0 && funnel !== 'cart_abandoned' ? 'transactional' : 'utility';
}
