import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../db/database';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { ContactsRepository } from '../contacts/contacts.repository';
import type { Identity } from '../contacts/identities';
import { MessagesRepository, type MessageRow, type ProviderStatus } from '../messages/messages.repository';
import { RealtimeRepository } from '../realtime/realtime.repository';
import { dispatchReceiptSignal, dispatchWorkflowId } from '../../workflows/dispatch.workflow';
import type { Channel } from './driver';

/** A customer's message from any channel, as its inbound handler read it. */
export interface InboundMessage {
  accountId: string;
  channel: Channel;
  channelAccountId: string;
  from: Identity;
  /** The name the provider gives (profile name, e-mail display name, Telegram first + last name). */
  fromName: string | null;
  /** Unique within the channel: wamid, Message-ID, `<chat_id>:<message_id>`, the app's id. */
  providerMessageId: string;
  type: string;
  /** The message as the provider sent it (parsed), kept in the thread. */
  body: unknown;
  at: Date;
}

export interface Receipt {
  channel: Channel;
  providerMessageId: string;
  status: ProviderStatus;
  at: Date;
  error?: unknown;
}

/**
 * Runs inside the pipeline's transaction once a customer's message is stored (not for a
 * redelivery): features that react to replies (reply keywords) register one. It must stay in
 * Postgres; a failure rolls the delivery back for the pipeline to retry.
 */
export type InboundListener = (db: PoolClient, inbound: { contactId: string; message: MessageRow; from: InboundMessage }) => Promise<void>;

/**
 * The contact's one conversation thread, fed by every channel's inbound handler inside the
 * pipeline's transaction: the contact (created on first contact), the message, the channel
 * activity and the service window, and the realtime event that reaches agents on commit.
 */
@Injectable()
export class Conversations {
  private readonly realtime: RealtimeRepository;
  private readonly listeners: InboundListener[] = [];

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly contacts: ContactsRepository,
    private readonly messages: MessagesRepository,
  ) {
    this.realtime = new RealtimeRepository(pool);
  }

  onInbound(listener: InboundListener): void {
    this.listeners.push(listener);
  }

  /** Returns the stored message, or undefined when the provider id was recorded before (a redelivery). */
  async recordInbound(db: PoolClient, m: InboundMessage): Promise<{ contactId: string; message: MessageRow | undefined }> {
    const contact = await this.contacts.findOrCreateByIdentity(m.accountId, m.from, m.fromName, db);
    await this.contacts.recordInbound(m.accountId, contact.id, m.channel, m.at, db);
    await db.query(
      `INSERT INTO service_windows (account_id, contact_id, channel_account_id, last_inbound_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, contact_id, channel_account_id)
       DO UPDATE SET last_inbound_at = greatest(service_windows.last_inbound_at, EXCLUDED.last_inbound_at)`,
      [m.accountId, contact.id, m.channelAccountId, m.at],
    );
    const message = await this.messages.insertInbound(
      {
        accountId: m.accountId,
        contactId: contact.id,
        channel: m.channel,
        channelAccountId: m.channelAccountId,
        type: m.type,
        body: m.body,
        providerMessageId: m.providerMessageId,
        at: m.at,
      },
      db,
    );
    if (message) {
      await this.realtime.publish(
        {
          accountId: m.accountId,
          type: 'message.received',
          data: { message_id: message.id, contact_id: contact.id, channel: m.channel, type: m.type },
        },
        db,
      );
      for (const listener of this.listeners) await listener(db, { contactId: contact.id, message, from: m });
    }
    return { contactId: contact.id, message };
  }

  /** A provider's receipt for an outbound message; undefined when the id is not (yet) ours. */
  async applyReceipt(db: PoolClient, r: Receipt): Promise<MessageRow | undefined> {
    const message = await this.messages.applyStatus(r.channel, r.providerMessageId, r.status, r.at, r.error, db);
    if (message) {
      await this.realtime.publish(
        { accountId: message.account_id, type: 'message.updated', data: { message_id: message.id, channel: r.channel, state: message.state } },
        db,
      );
    }
    return message;
  }

  /** After the receipt's commit: a routed message waiting for its delivery hears of it. */
  async afterReceipt(message: Pick<MessageRow, 'id' | 'dispatch_id' | 'state'>): Promise<void> {
    if (!message.dispatch_id) return;
    try {
      await this.temporal.workflow
        .getHandle(dispatchWorkflowId(message.dispatch_id))
        .signal(dispatchReceiptSignal, { messageId: message.id, state: message.state });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
