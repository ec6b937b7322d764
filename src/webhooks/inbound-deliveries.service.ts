import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import { LOGGER } from '../common/logger.module';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { inTransaction, PG_POOL } from '../db/database';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryQueue } from './delivery-queue';
import { GroupCommit } from './group-commit';
import { InvalidDeliveryError, type DeliveryEvent, type DeliveryHeaders, type EventOutcome, type InboundHandler } from './inbound-delivery';
import { loadInboundConfig, type InboundConfig } from './inbound.config';
import { WebhooksRepository, type NewDelivery, type WebhookStatus } from './webhooks.repository';

const MAX_ATTEMPTS = 20;
/** Rows the sweeper reads at a time. */
const SWEEP_PAGE = 100;
/** A delivery keeps this many warnings; the count beyond is kept as a last line. */
const MAX_WARNINGS = 50;

/** A stored delivery waiting to be processed. */
interface Stored {
  id: string;
  provider: string;
  rawBody: string;
  routeHint: string | null;
  headers: DeliveryHeaders;
}

interface Outcome {
  status: Exclude<WebhookStatus, 'received' | 'failed'>;
  accountId: string | null;
  error: string | null;
  warnings: string[];
}

/**
 * The one inbound-delivery pipeline, for every provider: store raw → (caller acknowledges) →
 * the provider's handler reads events → each event de-duplicated by its natural key in the
 * transaction of its effects → outcome and warnings recorded → a sweeper retries what failed.
 *
 * A delivery is `processed` when any event in it was applied or kept, `ignored` when every
 * event it holds is one recado does not act on, and `invalid` only when nothing in it could be
 * read (a bad event beside good ones becomes a warning, never sinks them).
 *
 * Two ways in: `receive` stores and processes before it returns (the caller acknowledges after
 * both); `accept` returns once the delivery is stored and processes it in the background through
 * a bounded queue — whatever does not fit, or fails, or was queued in a process that died, is
 * stored, and the sweeper processes it WEBHOOK_REPROCESS_AFTER after it arrived.
 */
/** Deliveries accepted this recently mean a burst is on: background processing runs one at a time. */
const ACK_BURST_MS = 50;

