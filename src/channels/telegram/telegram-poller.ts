import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Update } from '@grammyjs/types';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logger.module';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import { ChannelSecrets } from '../accounts/channel-secrets';
import type { ChannelAccountRow } from '../driver';
import { TelegramApiError, TelegramClient } from './telegram.client';
import type { TelegramConfig } from './telegram.config';
import { TELEGRAM_CLIENT, TELEGRAM_PROVIDER } from './telegram.handler';
import { TelegramRepository } from './telegram.repository';
import { sleep } from '../../common/sleep';

export const TELEGRAM_CONFIG = Symbol('TELEGRAM_CONFIG');

/**
 * getUpdates long polling for bots without a public webhook URL (settings.delivery = polling).
 * Each update goes into the same inbound pipeline as a webhook POST, and the bot's offset moves
 * past it only once the pipeline has stored it: a restart asks Telegram again from the first
 * update not stored (Telegram keeps unconfirmed updates for 24 h), and an update stored twice is
 * de-duplicated by its update_id. One process should poll a bot: a second getUpdates for the same
 * bot ends the first with 409 (both keep going, slower).
 */
@Injectable()
export class TelegramPoller implements OnModuleInit, OnModuleDestroy {
  private readonly secrets: ChannelSecrets;
  private readonly loops = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private refresher?: { abort: AbortController; done: Promise<void> };

  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(TELEGRAM_CONFIG) private readonly telegram: TelegramConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TELEGRAM_CLIENT) private readonly client: TelegramClient,
    private readonly deliveries: InboundDeliveriesService,
    private readonly repository: TelegramRepository,
  ) {
    this.secrets = new ChannelSecrets(config.secrets);
  }

  onModuleInit() {
    if (this.telegram.pollingEnabled) this.start();
  }

  async onModuleDestroy() {
    await this.stop();
  }

  get running(): boolean {
    return this.refresher !== undefined;
  }

  /** Polls every bot set to polling, and looks for new ones every TELEGRAM_POLL_REFRESH. */
  start(): void {
    if (this.refresher) return;
    const abort = new AbortController();
    const done = (async () => {
      while (!abort.signal.aborted) {
        await this.refresh().catch((err: Error) => this.logger.warn({ err: err.message }, 'telegram poller: could not list polling bots'));
        await sleep(this.telegram.pollRefreshMs, abort.signal);
      }
    })();
    this.refresher = { abort, done };
  }

  /** Ends every long poll now (an update being stored is stored first) and waits for the loops. */
  async stop(): Promise<void> {
    const refresher = this.refresher;
    this.refresher = undefined;
    refresher?.abort.abort();
    await refresher?.done;
    const loops = [...this.loops.values()];
    this.loops.clear();
    loops.forEach((l) => l.abort.abort());
    await Promise.all(loops.map((l) => l.done));
  }

  private async refresh(): Promise<void> {
    const accounts = await this.repository.pollingAccounts();
    const wanted = new Set(accounts.map((a) => a.id));
    for (const [id, loop] of this.loops) {
      if (!wanted.has(id)) {
        loop.abort.abort();
        this.loops.delete(id);
      }
    }
    for (const account of accounts) {
      if (this.loops.has(account.id) || !this.refresher) continue;
      const abort = new AbortController();
      this.loops.set(account.id, { abort, done: this.poll(account, abort.signal) });
    }
  }

  private async poll(account: ChannelAccountRow, signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ channelAccountId: account.id });
    let token: string | undefined;
    try {
      token = this.secrets.open(account).secrets.bot_token;
    } catch (err) {
      // A key rotation without the old key, a tampered row: this bot cannot be polled; the others can.
      log.error({ err: (err as Error).message }, 'telegram poller: cannot open the bot token; not polling');
      return;
    }
    if (!token) {
      log.warn('telegram poller: the bot has no bot_token; not polling');
      return;
    }
    let offset = await this.repository.nextOffset(account.id).catch(() => null);
    log.info({ offset }, 'telegram poller: polling');
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await this.client.call(
          token,
          'getUpdates',
          { ...(offset !== null ? { offset } : {}), timeout: this.telegram.pollTimeoutSeconds, limit: this.telegram.pollLimit },
          // The long poll itself may take the whole timeout: wait a little longer than Telegram.
          { timeoutMs: (this.telegram.pollTimeoutSeconds + 10) * 1000, signal },
        );
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof TelegramApiError && err.errorCode === 409 && /webhook is active/.test(err.description)) {
          // The bot is set to polling: a webhook left on it would take every update.
          log.warn('telegram poller: the bot has a webhook; deleting it to poll');
          await this.client.call(token, 'deleteWebhook', { drop_pending_updates: false }).catch((e: Error) => log.warn({ err: e.message }, 'telegram poller: deleteWebhook failed'));
        } else {
          log.warn({ err: (err as Error).message }, 'telegram poller: getUpdates failed; retrying');
        }
        const wait = err instanceof TelegramApiError && err.retryAfter ? err.retryAfter * 1000 : this.telegram.pollRetryDelayMs;
        await sleep(wait, signal);
        continue;
      }
      for (const update of updates) {
        try {
          // Stored durably (then processed) before the offset moves past it.
          await this.deliveries.receive(TELEGRAM_PROVIDER, JSON.stringify(update), account.id);
          offset = update.update_id + 1;
          await this.repository.saveOffset(account.id, offset);
        } catch (err) {
          // Not stored: ask again from this update.
          log.error({ updateId: update.update_id, err: (err as Error).message }, 'telegram poller: update not stored; asking again');
          await sleep(this.telegram.pollRetryDelayMs, signal);
          break;
        }
      }
    }
  }
}
