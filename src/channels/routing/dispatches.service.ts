import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { InvalidFieldError, NotFoundError } from '../../common/errors';
import { LOGGER } from '../../common/logger.module';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { TEMPORAL_CLIENT } from '../../infra/infra.module';
import type { MessageCategory } from '../../messages/messages.repository';
import { dispatchWorkflow, dispatchWorkflowId } from '../../../workflows/dispatch.workflow';
import { recadoSearchAttributes } from '../../../workflows/search-attributes';
import { CHANNEL_DRIVERS } from '../channels.providers';
import type { ChannelDrivers, MessageContent } from '../driver';
import type { DispatchView, RoutingPolicyView } from './dispatches.dto';
import { DispatchesRepository, type DispatchRow } from './dispatches.repository';
import type { RouteStep, RoutingPolicy } from './plan';
import { createRoutedDispatch, policyFrom } from './routed-dispatch';
import { PeriodicSweep, type RowSweep } from '../../common/periodic-sweep';

const STUCK_AFTER_MS = 30_000;
const SWEEP_EVERY_MS = 15_000;

/** Routed messages: planned here (the cheapest channels that reach the contact), walked by dispatchWorkflow. */
@Injectable()
export class DispatchesService implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: RowSweep;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CHANNEL_DRIVERS) private readonly drivers: ChannelDrivers,
    private readonly repository: DispatchesRepository,
  ) {
    this.sweeper = PeriodicSweep.overRows(temporal, SWEEP_EVERY_MS, {
      logger,
      what: 'start routed messages',
      list: () => this.repository.listStuck(STUCK_AFTER_MS, 100),
      each: (row) => this.start(row),
    });
  }

  onModuleInit() {
    this.sweeper.start();
  }

  async onModuleDestroy() {
    await this.sweeper.stop();
  }

  async create(
    accountId: string,
    dto: { contact_id: string; category: MessageCategory; content: MessageContent },
    idempotencyKey: string | null,
  ): Promise<DispatchView> {
    const routed = await createRoutedDispatch(
      { repository: this.repository, drivers: this.drivers, prices: this.config.channels.prices },
      { id: randomUUID(), accountId, contactId: dto.contact_id, category: dto.category, content: dto.content, idempotencyKey, now: Date.now() },
    );
    if (routed.outcome === 'no_contact') throw new NotFoundError('contact', dto.contact_id);
    if (routed.outcome === 'unreachable') throw new InvalidFieldError('contact_id', routed.reason);
    const { row } = routed;
    await this.start(row).catch((err: Error) =>
      this.logger.warn({ dispatchId: row.id, err: err.message }, 'dispatch workflow not started yet; the sweeper will retry'),
    );
    return this.view(row);
  }

  async get(accountId: string, id: string): Promise<DispatchView> {
    const row = await this.repository.findById(accountId, id);
    if (!row) throw new NotFoundError('dispatch', id);
    return this.view(row);
  }

  async policy(accountId: string): Promise<RoutingPolicy> {
    return policyFrom(await this.repository.policyOf(accountId));
  }

  async savePolicy(accountId: string, policy: Partial<Record<MessageCategory, string[]>>): Promise<RoutingPolicyView> {
    for (const [category, steps] of Object.entries(policy)) {
      if (steps && new Set(steps).size !== steps.length) throw new InvalidFieldError(category, 'names a step twice');
    }
    const current = (await this.repository.policyOf(accountId)) ?? {};
    await this.repository.savePolicy(accountId, { ...current, ...(policy as Partial<RoutingPolicy>) });
    return this.policy(accountId);
  }

  /** Starts the routed messages whose workflow did not start. */
  startStuck(): Promise<number> {
    return this.sweeper.run();
  }


  private async start(row: DispatchRow): Promise<void> {
    try {
      await this.temporal.workflow.start(dispatchWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: dispatchWorkflowId(row.id),
        typedSearchAttributes: recadoSearchAttributes('dispatch', { accountId: row.account_id, contactId: row.contact_id }),
        args: [
          {
            accountId: row.account_id,
            dispatchId: row.id,
            contactId: row.contact_id,
            receiptTimeout: this.config.channels.receiptTimeout,
            send: this.config.messages,
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  private view(row: DispatchRow): DispatchView {
    return {
      id: row.id,
      contact_id: row.contact_id,
      category: row.category,
      state: row.state,
      plan: row.plan.map((c) => ({ step: c.step as RouteStep, channel: c.channel, channel_account_id: c.channelAccountId, pricing: c.pricing, cost: c.cost })),
      message_id: row.message_id,
      currency: this.config.channels.prices.currency,
      created_at: row.created_at.toISOString(),
      finished_at: row.finished_at?.toISOString() ?? null,
    };
  }
}
