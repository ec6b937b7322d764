import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { ChannelDrivers } from '../src/channels/driver';
import type { PriceTable } from '../src/channels/pricing/price-table';
import { DispatchesRepository } from '../src/channels/routing/dispatches.repository';
import { createRoutedDispatch } from '../src/channels/routing/routed-dispatch';
import { durationMs, type Config } from '../src/config/config';
import { type OutboxConfig, planLimitOf } from '../src/funnels/outbox/outbox.config';
import { OutboxRepository, type DueNotification } from '../src/funnels/outbox/outbox.repository';
import { decide, marketingAllowedOn, minIntervalMs, type Decision } from '../src/funnels/outbox/rules';
import { contactTimeZone, dayBounds } from '../src/funnels/outbox/zones';
import type { DispatchInput } from '../workflows/dispatch.workflow';

export interface OutboxActivityDeps {
  pool: Pool;
  drivers: ChannelDrivers;
  prices: PriceTable;
  outbox: OutboxConfig;
  receiptTimeout: Config['channels']['receiptTimeout'];
  messages: Config['messages'];
}

/** What one take did, and what the instance's outbox workflow does next. */
export type OutboxTake =
  /** A notification became a routed message: start its dispatch workflow, then sleep the interval. */
  | { kind: 'sent'; notificationId: string; dispatch: DispatchInput; intervalMs: number }
  /** The instance sent too recently: sleep, then take again. */
  | { kind: 'paced'; waitMs: number }
  /** Rules ended or postponed a batch of notifications: take again. */
  | { kind: 'more' }
  /** Nothing due: wait for a wake or `nextDueInMs` (null: nothing queued); end after idleAfterMs. */
  | { kind: 'idle'; nextDueInMs: number | null; idleAfterMs: number };

/** Notifications one take ends or postpones at most before it lets the workflow record progress. */
const TAKE_BATCH = 50;

export function createOutboxActivities(deps: OutboxActivityDeps) {
  const outbox = new OutboxRepository(deps.pool);
  const dispatches = new DispatchesRepository(deps.pool);
  const { outbox: config } = deps;

  async function decideFor(db: PoolClient, n: DueNotification, now: Date, lastSentAt: Date | null): Promise<Decision> {
    const timeZone = contactTimeZone({ timeZone: n.contact_time_zone, phone: n.contact_phone }, config.timeZone);
    await outbox.lockAccount(db, n.account_id);
    const contactDay = dayBounds(timeZone, now.getTime());
    const accountDay = dayBounds(config.timeZone, now.getTime());
    return decide({
      now: now.getTime(),
      notification: { category: n.category, createdAt: n.created_at.getTime(), expiresAt: n.expires_at.getTime(), reason: n.reason },
      store: { deleted: n.store_deleted, disconnected: n.store_disconnected, rules: n.store_rules ?? {} },
      instanceDisconnected: n.instance_disconnected,
      contact: { optIns: n.contact_opt_ins ?? {}, timeZone },
      sentToContactToday: await outbox.countSentToContact(db, n.account_id, n.contact_id, new Date(contactDay.start)),
      sentByAccountToday: await outbox.countSentByAccount(db, n.account_id, new Date(accountDay.start)),
      plan: planLimitOf(config, n.plan),
      accountTimeZone: config.timeZone,
      defaults: { frequencyCap: config.frequencyCap, minIntervalMs: config.minIntervalMs },
      lastSentAt: lastSentAt?.getTime() ?? null,
    });
  }

  /** Routes the notification as a dispatch (idempotent per notification); the reason when nothing reaches the contact. */
  async function route(db: PoolClient, n: DueNotification, now: Date) {
    const optIns = n.contact_opt_ins ?? {};
    return createRoutedDispatch(
      { repository: dispatches, drivers: deps.drivers, prices: deps.prices },
      {
        id: randomUUID(),
        accountId: n.account_id,
        contactId: n.contact_id,
        category: n.category,
        content: n.content,
        idempotencyKey: `notification:${n.id}`,
        now: now.getTime(),
        db,
        allow: n.category === 'marketing' ? (c) => marketingAllowedOn(optIns, c.channel) : undefined,
      },
    );
  }

  return {
    /**
     * One transaction on one instance's outbox: lock its pacing row, then apply the rules to its
     * due notifications, oldest first, writing each outcome with its reason, until one is sent
     * (compare-and-set of the instance's last send) or none is due.
     */
    async takeOutboxNotification(input: { accountId: string; channelAccountId: string }): Promise<OutboxTake> {
      return outbox.transaction(async (db) => {
        const { lastSentAt, now } = await outbox.lockInstance(db, input.accountId, input.channelAccountId);
        for (let i = 0; i < TAKE_BATCH; i++) {
          const n = await outbox.nextDue(db, input.channelAccountId, now);
          if (!n) {
            const next = await outbox.nextDueAt(db, input.channelAccountId, now);
            // Due yet not taken: another run holds it; look again after one interval.
            const inMs = next === null ? null : next.getTime() - now.getTime();
            return { kind: 'idle', nextDueInMs: inMs === null ? null : inMs > 0 ? inMs : config.minIntervalMs, idleAfterMs: config.idleAfterMs };
          }
          const decision = await decideFor(db, n, now, lastSentAt);
          switch (decision.kind) {
            case 'pace':
              return { kind: 'paced', waitMs: decision.until - now.getTime() };
            case 'cancel':
              await outbox.finish(db, n.id, 'cancelled', decision.reason);
              continue;
            case 'expire':
              await outbox.finish(db, n.id, 'expired', decision.reason);
              continue;
            case 'suppress':
              await outbox.finish(db, n.id, 'suppressed', decision.reason);
              continue;
            case 'refuse':
              await outbox.finish(db, n.id, 'refused', decision.reason);
              continue;
            case 'hold':
              await outbox.postpone(db, n.id, decision.reason, null);
              continue;
            case 'wait':
              await outbox.postpone(db, n.id, decision.reason, new Date(decision.until));
              continue;
            case 'send':
              break;
          }
          const routed = await route(db, n, now);
          if (routed.outcome !== 'created') {
            await outbox.finish(db, n.id, 'refused', routed.outcome === 'no_contact' ? 'the contact no longer exists' : routed.reason);
            continue;
          }
          if (!(await outbox.recordSend(db, input.channelAccountId, lastSentAt, now))) {
            throw new Error(`instance ${input.channelAccountId} sent meanwhile: its pacing row changed under the lock`);
          }
          await outbox.markSent(db, n.id, routed.row.id, now);
          const giveUpMs = Math.max(Math.min(durationMs(deps.messages.giveUpAfter), n.expires_at.getTime() - now.getTime()), durationMs(deps.messages.sendTimeout));
          return {
            kind: 'sent',
            notificationId: n.id,
            intervalMs: minIntervalMs(n.store_rules ?? {}, config.minIntervalMs),
            dispatch: {
              accountId: n.account_id,
              dispatchId: routed.row.id,
              contactId: n.contact_id,
              receiptTimeout: deps.receiptTimeout,
              // A message the provider has not taken by the notification's expiry gives up then.
              send: { sendTimeout: deps.messages.sendTimeout, unknownOutcomeWait: deps.messages.unknownOutcomeWait, giveUpAfter: giveUpMs },
            },
          };
        }
        return { kind: 'more' };
      });
    },
  };
}
