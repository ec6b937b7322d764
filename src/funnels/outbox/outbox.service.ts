import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { NotFoundError } from '../../common/errors';
import { LOGGER } from '../../common/logger.module';
import { PeriodicSweep, type RowSweep } from '../../common/periodic-sweep';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { TEMPORAL_CLIENT } from '../../infra/infra.module';
import { instanceOutboxWorkflow, instanceOutboxWorkflowId, outboxSearchAttributes, outboxWakeSignal } from '../../../workflows/instance-outbox.workflow';
import type { NotificationRow, NotificationState, StoreRules } from '../model';
import type { ChannelAccountConnectionView, NotificationView } from './outbox.dto';
import { OutboxRepository } from './outbox.repository';
import { validateStoreRules } from './store-rules';

/** Instances the sweep wakes at most per round. */
const SWEEP_BATCH = 200;

/** The paced outbox seen from the API: a store's notifications, its rules, instances connecting, and the sweep that wakes outboxes. */
@Injectable()
export class OutboxService implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: RowSweep;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: OutboxRepository,
  ) {
    this.sweeper = PeriodicSweep.overRows(temporal, config.outbox.sweepEveryMs, {
      logger,
      what: 'wake outboxes',
      list: () => this.repository.dueInstances(SWEEP_BATCH),
      each: (i) => this.wake(i.account_id, i.channel_account_id),
    });
  }

  onModuleInit() {
    this.sweeper.start();
  }

  async onModuleDestroy() {
    await this.sweeper.stop();
  }

  async notifications(accountId: string, storeId: string, state: NotificationState | undefined, limit: number): Promise<NotificationView[]> {
    await this.store(accountId, storeId);
    return (await this.repository.listNotifications(accountId, storeId, state, limit)).map(view);
  }

  async rules(accountId: string, storeId: string): Promise<StoreRules> {
    return (await this.store(accountId, storeId)).rules ?? {};
  }

  async saveRules(accountId: string, storeId: string, body: unknown): Promise<StoreRules> {
    await this.store(accountId, storeId);
    const saved = await this.repository.saveRules(accountId, storeId, validateStoreRules(body));
    if (!saved) throw new NotFoundError('store', storeId);
    return saved;
  }

  /** Disconnecting holds the instance's queued notifications; connecting wakes its outbox. */
  async setConnected(accountId: string, channelAccountId: string, connected: boolean): Promise<ChannelAccountConnectionView> {
    const row = await this.repository.setDisconnected(accountId, channelAccountId, !connected);
    if (!row) throw new NotFoundError('channel account', channelAccountId);
    if (connected) {
      await this.wake(accountId, channelAccountId).catch((err: Error) =>
        this.logger.warn({ channelAccountId, err: err.message }, 'outbox not woken; the sweep will start it'),
      );
    }
    return { id: row.id, channel: row.channel, connected: row.disconnected_at === null, disconnected_at: row.disconnected_at?.toISOString() ?? null, queued: row.queued };
  }

  /** Starts the instance's outbox unless it runs, and signals it. */
  async wake(accountId: string, channelAccountId: string): Promise<void> {
    await this.temporal.workflow.signalWithStart(instanceOutboxWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: instanceOutboxWorkflowId(channelAccountId),
      typedSearchAttributes: outboxSearchAttributes(accountId),
      args: [{ accountId, channelAccountId }],
      signal: outboxWakeSignal,
      signalArgs: [],
    });
  }

  /** Wakes the outboxes of instances with due notifications (a lost wake, a restart, an instance back). */
  /** Wakes the outboxes with due messages that no workflow is sending. */
  sweep(): Promise<number> {
    return this.sweeper.run();
  }


  private async store(accountId: string, storeId: string) {
    const store = await this.repository.liveStore(accountId, storeId);
    if (!store) throw new NotFoundError('store', storeId);
    return store;
  }
}

function view(n: NotificationRow): NotificationView {
  return {
    id: n.id,
    store_id: n.store_id,
    funnel_id: n.funnel_id,
    step: n.step,
    event_type: n.event_type,
    contact_id: n.contact_id,
    channel_account_id: n.channel_account_id,
    category: n.category,
    template_id: n.template_id,
    variant: n.variant,
    state: n.state,
    reason: n.reason,
    not_before: n.not_before.toISOString(),
    expires_at: n.expires_at.toISOString(),
    dispatch_id: n.dispatch_id,
    sent_at: n.sent_at?.toISOString() ?? null,
    created_at: n.created_at.toISOString(),
  };
}
