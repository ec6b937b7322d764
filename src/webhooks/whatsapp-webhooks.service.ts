import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.module';
import { inTransaction, PG_POOL } from '../db/database';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { CallPermissionsService } from '../calls/call-permissions.service';
import { CallsRepository } from '../calls/calls.repository';
import { CallsService } from '../calls/calls.service';
import { ContactsRepository } from '../contacts/contacts.repository';
import { MessagesRepository } from '../messages/messages.repository';
import { NumbersRepository } from '../numbers/numbers.repository';
import { RealtimeRepository } from '../realtime/realtime.repository';
import { MetricsService } from '../metrics/metrics.service';
import { InvalidWebhookPayloadError, parseWebhookPayload, type WhatsAppWebhookEvent } from '../whatsapp/webhook-events';
import { providerAcceptedSignal, sendMessageWorkflowId } from '../../workflows/send-message.workflow';
import {
  callConnectSignal,
  callStatusSignal,
  callTerminatedSignal,
  callWorkflowId,
} from '../../workflows/business-call.workflow';
import type { SignalDefinition } from '@temporalio/client';
import { WebhooksRepository, type WebhookStatus } from './webhooks.repository';

const PROVIDER = 'whatsapp';
/** Stored deliveries not processed within this time are retried by the sweeper. */
const REPROCESS_AFTER_MS = 30_000;
const REPROCESS_EVERY_MS = 15_000;
const MAX_ATTEMPTS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Outcome = { status: 'processed' | 'invalid'; accountId: string | null; error: string | null };

