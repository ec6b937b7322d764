import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { LOGGER } from '../common/logger.module';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { ContactsRepository, whatsAppIdOf } from '../contacts/contacts.repository';
import { MetricsService } from '../metrics/metrics.service';
import { NumbersService } from '../numbers/numbers.service';
import { validateRequestBody } from '../whatsapp/spec';
import { sendMessageWorkflow, sendMessageWorkflowId } from '../../workflows/send-message.workflow';
import { recadoSearchAttributes } from '../../workflows/search-attributes';
import type { MessageView, SendMessageDto } from './messages.dto';
import { MessageRow, MessagesRepository, type MessageCategory } from './messages.repository';
import { ChannelAccountsRepository } from '../channels/accounts/channel-accounts.repository';
import { CHANNEL_DRIVERS } from '../channels/channels.providers';
import type { ChannelDrivers, MessageContent } from '../channels/driver';
import { priceOf, templatePrice } from '../channels/pricing/price-table';
import { countryOfPhone, optedOut } from '../channels/routing/plan';
import { serviceWindowOpen } from '../whatsapp/service-window';
import { PeriodicSweep } from '../common/periodic-sweep';

/** Queued messages whose workflow did not start (Temporal was down) are started by the sweeper. */
const STUCK_AFTER_MS = 30_000;
const SWEEP_EVERY_MS = 15_000;

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    direction: row.direction,
    contact_id: row.contact_id,
    channel: row.channel,
    channel_account_id: row.channel_account_id,
    whatsapp_number_id: row.channel === 'whatsapp' ? row.channel_account_id : null,
    dispatch_id: row.dispatch_id,
    type: row.type,
    body: row.body,
    category: row.category,
    pricing: row.pricing,
    cost: row.cost === null ? null : Number(row.cost),
    currency: row.currency,
    state: row.state,
    provider_message_id: row.provider_message_id,
    send_attempts: row.send_attempts,
    error: row.error,
    created_at: row.created_at,
    accepted_at: row.accepted_at,
    sent_at: row.sent_at,
    delivered_at: row.delivered_at,
    read_at: row.read_at,
    played_at: row.played_at,
    failed_at: row.failed_at,
  };
}