@Injectable()
export class InboundDeliveriesService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  private readonly handlers = new Map<string, InboundHandler<DeliveryEvent, unknown>>();
  /** Concurrent requests' deliveries share one INSERT and one commit. */
  private readonly writer: GroupCommit<NewDelivery, string>;
  private readonly queue: DeliveryQueue<Stored>;
  private readonly overflow: Counter<'provider'>;
  private readonly settings: InboundConfig;
  /** The highest id this process stored but could not queue; null when it has caught up. */
  private overflowedUpTo: bigint | null = null;
  private catchingUp = false;
  private lastAcceptAt = -Infinity;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly webhooks: WebhooksRepository,
    private readonly metrics: MetricsService,
    // Last, with the defaults: harnesses that build the pipeline by hand need not pass it.
    @Inject(CONFIG) config: Pick<Config, 'webhooks'> = { webhooks: loadInboundConfig({}) },
  ) {
    const c = (this.settings = config.webhooks);
    this.writer = new GroupCommit((rows) => this.webhooks.storeMany(rows), { batchMax: c.storeBatchMax, writers: c.storeWriters });
    this.queue = new DeliveryQueue((d) => this.process(this.handlerFor(d.provider), d.id, d.rawBody, d.routeHint, d.headers), {
      capacity: c.queueMax,
      concurrency: c.processConcurrency,
      onEmpty: () => void this.catchUp(),
      // Background work yields to a burst of deliveries: their acknowledgements wait on the same CPU.
      busy: () => performance.now() - this.lastAcceptAt < ACK_BURST_MS,
    });
    const queue = this.queue;
    new Gauge({
      name: 'recado_webhook_queue_depth',
      help: 'Stored deliveries waiting or being processed in the background in this process',
      registers: [metrics.registry],
      collect() {
        this.set(queue.depth);
      },
    });
    this.overflow = new Counter({
      name: 'recado_webhook_queue_overflow_total',
      help: 'Deliveries stored while the background queue was full: the sweeper processes them (WEBHOOK_REPROCESS_AFTER)',
      labelNames: ['provider'] as const,
      registers: [metrics.registry],
    });
  }

  register<E extends DeliveryEvent, R>(handler: InboundHandler<E, R>): void {
    this.handlers.set(handler.provider, handler as unknown as InboundHandler<DeliveryEvent, unknown>);
  }

  onModuleInit() {
    this.sweeper = setInterval(() => void this.reprocessPending(), this.settings.sweepEveryMs);
    this.sweeper.unref();
  }

  async onModuleDestroy() {
    clearInterval(this.sweeper);
    // What still waits is stored: the sweeper (here after a restart, or another process) has it.
    await this.queue.stop();
  }

  /**
   * Stores the delivery (durably, before the caller acknowledges it), then processes it.
   * `routeHint`: who it is addressed to when the body does not say (a channel account id).
   */
  async receive(provider: string, rawBody: string, routeHint: string | null = null, headers: DeliveryHeaders = {}): Promise<void> {
    const handler = this.handlerFor(provider);
    const id = await this.writer.write({ provider, rawBody, routeHint, headers });
    await this.process(handler, id, rawBody, routeHint, headers);
  }

  /**
   * Stores the delivery and returns: the caller acknowledges it as soon as it is durable.
   * Processing follows in the background, or, when this process's queue is full, by the sweeper.
   */
  async accept(provider: string, rawBody: string, routeHint: string | null = null, headers: DeliveryHeaders = {}): Promise<void> {
    this.handlerFor(provider);
    this.lastAcceptAt = performance.now();
    const id = await this.writer.write({ provider, rawBody, routeHint, headers });
    if (!this.queue.offer({ id, provider, rawBody, routeHint, headers })) {
      this.overflow.inc({ provider });
      if (this.overflowedUpTo === null || BigInt(id) > this.overflowedUpTo) this.overflowedUpTo = BigInt(id);
    }
  }

  /**
   * Once the queue has emptied, queues what overflowed it instead of leaving it to the sweeper's
   * delay: stored, never processed deliveries up to the last id that did not fit. (One another
   * process is about to process may be taken too: harmless, every event is de-duplicated.)
   */
  private async catchUp(): Promise<void> {
    if (this.catchingUp || this.overflowedUpTo === null) return;
    this.catchingUp = true;
    try {
      let after = '0';
      while (this.overflowedUpTo !== null && this.queue.room > 0) {
        const upTo: bigint = this.overflowedUpTo;
        const page = await this.webhooks.listReceived(after, upTo.toString(), Math.min(SWEEP_PAGE, this.queue.room));
        for (const row of page) {
          if (!this.handlers.has(row.provider) || this.queue.holds(row.id)) continue;
          if (!this.queue.offer({ id: row.id, provider: row.provider, rawBody: row.raw_body, routeHint: row.route_hint, headers: row.headers ?? {} })) break;
        }
        if (page.length === 0) {
          // Everything up to `upTo` is queued or done; a later overflow raised the mark: go on.
          if (this.overflowedUpTo === upTo) this.overflowedUpTo = null;
          continue;
        }
        after = page[page.length - 1].id;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not read overflowed deliveries; the sweeper will');
    } finally {
      this.catchingUp = false;
    }
  }

  /** Deliveries of one account (or of all, for the operator), newest first. */
  list(filter: { accountId: string | null; status?: WebhookStatus; limit: number }) {
    return this.webhooks.list(filter);
  }

  /**
   * Queues every delivery stored at least WEBHOOK_REPROCESS_AFTER ago and not processed (or
   * failed) that is not already queued here, as far as the queue has room, and waits until those
   * are processed. Returns how many it queued.
   */
  async reprocessPending(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let queued = 0;
    const finished: Promise<void>[] = [];
    try {
      let after = '0';
      while (this.queue.room > 0) {
        const page = await this.webhooks.listPending(this.settings.reprocessAfterMs, MAX_ATTEMPTS, SWEEP_PAGE, after);
        for (const row of page) {
          if (this.handlers.has(row.provider) && !this.queue.holds(row.id)) {
            let done!: () => void;
            const processed = new Promise<void>((resolve) => (done = resolve));
            const item = { id: row.id, provider: row.provider, rawBody: row.raw_body, routeHint: row.route_hint, headers: row.headers ?? {} };
            if (!this.queue.offer(item, done)) break;
            finished.push(processed);
            queued++;
          }
        }
        if (page.length < SWEEP_PAGE) break;
        after = page[page.length - 1].id;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'webhook sweeper could not read pending deliveries');
    }
    // Only what this sweep queued: with deliveries arriving all the time the queue is never idle.
    await Promise.all(finished);
    this.sweeping = false;
    if (queued) this.logger.info({ queued }, 'webhook sweeper processed stored deliveries');
    return queued;
  }

  private handlerFor(provider: string) {
    const handler = this.handlers.get(provider);
    if (!handler) throw new Error(`no inbound handler registered for provider ${provider}`);
    return handler;
  }

  /** Never throws: a failure leaves the delivery "failed" for the sweeper to retry. */
  private async process(
    handler: InboundHandler<DeliveryEvent, unknown>,
    webhookId: string,
    rawBody: string,
    routeHint: string | null,
    headers: DeliveryHeaders,
  ): Promise<void> {
    const provider = handler.provider;
    // The account is known as soon as an event names it: a failed delivery is shown to it.
    const owner = { accountId: null as string | null };
    let outcome: Outcome;
    try {
      outcome = await this.apply(handler, webhookId, rawBody, routeHint, headers, owner);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error({ provider, webhookId, err: message }, 'webhook processing failed; will retry');
      await this.webhooks.finish(webhookId, { status: 'failed', accountId: owner.accountId, error: message, warnings: [] }).catch(() => {});
      this.metrics.webhooks.inc({ provider, status: 'failed' });
      return;
    }
    if (outcome.status === 'invalid') this.logger.warn({ provider, webhookId, reason: outcome.error }, 'invalid webhook stored');
    if (outcome.warnings.length) {
      this.logger.info({ provider, webhookId, warnings: outcome.warnings.length }, 'webhook read with warnings');
      this.metrics.webhookWarnings.inc({ provider }, outcome.warnings.length);
    }
    await this.webhooks.finish(webhookId, { ...outcome, warnings: capped(outcome.warnings) });
    this.metrics.webhooks.inc({ provider, status: outcome.status });
  }

  private async apply(
    handler: InboundHandler<DeliveryEvent, unknown>,
    webhookId: string,
    rawBody: string,
    routeHint: string | null,
    headers: DeliveryHeaders,
    owner: { accountId: string | null },
  ): Promise<Outcome> {
    const provider = handler.provider;
    let parsed;
    try {
      parsed = handler.parse(rawBody, routeHint, headers);
    } catch (err) {
      if (err instanceof InvalidDeliveryError) return { status: 'invalid', accountId: null, error: err.message, warnings: [] };
      throw err;
    }
    const warnings = [...parsed.warnings];
    const unreadable = parsed.rejected.map((r) => `${r.at}: not understood: ${r.reason}`);
    const count = (kind: string, outcome: string) => this.metrics.webhookEvents.inc({ provider, kind, outcome });
    parsed.rejected.forEach(() => count('unknown', 'invalid'));
    let kept = 0;
    let ignored = 0;

    for (const event of parsed.events) {
      const route = await handler.route(event);
      if (route.accountId) owner.accountId ??= route.accountId;
      if (handler.isIgnored(event)) {
        ignored++;
        count(event.kind, 'ignored');
        continue;
      }
      if (route.accountId === null) {
        unreadable.push(route.reason);
        count(event.kind, 'invalid');
        continue;
      }
      const target = { accountId: route.accountId, target: route.target };
      const outcome = await inTransaction(this.pool, async (db): Promise<EventOutcome | 'duplicate'> => {
        const isNew = await this.webhooks.recordEvent(db, { provider, dedupeKey: event.dedupeKey, webhookId, accountId: route.accountId, kind: event.kind });
        if (!isNew) {
          await handler.onDuplicate?.(db, event, target, webhookId);
          return 'duplicate';
        }
        const applied = await handler.apply(db, event, target, webhookId);
        if (applied !== 'applied') await this.webhooks.markEventUnhandled(db, provider, event.dedupeKey);
        return applied;
      });
      if (outcome === 'duplicate') this.metrics.webhookDuplicates.inc({ provider });
      count(event.kind, outcome);
      if (outcome === 'ignored') ignored++;
      else kept++;
      // Also after a duplicate: its first delivery may have stopped between the commit and this.
      if (handler.afterCommit) await handler.afterCommit(event, target);
    }

    if (kept > 0) return { status: 'processed', accountId: owner.accountId, error: null, warnings: [...unreadable, ...warnings] };
    if (ignored > 0) return { status: 'ignored', accountId: owner.accountId, error: null, warnings: [...unreadable, ...warnings] };
    return {
      status: 'invalid',
      accountId: owner.accountId,
      error: unreadable.length ? unreadable.join('; ') : 'the delivery holds no event',
      warnings,
    };
  }
}

function capped(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `… and ${warnings.length - MAX_WARNINGS} more`];
}
