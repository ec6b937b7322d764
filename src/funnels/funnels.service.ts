import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Logger } from 'pino';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { ContactErasers } from '../contacts/erasure/contact-eraser';
import { LOGGER } from '../common/logger.module';
import { PeriodicSweep, type RowSweep } from '../common/periodic-sweep';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { funnelChangedSignal, funnelWorkflow } from '../../workflows/funnel.workflow';
import { funnelSearchAttributes } from '../../workflows/search-attributes';
import { DEFAULT_FUNNEL_CONFIGS, validateFunnelConfig, type FunnelConfig } from './funnel-plan';
import { FunnelsRepository } from './funnels.repository';
import type { FunnelName, FunnelRow, FunnelState } from './model';

const STUCK_AFTER_MS = 30_000;
/** Funnels signalled at once when a store reconnects or is deleted. */
const WAKE_CONCURRENCY = 20;

/** Funnel workflows: started after their store event commits, woken when what they wait on changes. */
@Injectable()
export class FunnelsService implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: RowSweep;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: FunnelsRepository,
    private readonly erasers: ContactErasers,
  ) {
    this.sweeper = PeriodicSweep.overRows(temporal, config.funnels.sweepEveryMs, {
      logger,
      what: 'start funnels',
      list: () => this.repository.listStarting(STUCK_AFTER_MS, 100),
      each: (funnel) => this.start(funnel),
    });
  }

  onModuleInit() {
    // A running funnel whose row is gone ends at its next step without sending.
    this.erasers.register({ name: 'funnels', erase: (tx, contact) => this.repository.deleteOfContact(tx, contact.accountId, contact.id) });
    this.sweeper.start();
  }

  async onModuleDestroy() {
    await this.sweeper.stop();
  }

  /** Starts a funnel's workflow; its id is the funnel's, so Temporal refuses a second copy. */
  async start(funnel: Pick<FunnelRow, 'id' | 'account_id' | 'store_id' | 'contact_id' | 'funnel'>): Promise<void> {
    try {
      await this.temporal.workflow.start(funnelWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: funnel.id,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: funnelSearchAttributes({ accountId: funnel.account_id, contactId: funnel.contact_id }, { storeId: funnel.store_id, funnel: funnel.funnel }),
        args: [{ funnelId: funnel.id, accountId: funnel.account_id, storeId: funnel.store_id }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Tells funnels to look again now (the store already wrote why); one that has ended is fine. */
  async wake(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += WAKE_CONCURRENCY) {
      await Promise.all(
        ids.slice(i, i + WAKE_CONCURRENCY).map((id) =>
          this.temporal.workflow
            .getHandle(id)
            .signal(funnelChangedSignal)
            .catch((err: Error) => {
              if (!(err instanceof WorkflowNotFoundError)) this.logger.warn({ funnelId: id, err: err.message }, 'funnel not woken; it looks again at its next timer');
            }),
        ),
      );
    }
  }

  /** Every open funnel of a store (it reconnected), or of one of its funnels (its settings changed). */
  async wakeStore(storeId: string, funnel?: FunnelName): Promise<void> {
    let after = '';
    for (;;) {
      const ids = await this.repository.openIds(storeId, { limit: 500, afterId: after, funnel });
      if (!ids.length) return;
      await this.wake(ids);
      after = ids[ids.length - 1];
    }
  }

  /** Starts the funnels whose workflow did not start (Temporal was down at the commit). */
  startStuck(): Promise<number> {
    return this.sweeper.run();
  }


  list(storeId: string, filter: { state?: FunnelState; funnel?: FunnelName; limit: number }) {
    return this.repository.list(storeId, filter);
  }

  async get(accountId: string, storeId: string, id: string): Promise<FunnelRow> {
    const funnel = await this.repository.findById(accountId, id);
    if (!funnel || funnel.store_id !== storeId) throw new NotFoundError('funnel', id);
    return funnel;
  }

  configs(storeId: string) {
    return this.repository.configs(storeId);
  }

  /** `tail` and `due_after` absent or null: the funnel's defaults. */
  async saveConfig(storeId: string, funnel: FunnelName, input: Omit<FunnelConfig, 'tail' | 'due_after'> & { tail?: string | null; due_after?: string | null }): Promise<FunnelConfig> {
    const saved: FunnelConfig = { enabled: input.enabled, steps: input.steps.map((s) => ({ after: s.after })) };
    const defaults = DEFAULT_FUNNEL_CONFIGS[funnel];
    const tail = input.tail ?? defaults.tail;
    const dueAfter = input.due_after ?? defaults.due_after;
    if (tail !== undefined) saved.tail = tail;
    if (dueAfter !== undefined) saved.due_after = dueAfter;
    const [first] = validateFunnelConfig(saved);
    if (first) throw new InvalidFieldError(first.field, first.message);
    await this.repository.saveConfig(storeId, funnel, saved);
    // Running funnels re-plan now: a step brought forward is not left waiting on the old timer.
    void this.wakeStore(storeId, funnel).catch(() => undefined);
    return saved;
  }

  /** "Mark as paid": the order's payment reminders stop now. */
  async markPaid(accountId: string, storeId: string, orderId: string): Promise<string[]> {
    const stopped = await this.repository.stopOrder(accountId, storeId, orderId, `order ${orderId} was marked as paid by hand`);
    await this.wake(stopped);
    return stopped;
  }
}