@Injectable()
export class MessagesService implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: PeriodicSweep;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: MessagesRepository,
    private readonly contacts: ContactsRepository,
    private readonly numbers: NumbersService,
    private readonly metrics: MetricsService,
    private readonly channelAccounts: ChannelAccountsRepository,
    @Inject(CHANNEL_DRIVERS) private readonly drivers: ChannelDrivers,
  ) {
    this.sweeper = new PeriodicSweep(temporal, SWEEP_EVERY_MS, () => this.startStuckSends());
  }

  onModuleInit() {
    this.sweeper.start();
  }

  async onModuleDestroy() {
    await this.sweeper.stop();
  }

  /**
   * Stores the message, then starts its send workflow. Once stored it is never lost: if
   * Temporal cannot be reached now, the sweeper starts the workflow later.
   */
  async send(accountId: string, dto: SendMessageDto, idempotencyKey: string | null): Promise<MessageView> {
    const outbound = dto.content ? await this.fromContent(accountId, dto, dto.content) : await this.fromCloudApi(accountId, dto);
    const { row, created } = await this.repository.insertOutbound({ ...outbound, accountId, idempotencyKey });
    if (created) this.metrics.messagesQueued.inc({ channel: row.channel });
    if (row.state === 'queued') {
      await this.startSend(row).catch((err: Error) =>
        this.logger.warn({ messageId: row.id, err: err.message }, 'send workflow not started yet; the sweeper will retry'),
      );
    }
    return messageView(row);
  }

  /** Channel-neutral content, rendered by the channel's driver (strict out: its provider's limits). */
  private async fromContent(accountId: string, dto: SendMessageDto, content: MessageContent) {
    const contact = await this.recipient(accountId, dto);
    const channelAccountId =
      dto.channel_account_id ?? dto.whatsapp_number_id ?? (await this.repository.lastInboundChannelAccount(accountId, contact.id));
    if (!channelAccountId) {
      throw new InvalidFieldError('channel_account_id', 'the customer has never written to the business: name the channel account to send on');
    }
    const account = await this.channelAccounts.findById(accountId, channelAccountId);
    if (!account) throw new NotFoundError('channel account', channelAccountId);
    const driver = this.drivers.get(account.channel);
    if (!driver) throw new InvalidFieldError('channel_account_id', `the ${account.channel} channel is not set up on this server`);
    const recipient = contact.identities.find((i) => i.kind === driver.identityKind)?.value;
    if (!recipient) throw new InvalidFieldError('contact_id', `contact ${contact.id} has no ${driver.identityKind} identity to reach on ${account.channel}`);

    // WhatsApp outside the customer's 24 h window: only the approved template goes.
    const asTemplate =
      account.channel === 'whatsapp' && !serviceWindowOpen(await this.repository.lastInbound(accountId, contact.id, account.id), Date.now());
    if (asTemplate && !content.template) {
      throw new InvalidFieldError('content.template', 'the customer has not written in the last 24 h: WhatsApp only delivers an approved template now');
    }
    const category: MessageCategory = dto.category ?? (asTemplate ? 'marketing' : 'service_reply');
    if (optedOut(contact.opt_ins, account.channel, category)) {
      throw new InvalidFieldError('contact_id', `contact ${contact.id} opted out of ${category} messages on ${account.channel}`);
    }
    const id = randomUUID();
    // A reply joins the channel's thread (e-mail headers) where the channel has one.
    const last = driver.threadReply && (await this.repository.lastInboundOn(accountId, contact.id, account.id));
    const thread = last?.provider_message_id ? driver.threadReply!({ providerMessageId: last.provider_message_id, body: last.body }, content) : null;
    if (thread) content = thread.content;
    const rendered = driver.render({ account, recipient, messageId: id, content, asTemplate, inReplyTo: thread?.inReplyTo });
    const prices = this.config.channels.prices;
    return {
      id,
      contactId: contact.id,
      channel: account.channel,
      channelAccountId: account.id,
      ...rendered,
      content,
      cost: {
        category,
        destinationCountry: countryOfPhone(contact.wa_id ?? undefined),
        pricing: account.channel === 'whatsapp' ? (asTemplate ? 'template' : 'free_form') : 'channel',
        cost: priceOf(prices, account.channel, category, asTemplate),
        templateCost: templatePrice(prices, category),
        currency: prices.currency,
      },
    };
  }

  /** The WhatsApp Cloud API shape, checked against Meta's published spec. */
  private async fromCloudApi(accountId: string, dto: SendMessageDto) {
    const type = dto.type!;
    const number = await this.numbers.get(accountId, dto.whatsapp_number_id!);
    const contact = await this.recipient(accountId, dto);
    const content = dto[type];
    if (content === undefined) throw new InvalidFieldError(type, `type is "${type}" but no "${type}" object was given`);
    const id = randomUUID();
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: whatsAppIdOf(contact),
      type,
      [type]: content,
      // Echoed by Meta in status webhooks: identifies the send when its attempt died before saving the wamid.
      biz_opaque_callback_data: id,
    };
    const check = validateRequestBody('post', '/{Version}/{Phone-Number-ID}/messages', body);
    if (!check.ok) throw new InvalidFieldError(type, check.errors.join('; '));
    const asTemplate = type === 'template';
    const category: MessageCategory = dto.category ?? (asTemplate ? 'marketing' : 'service_reply');
    const prices = this.config.channels.prices;
    return {
      id,
      contactId: contact.id,
      channel: 'whatsapp' as const,
      channelAccountId: number.id,
      type,
      body,
      cost: {
        category,
        destinationCountry: countryOfPhone(contact.wa_id ?? undefined),
        pricing: asTemplate ? 'template' : 'free_form',
        cost: priceOf(prices, 'whatsapp', category, asTemplate),
        templateCost: templatePrice(prices, category),
        currency: prices.currency,
      },
    };
  }

  private async recipient(accountId: string, dto: SendMessageDto) {
    const contact = dto.contact_id
      ? await this.contacts.findById(accountId, dto.contact_id)
      : await this.contacts.findOrCreateByWhatsApp(accountId, dto.to!, null);
    if (!contact) throw new NotFoundError('contact', dto.contact_id!);
    return contact;
  }

  async get(accountId: string, id: string): Promise<MessageView> {
    const row = await this.repository.findById(accountId, id);
    if (!row) throw new NotFoundError('message', id);
    return messageView(row);
  }

  async list(accountId: string, contactId: string | undefined, limit = DEFAULT_PAGE_SIZE): Promise<MessageView[]> {
    return (await this.repository.list(accountId, { contactId, limit })).map(messageView);
  }

  async startStuckSends(): Promise<number> {
    try {
      const stuck = await this.repository.listStuckQueued(STUCK_AFTER_MS, 100);
      for (const row of stuck) await this.sweeper.call(() => this.startSend(row));
      return stuck.length;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not start queued sends; will retry');
      return 0;
    }
  }

  private async startSend(row: MessageRow): Promise<void> {
    try {
      await this.temporal.workflow.start(sendMessageWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: sendMessageWorkflowId(row.id),
        typedSearchAttributes: recadoSearchAttributes('message', {
          accountId: row.account_id,
          contactId: row.contact_id,
          numberId: row.channel === 'whatsapp' ? row.channel_account_id : undefined,
        }),
        args: [
          {
            accountId: row.account_id,
            messageId: row.id,
            ...this.config.messages,
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
