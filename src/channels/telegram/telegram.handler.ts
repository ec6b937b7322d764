import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logger.module';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import type { EventOutcome, EventRoute, InboundHandler, ParsedDelivery } from '../../webhooks/inbound-delivery';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import { ChannelSecrets } from '../accounts/channel-secrets';
import { Conversations } from '../conversations';
import { telegramProviderMessageId } from './telegram.driver';
import { TelegramClient } from './telegram.client';
import { TelegramRepository } from './telegram.repository';
import { parseTelegramUpdate, type TelegramEvent } from './telegram-updates';

export const TELEGRAM_PROVIDER = 'telegram';
/** The Bot API client the inbound side uses (answerCallbackQuery, getUpdates). */
export const TELEGRAM_CLIENT = Symbol('TELEGRAM_CLIENT');

interface BotRef {
  channelAccountId: string;
  botId: string;
}

/** Telegram updates (webhook or getUpdates) into the contact's conversation thread. */
@Injectable()
export class TelegramWebhookHandler implements InboundHandler<TelegramEvent, BotRef>, OnModuleInit {
  readonly provider = TELEGRAM_PROVIDER;
  private readonly secrets: ChannelSecrets;

  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TELEGRAM_CLIENT) private readonly client: TelegramClient,
    private readonly deliveries: InboundDeliveriesService,
    private readonly conversations: Conversations,
    private readonly repository: TelegramRepository,
  ) {
    this.secrets = new ChannelSecrets(config.secrets);
  }

  onModuleInit() {
    this.deliveries.register(this);
  }

  /** The route hint is the channel account the webhook URL or the poller names. */
  parse(rawBody: string, routeHint: string | null): ParsedDelivery<TelegramEvent> {
    return parseTelegramUpdate(rawBody, routeHint);
  }

  isIgnored(event: TelegramEvent): boolean {
    return event.kind === 'ignored';
  }

  async route(event: TelegramEvent): Promise<EventRoute<BotRef>> {
    const { channelAccountId } = event;
    const account = await this.repository.findAccount(channelAccountId);
    if (!account) return { accountId: null, reason: `channel account ${channelAccountId} is not a connected Telegram bot` };
    return { accountId: account.account_id, target: { channelAccountId: account.id, botId: account.address } };
  }

  async apply(db: PoolClient, event: TelegramEvent, route: { accountId: string; target: BotRef }): Promise<EventOutcome> {
    if (event.kind === 'ignored') return 'ignored';
    const { botId, channelAccountId } = route.target;
    const base = {
      accountId: route.accountId,
      channel: 'telegram' as const,
      channelAccountId,
      from: { kind: 'telegram' as const, value: event.chatId },
      fromName: event.fromName,
      providerMessageId: telegramProviderMessageId(botId, event.chatMessage),
      at: event.at,
    };
    if (event.kind === 'message') {
      await this.conversations.recordInbound(db, { ...base, type: event.type, body: event.body });
      return 'applied';
    }
    const pressedOn = event.pressedOn ? telegramProviderMessageId(botId, event.pressedOn) : null;
    const context = pressedOn ? { provider_message_id: pressedOn, message_id: await this.repository.findSentMessageId(route.accountId, pressedOn, db) } : null;
    await this.conversations.recordInbound(db, {
      ...base,
      type: 'button',
      // The reply as recado reads it (the button id is its callback_data), then the query as Telegram sent it.
      body: { button: { id: event.data, title: event.title }, context, callback_query: event.body },
    });
    return 'applied';
  }

  /**
   * Telegram shows a spinner on the pressed button until the bot answers the query: answer it once
   * the press is recorded. Best effort: a second answer (a redelivery) or a late one only fails.
   */
  async afterCommit(event: TelegramEvent, route: { accountId: string; target: BotRef }): Promise<void> {
    if (event.kind !== 'button') return;
    try {
      const account = await this.repository.findAccount(route.target.channelAccountId);
      const token = account ? this.secrets.open(account).secrets.bot_token : undefined;
      if (!token) return;
      await this.client.call(token, 'answerCallbackQuery', { callback_query_id: event.callbackQueryId }, { timeoutMs: 5000 });
    } catch (err) {
      this.logger.info({ channelAccountId: route.target.channelAccountId, err: (err as Error).message }, 'telegram: callback query not answered');
    }
  }
}
