import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Channel } from '../../src/channels/driver';
import { DispatchesRepository, type DispatchState } from '../../src/channels/routing/dispatches.repository';
import type { RouteCandidate } from '../../src/channels/routing/plan';
import { ContactsRepository } from '../../src/contacts/contacts.repository';
import { MessagesRepository, type ProviderStatus } from '../../src/messages/messages.repository';
import type { CanonicalEvent } from '../../src/stores/canonical-event';

/** How a routed message's channel attempts ended: each is one messages row, receipts applied in order. */
export interface AttemptSpec {
  channel: Channel;
  channelAccountId: string;
  /** The receipts the provider sent, e.g. ['sent', 'delivered', 'read'] or ['failed']; [] = accepted, no receipt yet. */
  receipts: ProviderStatus[];
}

export interface NotificationSpec {
  accountId: string;
  storeId: string;
  channelAccountId: string;
  contactId: string;
  funnelId: string;
  step: number;
  eventType: string;
  templateId?: string | null;
  variant?: string | null;
  state: 'queued' | 'sent' | 'expired';
  sentAt?: Date;
  /** The routed message (sent only): its attempts, and whether routing finished on the last one. */
  dispatch?: { attempts: AttemptSpec[]; finished: Exclude<DispatchState, 'routing'> | null };
}

export function canonicalEvent(type: CanonicalEvent['type'], orderId: string | null, amountMinor: string | null): CanonicalEvent {
  return {
    type,
    platform: 'generic',
    platformEventId: randomUUID(),
    platformEventType: type,
    occurredAt: null,
    customer: { phone: null, email: null, name: null },
    orderId,
    cartId: orderId ? null : `cart-${randomUUID()}`,
    amount: amountMinor ? { amountMinor, currency: 'BRL' } : null,
    product: null,
    artefacts: {},
  };
}

/**
 * Writes funnels, notifications, dispatches and messages the way the funnel, routing and send
 * code write them (the repositories' own inserts and receipts), so statistics tests read real rows.
 */
export class FunnelRows {
  private readonly contacts: ContactsRepository;
  private readonly dispatches: DispatchesRepository;
  private readonly messages: MessagesRepository;

  constructor(private readonly pool: Pool) {
    this.contacts = new ContactsRepository(pool);
    this.dispatches = new DispatchesRepository(pool);
    this.messages = new MessagesRepository(pool);
  }

  async contact(accountId: string, waId: string, name: string): Promise<string> {
    return (await this.contacts.findOrCreateByIdentity(accountId, { kind: 'whatsapp', value: waId }, name)).id;
  }

  async funnel(f: { accountId: string; storeId: string; contactId: string; funnel: string; subject: string; event: CanonicalEvent }): Promise<string> {
    const id = `funnel-${f.storeId}-${f.funnel}-${f.subject}`;
    await this.pool.query(
      `INSERT INTO funnels (id, account_id, store_id, contact_id, funnel, subject, state, event) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)`,
      [id, f.accountId, f.storeId, f.contactId, f.funnel, f.subject, JSON.stringify(f.event)],
    );
    return id;
  }

  async template(t: { accountId: string; storeId: string; eventType: string; step: number | null; variant: string }): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO store_templates (account_id, store_id, event_type, step, variant, category, content)
       VALUES ($1, $2, $3, $4, $5, 'utility', $6) RETURNING id`,
      [t.accountId, t.storeId, t.eventType, t.step, t.variant, JSON.stringify({ body: `Olá {{name}} (${t.variant})` })],
    );
    return rows[0].id;
  }

  async notification(n: NotificationSpec): Promise<string> {
    const id = randomUUID();
    const content = { text: `mensagem ${n.eventType} ${n.step}` };
    let dispatchId: string | null = null;
    if (n.dispatch) {
      dispatchId = randomUUID();
      const plan = n.dispatch.attempts.map((a) => ({ channel: a.channel, channelAccountId: a.channelAccountId }) as unknown as RouteCandidate);
      await this.dispatches.insert({ id: dispatchId, accountId: n.accountId, contactId: n.contactId, category: 'utility', content, plan, idempotencyKey: `notification:${id}` });
      let last: string | null = null;
      const base = (n.sentAt ?? new Date()).getTime();
      for (const [i, a] of n.dispatch.attempts.entries()) {
        const messageId = randomUUID();
        await this.messages.insertOutbound({
          id: messageId, accountId: n.accountId, contactId: n.contactId, channel: a.channel, channelAccountId: a.channelAccountId,
          type: 'text', body: { text: content.text }, content, idempotencyKey: null, dispatchId,
        });
        const providerId = `${a.channel}-${messageId}`;
        // As the send activity records the provider's acceptance, a few seconds apart per attempt.
        await this.pool.query(
          "UPDATE messages SET provider_message_id = $2, state = 'accepted', accepted_at = $3, created_at = $3 WHERE id = $1",
          [messageId, providerId, new Date(base + i * 1000)],
        );
        for (const status of a.receipts) await this.messages.applyStatus(a.channel, providerId, status, new Date(base + i * 1000 + 500), status === 'failed' ? { code: 131026 } : undefined);
        last = messageId;
      }
      if (n.dispatch.finished) await this.dispatches.finish(n.accountId, dispatchId, n.dispatch.finished, n.dispatch.finished === 'undelivered' ? null : last);
    }
    await this.pool.query(
      `INSERT INTO notifications (id, account_id, store_id, channel_account_id, contact_id, funnel_id, step, event_type, template_id, variant,
                                  category, content, state, reason, expires_at, dispatch_id, sent_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'utility', $11, $12, $13, now() + interval '2 days', $14, $15)`,
      [id, n.accountId, n.storeId, n.channelAccountId, n.contactId, n.funnelId, n.step, n.eventType, n.templateId ?? null, n.variant ?? null,
        JSON.stringify(content), n.state, n.state === 'expired' ? 'instance disconnected for 48h' : null, dispatchId,
        n.state === 'sent' ? (n.sentAt ?? new Date()) : null],
    );
    return id;
  }
}