@Injectable()
export class WhatsAppWebhooksService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly realtime: RealtimeRepository;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly webhooks: WebhooksRepository,
    private readonly numbers: NumbersRepository,
    private readonly contacts: ContactsRepository,
    private readonly messages: MessagesRepository,
    private readonly metrics: MetricsService,
    private readonly callPermissions: CallPermissionsService,
    private readonly calls: CallsRepository,
    private readonly callsService: CallsService,
  ) {
    this.realtime = new RealtimeRepository(pool);
  }

  onModuleInit() {
    this.sweeper = setInterval(() => void this.reprocessPending(), REPROCESS_EVERY_MS);
    this.sweeper.unref();
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  /** Stores the delivery (durably, before the caller acknowledges it), then processes it. */
  async receive(rawBody: string): Promise<void> {
    const stored = await this.webhooks.store(PROVIDER, rawBody);
    await this.process(stored.id, rawBody);
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
    for (const row of pending) await this.process(row.id, row.raw_body);
    return pending.length;
  }

  /** Never throws: a failure leaves the delivery "failed" for the sweeper to retry. */
  private async process(webhookId: string, rawBody: string): Promise<void> {
    let outcome: Outcome;
    // The account is known as soon as an event names its number: a failed delivery is shown to it.
    const owner = { accountId: null as string | null };
    try {
      outcome = await this.apply(webhookId, rawBody, owner);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error({ webhookId, err: message }, 'whatsapp webhook processing failed; will retry');
      await this.webhooks.finish(webhookId, 'failed', owner.accountId, message).catch(() => {});
      this.metrics.webhooks.inc({ provider: PROVIDER, status: 'failed' });
      return;
    }
    if (outcome.status === 'invalid') {
      this.logger.warn({ webhookId, reason: outcome.error }, 'invalid whatsapp webhook stored');
    }
    await this.webhooks.finish(webhookId, outcome.status, outcome.accountId, outcome.error);
    this.metrics.webhooks.inc({ provider: PROVIDER, status: outcome.status });
  }

  private async apply(webhookId: string, rawBody: string, owner: { accountId: string | null }): Promise<Outcome> {
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch (err) {
      return { status: 'invalid', accountId: null, error: `body is not JSON: ${(err as Error).message}` };
    }
    let events: WhatsAppWebhookEvent[];
    try {
      events = parseWebhookPayload(payload);
    } catch (err) {
      if (err instanceof InvalidWebhookPayloadError) return { status: 'invalid', accountId: null, error: err.message };
      throw err;
    }

    for (const event of events) {
      const number = await this.numbers.findByPhoneNumberId(event.phoneNumberId);
      if (!number) {
        return {
          status: 'invalid',
          accountId: null,
          error: `metadata.phone_number_id ${event.phoneNumberId} is not connected to any account`,
        };
      }
      owner.accountId = number.account_id;
      await inTransaction(this.pool, async (db) => {
        const isNew = await this.webhooks.recordEvent(db, {
          provider: PROVIDER,
          dedupeKey: event.dedupeKey,
          webhookId,
          accountId: number.account_id,
          kind: event.kind,
        });
        if (!isNew) {
          this.metrics.webhookDuplicates.inc({ provider: PROVIDER });
          return;
        }
        const handled = await this.applyEvent(db, number.account_id, number.id, event);
        if (!handled) await this.webhooks.markEventUnhandled(db, PROVIDER, event.dedupeKey);
      });
      // A customer's call rings once it is committed; also on a duplicate, whose first delivery
      // may have stopped between the commit and the start.
      const offer = customerCallOffer(event);
      if (offer) await this.callsService.ringInboundCall(offer);
    }
    return { status: 'processed', accountId: owner.accountId, error: null };
  }

  /** Applies one event inside its transaction (NOTIFY included: sent on commit). False: kept, not acted on yet. */
  private async applyEvent(db: PoolClient, accountId: string, numberId: string, event: WhatsAppWebhookEvent) {
    switch (event.kind) {
      case 'status': {
        const at = new Date(Number(event.timestamp) * 1000);
        let message = await this.messages.applyStatus(event.id, event.status, at, event.errors, db);
        if (!message) {
          // A status for a wamid we never recorded: the send whose attempt died mid-call?
          if (!event.bizOpaqueCallbackData || !UUID.test(event.bizOpaqueCallbackData)) return false;
          const claimed = await this.messages.claimUnknownSend(event.phoneNumberId, event.bizOpaqueCallbackData, event.id, db);
          if (!claimed) return false;
          await this.signalAccepted(claimed.id, event.id);
          message = await this.messages.applyStatus(event.id, event.status, at, event.errors, db);
        }
        if (message) {
          await this.realtime.publish(
            { accountId, type: 'message.updated', data: { message_id: message.id, state: message.state } },
            db,
          );
        }
        return true;
      }
      case 'message': {
        const at = new Date(Number(event.timestamp) * 1000);
        const contact = await this.contacts.upsertByWaId(accountId, event.from, event.contactName ?? null, db);
        await this.contacts.recordInbound(accountId, contact.id, at, db);
        const message = await this.messages.insertInbound(
          { accountId, contactId: contact.id, numberId, type: event.type, body: event.message, providerMessageId: event.id, at },
          db,
        );
        if (event.interactive?.type === 'call_permission_reply') {
          const reply = event.interactive;
          await this.callPermissions.recordReply(accountId, numberId, contact.id, {
            accepted: reply.response === 'accept',
            permanent: reply.isPermanent,
            expiresAt: reply.expirationTimestamp === undefined ? null : reply.expirationTimestamp * 1000,
          });
        }
        if (message) {
          await this.realtime.publish(
            { accountId, type: 'message.received', data: { message_id: message.id, contact_id: contact.id, type: event.type } },
            db,
          );
        }
        return true;
      }
      case 'call_status': {
        const call = await this.calls.findForWebhook(event.phoneNumberId, callRef(event), db);
        if (!call) return false;
        if (event.status === 'RINGING' || event.status === 'ACCEPTED' || event.status === 'REJECTED') {
          await this.signal(callWorkflowId(call.id), callStatusSignal, { status: event.status });
        }
        return true;
      }
      case 'call': {
        if (event.direction === 'USER_INITIATED' && event.event === 'connect') {
          if (!customerCallOffer(event)) return false;
          const contact = await this.contacts.upsertByWaId(accountId, event.from, event.contactName ?? null, db);
          await this.callsService.storeInboundCall(db, { accountId, numberId, contactId: contact.id, whatsappCallId: event.callId });
          return true;
        }
        const call = await this.calls.findForWebhook(event.phoneNumberId, callRef(event), db);
        if (!call) return false;
        if (event.event === 'connect' && event.session?.sdpType === 'answer') {
          await this.signal(callWorkflowId(call.id), callConnectSignal, { sdpAnswer: event.session.sdp });
        } else if (event.event === 'terminate') {
          await this.signal(callWorkflowId(call.id), callTerminatedSignal, {
            status: event.status ?? 'COMPLETED',
            durationSeconds: event.duration ?? null,
          });
        }
        return true;
      }
      default:
        // Fields recado does not handle yet are kept, not dropped.
        return false;
    }
  }

  private async signalAccepted(messageId: string, providerMessageId: string) {
    await this.signal(sendMessageWorkflowId(messageId), providerAcceptedSignal, { providerMessageId });
  }

  /** A workflow that already finished has nothing to wake up: a late or repeated webhook is fine. */
  private async signal<T>(workflowId: string, def: SignalDefinition<[T]>, arg: T) {
    try {
      await this.temporal.workflow.getHandle(workflowId).signal(def, arg);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

/** A customer calling the business: a user-initiated connect carrying their SDP offer. */
function customerCallOffer(event: WhatsAppWebhookEvent) {
  if (event.kind !== 'call' || event.direction !== 'USER_INITIATED' || event.event !== 'connect') return null;
  if (event.session?.sdpType !== 'offer') return null;
  return { phoneNumberId: event.phoneNumberId, whatsappCallId: event.callId, sdpOffer: event.session.sdp };
}

/** A calls webhook names the call by our id (biz_opaque_callback_data) when we placed it, and always by Meta's. */
function callRef(event: { callId: string; bizOpaqueCallbackData?: string }) {
  const ours = event.bizOpaqueCallbackData;
  return { callId: ours && UUID.test(ours) ? ours : undefined, whatsappCallId: event.callId };
}
