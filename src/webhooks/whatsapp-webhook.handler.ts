import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowNotFoundError, type SignalDefinition } from '@temporalio/client';
import type { PoolClient } from 'pg';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { CallPermissionsService } from '../calls/call-permissions.service';
import { CallsRepository } from '../calls/calls.repository';
import { CallsService } from '../calls/calls.service';
import { ContactsRepository } from '../contacts/contacts.repository';
import { MessagesRepository, type ProviderStatus } from '../messages/messages.repository';
import { NumbersRepository } from '../numbers/numbers.repository';
import { Conversations } from '../channels/conversations';
import {
  InvalidWebhookPayloadError,
  parseWebhookPayload,
  type CallEvent,
  type InboundMessageEvent,
  type MessageStatusEvent,
  type WhatsAppWebhookEvent,
} from '../whatsapp/webhook-events';
import { providerAcceptedSignal, sendMessageWorkflowId } from '../../workflows/send-message.workflow';
import { callConnectSignal, callStatusSignal, callTerminatedSignal, callWorkflowId } from '../../workflows/business-call.workflow';
import { InvalidDeliveryError, type EventOutcome, type InboundHandler, type ParsedDelivery } from './inbound-delivery';
import { InboundDeliveriesService } from './inbound-deliveries.service';

export const WHATSAPP_PROVIDER = 'whatsapp';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Statuses that move a business message forward; others (deleted, warning, newer ones) are kept. */
const TRACKED_STATUSES: readonly string[] = ['sent', 'delivered', 'read', 'played', 'failed'] satisfies ProviderStatus[];

interface NumberRef {
  numberId: string;
}

