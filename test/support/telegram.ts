import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ChannelSecrets } from '../../src/channels/accounts/channel-secrets';
import { Conversations } from '../../src/channels/conversations';
import { TelegramClient } from '../../src/channels/telegram/telegram.client';
import { loadTelegramConfig } from '../../src/channels/telegram/telegram.config';
import { TELEGRAM_CONFIG, TELEGRAM_CONTROLLERS, TELEGRAM_PROVIDERS } from '../../src/channels/telegram/telegram.feature';
import { TelegramPoller } from '../../src/channels/telegram/telegram-poller';
import { TELEGRAM_CLIENT } from '../../src/channels/telegram/telegram.handler';
import { createLogger } from '../../src/common/logger';
import { LoggerModule } from '../../src/common/logger.module';
import { ConfigModule } from '../../src/config/config.module';
import type { Config } from '../../src/config/config';
import { ContactsRepository } from '../../src/contacts/contacts.repository';
import { PG_POOL } from '../../src/db/database';
import { InfraModule } from '../../src/infra/infra.module';
import { MessagesRepository } from '../../src/messages/messages.repository';
import { MetricsService } from '../../src/metrics/metrics.service';
import type { SimBot } from '../../src/simulators/telegram/simulator';
import { InboundDeliveriesService } from '../../src/webhooks/inbound-deliveries.service';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';

/**
 * The Telegram channel's inbound side on the real stack (Postgres), without the rest of the app:
 * its webhook controller, handler and poller over the one inbound pipeline and the shared
 * conversation recorder, served by Fastify with the app's raw-body JSON parser.
 */
export interface TelegramInboundApp {
  app: NestFastifyApplication;
  url: string;
  pool: Pool;
  poller: TelegramPoller;
  close(): Promise<void>;
}

export async function startTelegramInbound(config: Config, apiUrl: string, env: Record<string, string> = {}): Promise<TelegramInboundApp> {
  const telegram = loadTelegramConfig({ RECADO_ENV: 'test', TELEGRAM_API_URL: apiUrl, TELEGRAM_POLL_RETRY_DELAY: '200ms', TELEGRAM_POLL_REFRESH: '200ms', ...env });

  @Module({
    imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(createLogger(config.logLevel, 'test-telegram')), InfraModule],
    controllers: [...TELEGRAM_CONTROLLERS],
    providers: [
      MetricsService,
      WebhooksRepository,
      InboundDeliveriesService,
      ContactsRepository,
      MessagesRepository,
      Conversations,
      ...TELEGRAM_PROVIDERS.filter((p) => !(typeof p === 'object' && 'provide' in p && (p.provide === TELEGRAM_CONFIG || p.provide === TELEGRAM_CLIENT))),
      { provide: TELEGRAM_CONFIG, useValue: telegram },
      { provide: TELEGRAM_CLIENT, useValue: new TelegramClient({ apiUrl: telegram.apiUrl, timeoutMs: telegram.requestTimeoutMs }) },
    ],
  })
  class TelegramInboundModule {}

  const app = await NestFactory.create<NestFastifyApplication>(TelegramInboundModule, new FastifyAdapter(), { bodyParser: false, logger: false });
  app.getHttpAdapter().getInstance().addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    (request as FastifyRequest & { rawBody?: Buffer }).rawBody = body as Buffer;
    done(null, undefined);
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, pool: app.get<Pool>(PG_POOL), poller: app.get(TelegramPoller), close: () => app.close() };
}

/** An account with a Telegram bot connected as a channel account (secrets sealed as the core does). */
export async function connectBot(
  pool: Pool,
  config: Config,
  bot: Pick<SimBot, 'id' | 'token'>,
  delivery: 'webhook' | 'polling' = 'webhook',
): Promise<{ accountId: string; channelAccountId: string; webhookSecret: string }> {
  const accountId = (await pool.query<{ id: string }>(`INSERT INTO accounts (name) VALUES ('Farmácia Telegram') RETURNING id`)).rows[0].id;
  const channelAccountId = randomUUID();
  const webhookSecret = randomBytes(24).toString('base64url');
  const sealed = new ChannelSecrets(config.secrets).seal(channelAccountId, { bot_token: bot.token, webhook_secret: webhookSecret });
  await pool.query(
    `INSERT INTO channel_accounts (id, account_id, channel, name, address, settings, secrets) VALUES ($1, $2, 'telegram', 'Bot', $3, $4, $5)`,
    [channelAccountId, accountId, String(bot.id), { delivery }, sealed],
  );
  return { accountId, channelAccountId, webhookSecret };
}
