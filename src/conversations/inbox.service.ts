import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../common/auth';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { CHANNEL_DRIVERS } from '../channels/channels.providers';
import type { ChannelDrivers } from '../channels/driver';
import { ChannelAccountsRepository } from '../channels/accounts/channel-accounts.repository';
import { optedOut } from '../channels/routing/plan';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ContactErasers } from '../contacts/erasure/contact-eraser';
import { DEFAULT_HISTORY_PAGE } from '../calls/history/call-history.dto';
import type {
  ChannelWindowView, ConversationReadView, ConversationsPage, ListConversationsQuery, ReplyOptionView, ReplyOptionsView,
} from './inbox.dto';
import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';
import { InboxRepository, type ServiceWindowRow } from './inbox.repository';
import { messagePreview } from './message-preview';
import { replyRule, templateBody } from './reply-rule';

/** Whose read marker: the agent's, or the account's own for API keys that act for no agent. */
const readerOf = (principal: Principal) => principal.agentId ?? principal.accountId;

function windowView(w: ServiceWindowRow, now: number): ChannelWindowView {
  const rule = replyRule({ channel: w.channel, lastInboundAt: w.last_inbound_at, optedOut: false, now });
  return {
    channel: w.channel,
    channel_account_id: w.channel_account_id,
    channel_account_name: w.channel_account_name,
    last_inbound_at: w.last_inbound_at,
    open: rule.mode === 'free_form',
    closes_at: rule.windowClosesAt,
  };
}

/** The console's inbox: conversations newest first, what the reader has not read, and how a reply may go. */
@Injectable()
export class InboxService implements OnModuleInit {
  constructor(
    private readonly repository: InboxRepository,
    private readonly contacts: ContactsRepository,
    private readonly channelAccounts: ChannelAccountsRepository,
    private readonly erasers: ContactErasers,
    @Inject(CHANNEL_DRIVERS) private readonly drivers: ChannelDrivers,
  ) {}

  onModuleInit() {
    for (const table of ['conversation_reads', 'conversations'] as const) {
      this.erasers.register({ name: table, erase: (tx, contact) => this.repository.deleteOfContact(tx, table, contact.accountId, contact.id) });
    }
  }

  async list(principal: Principal, q: ListConversationsQuery): Promise<ConversationsPage> {
    if (q.assigned === 'me' && !principal.agentId) {
      throw new InvalidFieldError('assigned', "me needs an agent's token; this key acts for no agent");
    }
    const key = decodeInboxCursor(q.cursor);
    const limit = q.limit ?? DEFAULT_HISTORY_PAGE;
    const rows = await this.repository.list({
      accountId: principal.accountId,
      readerId: readerOf(principal),
      channel: q.channel ?? null,
      assignedTo: q.assigned === 'me' ? principal.agentId : null,
      before: key ?? null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const windows = await this.repository.windows(principal.accountId, page.map((r) => r.contact_id));
    const now = Date.now();
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        contact: { id: r.contact_id, name: r.contact_name, assigned_agent_id: r.assigned_agent_id },
        channels: r.channels,
        last_message: {
          id: r.message_id,
          direction: r.direction,
          channel: r.channel,
          channel_account_id: r.channel_account_id,
          type: r.type,
          preview: messagePreview(r),
          state: r.state,
          at: r.at,
        },
        unread_count: r.unread,
        read_at: r.read_at,
        windows: windows.filter((w) => w.contact_id === r.contact_id).map((w) => windowView(w, now)),
      })),
      next_cursor: rows.length > limit && last ? encodeInboxCursor({ at: last.cursor_at, arrival: last.arrival }) : null,
    };
  }

  async markRead(principal: Principal, contactId: string): Promise<ConversationReadView> {
    const readAt = await this.repository.markRead(principal.accountId, readerOf(principal), contactId, new Date());
    if (!readAt) throw new NotFoundError('contact', contactId);
    return { contact_id: contactId, read_at: readAt };
  }

  /**
   * Every channel account that can reach the contact (set up on this server, and the contact has
   * the identity its driver addresses), with what a reply there may be and why.
   */
  async replyOptions(accountId: string, contactId: string): Promise<ReplyOptionsView> {
    const contact = await this.contacts.findById(accountId, contactId);
    if (!contact) throw new NotFoundError('contact', contactId);
    const kinds = new Set(contact.identities.map((i) => i.kind));
    const accounts = (await this.channelAccounts.list(accountId)).filter((a) => {
      const driver = this.drivers.get(a.channel);
      return driver !== undefined && kinds.has(driver.identityKind);
    });
    const windows = await this.repository.windows(accountId, [contactId]);
    const lastInbound = new Map(windows.map((w) => [w.channel_account_id, w.last_inbound_at]));
    const whatsapp = accounts.filter((a) => a.channel === 'whatsapp').map((a) => a.id);
    const templates = whatsapp.length > 0 ? await this.repository.approvedTemplates(accountId, whatsapp) : [];
    const now = Date.now();
    // Where POST /v1/messages replies by default: the channel account the customer last wrote to.
    const defaultId = windows.find((w) => accounts.some((a) => a.id === w.channel_account_id))?.channel_account_id ?? null;
    const options: ReplyOptionView[] = accounts.map((a) => {
      const lastInboundAt = lastInbound.get(a.id) ?? null;
      const rule = replyRule({ channel: a.channel, lastInboundAt, optedOut: optedOut(contact.opt_ins, a.channel, 'service_reply'), now });
      return {
        channel: a.channel,
        channel_account_id: a.id,
        channel_account_name: a.name,
        mode: rule.mode,
        reason: rule.reason,
        last_inbound_at: lastInboundAt,
        window_closes_at: rule.windowClosesAt,
        templates: templates
          .filter((t) => t.channel_account_id === a.id)
          .map((t) => {
            const body = templateBody(t.components);
            return { name: t.name, language: t.language, category: t.category, body_text: body.text, parameter_count: body.parameterCount };
          }),
      };
    });
    options.sort((x, y) => Number(y.channel_account_id === defaultId) - Number(x.channel_account_id === defaultId));
    return { contact_id: contactId, default_channel_account_id: defaultId, options };
  }
}