/** Meta's webhooks (messages and calls fields) turned into recado's effects. */
@Injectable()
export class WhatsAppWebhookHandler implements InboundHandler<WhatsAppWebhookEvent, NumberRef>, OnModuleInit {
  readonly provider = WHATSAPP_PROVIDER;

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly deliveries: InboundDeliveriesService,
    private readonly numbers: NumbersRepository,
    private readonly contacts: ContactsRepository,
    private readonly messages: MessagesRepository,
    private readonly callPermissions: CallPermissionsService,
    private readonly calls: CallsRepository,
    private readonly callsService: CallsService,
    private readonly conversations: Conversations,
  ) {}

  onModuleInit() {
    this.deliveries.register(this);
  }

  parse(rawBody: string): ParsedDelivery<WhatsAppWebhookEvent> {
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch (err) {
      throw new InvalidDeliveryError(`body is not JSON: ${(err as Error).message}`);
    }
    try {
      return parseWebhookPayload(payload);
    } catch (err) {
      if (err instanceof InvalidWebhookPayloadError) throw new InvalidDeliveryError(err.message);
      throw err;
    }
  }

  isIgnored(event: WhatsAppWebhookEvent): boolean {
    return event.kind === 'ignored';
  }

  async route(event: WhatsAppWebhookEvent) {
    const number = event.phoneNumberId
      ? await this.numbers.findByPhoneNumberId(event.phoneNumberId)
      : await this.numbers.findByWabaId(event.wabaId);
    if (!number) {
      const named = event.phoneNumberId ? `metadata.phone_number_id ${event.phoneNumberId}` : `WhatsApp Business Account ${event.wabaId}`;
      return { accountId: null, reason: `${named} is not connected to any account` } as const;
    }
    return { accountId: number.account_id, target: { numberId: number.id } };
  }

  /** NOTIFY included: sent on commit. */
  async apply(db: PoolClient, event: WhatsAppWebhookEvent, route: { accountId: string; target: NumberRef }): Promise<EventOutcome> {
    const { accountId } = route;
    const { numberId } = route.target;
    switch (event.kind) {
      case 'status':
        return this.applyStatus(db, event);
      case 'message':
        return this.applyMessage(db, accountId, numberId, event);
      case 'call_status': {
        const call = await this.calls.findForWebhook(event.phoneNumberId, callRef(event), db);
        if (!call) return 'unhandled';
        if (event.status === 'RINGING' || event.status === 'ACCEPTED' || event.status === 'REJECTED') {
          await this.signal(callWorkflowId(call.id), callStatusSignal, { status: event.status });
        }
        return 'applied';
      }
      case 'call':
        return this.applyCall(db, accountId, numberId, event);
      default:
        return 'ignored';
    }
  }

  /** A customer's call rings once it is committed; a routed message hears of its receipt. */
  async afterCommit(event: WhatsAppWebhookEvent) {
    const offer = customerCallOffer(event);
    if (offer) await this.callsService.ringInboundCall(offer);
    if (event.kind === 'status') {
      const message = await this.messages.findByProviderId('whatsapp', event.id);
      if (message) await this.conversations.afterReceipt(message);
    }
  }

  private async applyStatus(db: PoolClient, event: MessageStatusEvent): Promise<EventOutcome> {
    if (!TRACKED_STATUSES.includes(event.status)) return 'unhandled';
    const receipt = {
      channel: 'whatsapp' as const,
      providerMessageId: event.id,
      status: event.status as ProviderStatus,
      at: new Date(Number(event.timestamp) * 1000),
      error: event.errors,
    };
    let message = await this.conversations.applyReceipt(db, receipt);
    if (!message) {
      // A status for a wamid we never recorded: the send whose attempt died mid-call?
      if (!event.bizOpaqueCallbackData || !UUID.test(event.bizOpaqueCallbackData)) return 'unhandled';
      const claimed = await this.messages.claimUnknownSend(event.phoneNumberId, event.bizOpaqueCallbackData, event.id, db);
      if (!claimed) return 'unhandled';
      await this.signal(sendMessageWorkflowId(claimed.id), providerAcceptedSignal, { providerMessageId: event.id });
      message = await this.conversations.applyReceipt(db, receipt);
    }
    return message ? 'applied' : 'unhandled';
  }

  private async applyMessage(db: PoolClient, accountId: string, numberId: string, event: InboundMessageEvent): Promise<EventOutcome> {
    const { contactId } = await this.conversations.recordInbound(db, {
      accountId,
      channel: 'whatsapp',
      channelAccountId: numberId,
      from: { kind: 'whatsapp', value: event.from },
      fromName: event.contactName ?? null,
      providerMessageId: event.id,
      type: event.type,
      body: event.message,
      at: new Date(Number(event.timestamp) * 1000),
    });
    if (event.interactive?.type === 'call_permission_reply') {
      // Meta sends these without `context` too: a permanent grant from the business profile,
      // the automatic revocation after unanswered calls. The pair, not the request, is what counts.
      const reply = event.interactive;
      await this.callPermissions.recordReply(accountId, numberId, contactId, {
        accepted: reply.response === 'accept',
        permanent: reply.isPermanent,
        expiresAt: reply.expirationTimestamp === undefined ? null : reply.expirationTimestamp * 1000,
        automatic: reply.responseSource === 'automatic',
      });
    }
    return 'applied';
  }

  private async applyCall(db: PoolClient, accountId: string, numberId: string, event: CallEvent): Promise<EventOutcome> {
    if (event.direction === 'USER_INITIATED' && event.event === 'connect') {
      if (!customerCallOffer(event) || !event.from) return 'unhandled';
      const contact = await this.contacts.findOrCreateByWhatsApp(accountId, event.from, event.contactName ?? null, db);
      await this.callsService.storeInboundCall(db, { accountId, numberId, contactId: contact.id, whatsappCallId: event.callId });
      return 'applied';
    }
    const call = await this.calls.findForWebhook(event.phoneNumberId, callRef(event), db);
    if (!call) return 'unhandled';
    if (event.event === 'connect' && event.session?.sdpType === 'answer') {
      await this.signal(callWorkflowId(call.id), callConnectSignal, { sdpAnswer: event.session.sdp });
    } else if (event.event === 'terminate') {
      await this.signal(callWorkflowId(call.id), callTerminatedSignal, {
        status: event.status ?? 'COMPLETED',
        durationSeconds: event.duration ?? null,
      });
    }
    return 'applied';
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
