import type { Provider, Type } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { TelegramClient } from './telegram.client';
import type { TelegramConfig } from './telegram.config';
import { TelegramWebhookController } from './telegram-webhook.controller';
import { TELEGRAM_CLIENT, TelegramWebhookHandler } from './telegram.handler';
import { TELEGRAM_CONFIG, TelegramPoller } from './telegram-poller';
import { TelegramRepository } from './telegram.repository';

export { createTelegramDriver, TelegramDriver } from './telegram.driver';
export { TELEGRAM_CONFIG } from './telegram-poller';

/**
 * The Telegram channel in the API process: the webhook endpoint, the handler that feeds the one
 * inbound pipeline, and the getUpdates poller. Needs from the app: InboundDeliveriesService,
 * Conversations, MetricsService, CONFIG, LOGGER and PG_POOL.
 */
export const TELEGRAM_CONTROLLERS: Type[] = [TelegramWebhookController];
export const TELEGRAM_PROVIDERS: Provider[] = [
  {
    provide: TELEGRAM_CONFIG,
    inject: [CONFIG],
    useFactory: (config: Config) => config.channels.telegram,
  },
  {
    provide: TELEGRAM_CLIENT,
    inject: [TELEGRAM_CONFIG],
    useFactory: (telegram: TelegramConfig) => new TelegramClient({ apiUrl: telegram.apiUrl, timeoutMs: telegram.requestTimeoutMs }),
  },
  TelegramRepository,
  TelegramWebhookHandler,
  TelegramPoller,
];
