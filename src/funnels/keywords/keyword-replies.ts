import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Conversations, type InboundMessage } from '../../channels/conversations';
import { LOGGER } from '../../common/logger.module';
import { PeriodicSweep } from '../../common/periodic-sweep';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { ContactErasers } from '../../contacts/erasure/contact-eraser';
import { PG_POOL } from '../../db/database';
import { TEMPORAL_CLIENT } from '../../infra/infra.module';
import type { MessageRow } from '../../messages/messages.repository';
import { RealtimeRepository } from '../../realtime/realtime.repository';
import { keywordCallbackWorkflow, keywordCallbackWorkflowId } from '../../../workflows/keyword-callback.workflow';
import { RecadoAccountId, RecadoContactId, RecadoKind } from '../../../workflows/search-attributes';
import { matchKeyword, replyTexts } from './keyword-match';
import { KeywordTriggersRepository } from './keyword-triggers.repository';

/** Callbacks started per sweep at most; the next sweep takes the rest. */
const SWEEP_BATCH = 100;

/**
 * Replies to funnel messages. Every customer message (any channel) marks the last funnel message
 * sent to that contact within FUNNEL_REPLY_WINDOW as replied; when it is one of the store's reply
 * keywords (or a quick-reply button titled so) it becomes a keyword trigger, in the same
 * transaction: a conversation opened for the contact's agent (realtime `conversation.opened`)
 * and, when the store has a callback URL, a durable callback (keywordCallbackWorkflow). The
 * reply's transaction cannot start a workflow that must see its rows, so a sweep starts them.
 */
@Injectable()
export class KeywordReplies implements OnModuleInit, OnModuleDestroy {
  private readonly realtime: RealtimeRepository;
  private readonly sweeper: PeriodicSweep;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) pool: Pool,
    private readonly triggers: KeywordTriggersRepository,
    private readonly conversations: Conversations,
    private readonly erasers: ContactErasers,
  ) {
    this.realtime = new RealtimeRepository(pool);
    this.sweeper = new PeriodicSweep(temporal, config.funnelStats.keywordCallback.sweepMs, () => this.startPendingCallbacks());
  }

  onModuleInit() {
    this.conversations.onInbound((db, inbound) => this.onReply(db, inbound));
    this.erasers.register({ name: 'keyword_triggers', erase: (tx, contact) => this.triggers.deleteOfContact(tx, contact.accountId, contact.id) });
    this.sweeper.start();
  }

  async onModuleDestroy() {
    await this.sweeper.stop();
  }

  async onReply(db: PoolClient, inbound: { contactId: string; message: MessageRow; from: InboundMessage }): Promise<void> {
    const { contactId, message, from } = inbound;
    const notification = await this.triggers.markReplied(db, from.accountId, contactId, from.at, this.config.funnelStats.replyWindowMs);
    if (!notification) return;
    const rules = await this.triggers.rulesOf(db, notification.store_id);
    const match = rules && matchKeyword(rules, replyTexts(from.channel, from.type, from.body));
    if (!match) return;
    const trigger = await this.triggers.insert(db, {
      id: randomUUID(),
      account_id: from.accountId,
      store_id: notification.store_id,
      contact_id: contactId,
      notification_id: notification.id,
      message_id: message.id,
      keyword: match.keyword,
      matched_text: match.matchedText,
      agent_id: await this.triggers.assignedAgent(db, from.accountId, contactId),
      opened_conversation: match.openConversation,
      callback_url: match.callbackUrl,
      callback_state: match.callbackUrl ? 'pending' : 'none',
    });
    if (!match.openConversation) return;
    const t = (await this.triggers.context(from.accountId, trigger.id, db))!;
    // Delivered on commit; ids and the few facts an agent's screen shows first (NOTIFY caps payloads at 8 kB).
    await this.realtime.publish(
      {
        accountId: from.accountId,
        agentId: t.agent_id,
        type: 'conversation.opened',
        data: {
          reason: 'keyword_reply',
          trigger_id: t.id,
          store_id: t.store_id,
          keyword: t.keyword,
          contact: { id: t.contact_id, name: t.contact_name },
          message: { id: t.message_id, channel: from.channel, text: t.matched_text.slice(0, 500) },
          notification: { id: t.notification_id, event_type: t.event_type, step: t.step, funnel_id: t.funnel_id },
          store_event: { id: t.store_event_id, type: t.funnel_event?.type ?? null, order_id: t.funnel_event?.orderId ?? null, amount: t.funnel_event?.amount ?? null },
        },
      },
      db,
    );
  }

  /** Starts the callback workflow of every trigger still pending (a start that already happened is fine). */
  async startPendingCallbacks(): Promise<number> {
    try {
      const pending = await this.triggers.pending(SWEEP_BATCH);
      const cb = this.config.funnelStats.keywordCallback;
      for (const t of pending) {
        await this.sweeper.call(async () => {
          try {
            await this.temporal.workflow.start(keywordCallbackWorkflow, {
              taskQueue: this.config.temporal.taskQueue,
              workflowId: keywordCallbackWorkflowId(t.id),
              // Another API process may have started (and finished) it since this one read the row: never call twice.
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
              typedSearchAttributes: [
                { key: RecadoKind, value: 'keyword_callback' },
                { key: RecadoAccountId, value: t.account_id },
                { key: RecadoContactId, value: t.contact_id },
              ],
              args: [{
                accountId: t.account_id,
                triggerId: t.id,
                timeoutMs: cb.timeoutMs,
                retry: { intervalMs: cb.retryIntervalMs, maxIntervalMs: cb.retryMaxIntervalMs, giveUpAfterMs: cb.giveUpAfterMs },
              }],
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
        });
        await this.triggers.markStarted(t.id);
      }
      return pending.length;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not start keyword callbacks; will retry');
      return 0;
    }
  }
}
