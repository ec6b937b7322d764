import { Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { normaliseIdentity } from '../../contacts/identities';
import { InvalidDeliveryError, type DeliveryEvent, type EventOutcome, type EventRoute, type InboundHandler, type ParsedDelivery } from '../../webhooks/inbound-delivery';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import { ChannelAccountsRepository } from '../accounts/channel-accounts.repository';
import { Conversations } from '../conversations';
import { EmailRepository } from './email.repository';
import { messageIdFromRecado } from './email.render';
import { decodeRawSource, derivedMessageId, firstMessageId, readTopHeaders } from './raw-source';
import { readMail, type BounceMail, type CustomerMail, type ReadMail } from './read-mail';

export const EMAIL_PROVIDER = 'email';

export interface EmailEvent extends DeliveryEvent {
  kind: 'message' | 'bounce';
  messageId: string;
  source: Buffer;
  /** The mailbox it was read from (the receiver's route hint), or null. */
  channelAccountId: string | null;
  /** Who it was delivered to, when the route hint is missing. */
  deliveredTo: string | null;
}

export interface MailboxRef {
  channelAccountId: string;
  address: string;
}

/**
 * Mail read from a connected mailbox (by the IMAP receiver, through the inbound pipeline):
 * a customer's mail joins the contact's conversation, a DSN marks the bounced message failed,
 * recado's own copies (the Bcc every send carries, see EmailDriver) are left out of the thread.
 */
@Injectable()
export class EmailInboundHandler implements InboundHandler<EmailEvent, MailboxRef>, OnModuleInit {
  readonly provider = EMAIL_PROVIDER;
  /** The full read (mailparser) happens once, in route(), outside the event's transaction. */
  private readonly reads = new WeakMap<EmailEvent, ReadMail>();

  constructor(
    private readonly deliveries: InboundDeliveriesService,
    private readonly conversations: Conversations,
    private readonly channelAccounts: ChannelAccountsRepository,
    private readonly email: EmailRepository,
  ) {}

  onModuleInit() {
    this.deliveries.register(this);
  }

  parse(rawBody: string, routeHint: string | null): ParsedDelivery<EmailEvent> {
    const source = decodeRawSource(rawBody);
    const headers = readTopHeaders(source);
    if (headers.count === 0) throw new InvalidDeliveryError('no header field: not an RFC 5322 mail');
    const warnings: string[] = [];
    let messageId = firstMessageId(headers.get('message-id'));
    if (!messageId) {
      messageId = derivedMessageId(source);
      warnings.push(`Message-ID: missing or unreadable; keyed as ${messageId}`);
    }
    const contentType = headers.get('content-type')?.toLowerCase() ?? '';
    const bounce = /^multipart\/report\b/.test(contentType) && /report-type\s*=\s*"?delivery-status"?/.test(contentType);
    const deliveredTo = /<?([^<>\s@]+@[^<>\s@]+)>?/.exec(headers.get('delivered-to') ?? '')?.[1]?.toLowerCase() ?? null;
    return {
      // Scoped by mailbox: one mail sent to two connected mailboxes is one event in each.
      events: [{ dedupeKey: `${routeHint ?? deliveredTo ?? '-'} ${messageId}`, kind: bounce ? 'bounce' : 'message', messageId, source, channelAccountId: routeHint, deliveredTo }],
      rejected: [],
      warnings,
    };
  }

  isIgnored(): boolean {
    return false;
  }

  async route(event: EmailEvent): Promise<EventRoute<MailboxRef>> {
    const account = event.channelAccountId
      ? await this.email.findMailbox(event.channelAccountId)
      : event.deliveredTo
        ? await this.channelAccounts.findByAddress('email', event.deliveredTo)
        : undefined;
    if (!account) {
      const named = event.channelAccountId ? `e-mail channel account ${event.channelAccountId}` : `mailbox ${event.deliveredTo ?? '(no Delivered-To)'}`;
      return { accountId: null, reason: `${named} is not connected to any account` };
    }
    this.reads.set(event, await readMail(event.source));
    return { accountId: account.account_id, target: { channelAccountId: account.id, address: account.address } };
  }

  async apply(db: PoolClient, event: EmailEvent, route: { accountId: string; target: MailboxRef }): Promise<EventOutcome> {
    const mail = this.reads.get(event) ?? (await readMail(event.source));
    return mail.kind === 'bounce' ? this.applyBounce(db, mail, route.target) : this.applyMessage(db, mail, route);
  }

  /** After a bounce's commit: routing waiting on that message hears it failed (and may try another channel). */
  async afterCommit(event: EmailEvent) {
    const mail = this.reads.get(event) ?? (await readMail(event.source));
    if (mail.kind !== 'bounce' || !mail.originalMessageId) return;
    const message = await this.email.outboundByMessageId(mail.originalMessageId);
    if (message?.state === 'failed') await this.conversations.afterReceipt(message);
  }

  private async applyBounce(db: PoolClient, mail: BounceMail, mailbox: MailboxRef): Promise<EventOutcome> {
    if (!mail.originalMessageId) return 'unhandled';
    // Only a permanent failure of the customer's copy; "delayed" notices, and a failure of recado's own copy, are not.
    const failed = mail.recipients.filter(
      (r) => (r.action === 'failed' || (r.action === null && r.status?.startsWith('5'))) && r.recipient !== mailbox.address,
    );
    if (failed.length === 0) return 'ignored';
    const first = failed[0];
    const message = await this.conversations.applyReceipt(db, {
      channel: 'email',
      providerMessageId: mail.originalMessageId,
      status: 'failed',
      at: mail.date && mail.date.getTime() <= Date.now() ? mail.date : new Date(),
      error: {
        code: 'bounced',
        status: first.status,
        diagnostic: first.diagnostic,
        recipient: first.recipient,
        remote_mta: first.remoteMta,
        reporting_mta: mail.reportingMta,
        dsn_message_id: mail.messageId,
      },
    });
    return message ? 'applied' : 'unhandled';
  }

  private async applyMessage(db: PoolClient, mail: CustomerMail, route: { accountId: string; target: MailboxRef }): Promise<EventOutcome> {
    if (!mail.from) return 'unhandled';
    // recado's own copy of what it sent (or the business writing to itself): not a customer's message.
    if (mail.from.address === route.target.address) return 'ignored';
    const from = normaliseIdentity('email', mail.from.address);
    if (!from.ok) return 'unhandled';
    const answers = await this.answeredMessage(db, route.accountId, mail);
    const body = {
      subject: mail.subject,
      text: mail.text,
      ...(mail.html !== null ? { html: mail.html } : {}),
      message_id: mail.messageId,
      in_reply_to: mail.inReplyTo,
      references: mail.references,
      attachments: mail.attachments,
      // The outbound message of recado's this mail replies to, when its In-Reply-To / References name one.
      in_reply_to_message_id: answers?.id ?? null,
      ...(mail.autoSubmitted ? { auto_submitted: mail.autoSubmitted } : {}),
    };
    const now = new Date();
    await this.conversations.recordInbound(db, {
      accountId: route.accountId,
      channel: 'email',
      channelAccountId: route.target.channelAccountId,
      from: { kind: 'email', value: from.value },
      fromName: mail.from.name,
      providerMessageId: mail.messageId,
      type: 'email',
      body,
      at: arrival(mail, now),
    });
    return 'applied';
  }

  private async answeredMessage(db: PoolClient, accountId: string, mail: CustomerMail) {
    const ours = [mail.inReplyTo, ...mail.references.slice().reverse()].filter((id): id is string => !!id && messageIdFromRecado(id) !== null);
    if (ours.length === 0) return undefined;
    const found = await this.email.outboundByMessageIds(accountId, [...new Set(ours)], db);
    // The direct parent first, then the most recent reference.
    for (const id of ours) {
      const hit = found.find((m) => m.provider_message_id === id);
      if (hit) return hit;
    }
    return undefined;
  }
}

/**
 * When the mail reached the mailbox: its server's Received time, the same on every reprocessing;
 * else the sender's Date; never in the future (a sender's clock can be anything).
 */
function arrival(mail: CustomerMail, now: Date): Date {
  for (const at of [mail.receivedAt, mail.date]) if (at && at.getTime() <= now.getTime()) return at;
  return now;
}

/** For tests and tools: the Message-ID key a raw mail gets (its own, or one derived from its bytes). */
export function messageIdOf(source: Buffer): string {
  return firstMessageId(readTopHeaders(source).get('message-id')) ?? derivedMessageId(source);
}
