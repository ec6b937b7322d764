import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.module';
import { inTransaction, PG_POOL } from '../db/database';
import { MetricsService } from '../metrics/metrics.service';
import { InvalidDeliveryError, type DeliveryEvent, type DeliveryHeaders, type EventOutcome, type InboundHandler } from './inbound-delivery';
import { WebhooksRepository, type WebhookStatus } from './webhooks.repository';

/** Stored deliveries not processed within this time are retried by the sweeper. */
const REPROCESS_AFTER_MS = 30_000;
const REPROCESS_EVERY_MS = 15_000;
const MAX_ATTEMPTS = 20;
/** A delivery keeps this many warnings; the count beyond is kept as a last line. */
const MAX_WARNINGS = 50;

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
 */
@Injectable()
export class InboundDeliveriesService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly handlers = new Map<string, InboundHandler<DeliveryEvent, unknown>>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly webhooks: WebhooksRepository,
    private readonly metrics: MetricsService,
  ) {}

  register<E extends DeliveryEvent, R>(handler: InboundHandler<E, R>): void {
    this.handlers.set(handler.provider, handler as unknown as InboundHandler<DeliveryEvent, unknown>);
  }

  onModuleInit() {
    this.sweeper = setInterval(() => void this.reprocessPending(), REPROCESS_EVERY_MS);
    this.sweeper.unref();
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  /**
   * Stores the delivery (durably, before the caller acknowledges it), then processes it.
   * `routeHint`: who it is addressed to when the body does not say (a channel account id).
   */
  async receive(provider: string, rawBody: string, routeHint: string | null = null, headers: DeliveryHeaders = {}): Promise<void> {
    const handler = this.handlerFor(provider);
    const stored = await this.webhooks.store(provider, rawBody, routeHint, headers);
    await this.process(handler, stored.id, rawBody, routeHint, headers);
  }

  /** Deliveries of one account (or of all, for the operator), newest first. */
  list(filter: { accountId: string | null; status?: WebhookStatus; limit: number }) {
    return this.webhooks.list(filter);
  }

  async reprocessPending(): Promise<number> {
    const pending = await this.webhooks.listPending(REPROCESS_AFTER_MS, MAX_ATTEMPTS, 100).catch((err: Error) => {
      this.logger.warn({ err: err.message }, 'webhook sweeper could not read pending deliveries');
      return [];
    });
    for (const row of pending) {
      const handler = this.handlers.get(row.provider);
      if (handler) await this.process(handler, row.id, row.raw_body, row.route_hint, row.headers ?? {});
    }
    return pending.length;
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
