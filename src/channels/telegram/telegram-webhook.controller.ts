import { Controller, HttpCode, Inject, NotFoundException, Param, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../../common/auth';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { MetricsService } from '../../metrics/metrics.service';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import type { RequestWithRawBody } from '../../webhooks/whatsapp-webhooks.controller';
import { ChannelSecrets } from '../accounts/channel-secrets';
import { TELEGRAM_PROVIDER } from './telegram.handler';
import { TelegramRepository } from './telegram.repository';

export const SECRET_TOKEN_HEADER = 'x-telegram-bot-api-secret-token';

/** Equal strings in time that depends on neither their contents nor their lengths. */
export function sameSecret(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

@Controller('v1/webhooks/telegram')
export class TelegramWebhookController {
  private readonly secrets: ChannelSecrets;

  constructor(
    @Inject(CONFIG) config: Config,
    private readonly deliveries: InboundDeliveriesService,
    private readonly repository: TelegramRepository,
    private readonly metrics: MetricsService,
  ) {
    this.secrets = new ChannelSecrets(config.secrets);
  }

  /**
   * One bot's updates, as setWebhook was told (url = this endpoint with the bot's channel account
   * id, secret_token = its webhook_secret). The secret header is checked before anything is
   * stored (wrong: 401); then the update is stored durably and acknowledged with 200, whatever
   * recado makes of it, so Telegram does not redeliver it.
   */
  @Post(':channelAccountId')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Param('channelAccountId') channelAccountId: string, @Req() request: RequestWithRawBody) {
    const account = await this.repository.findAccount(channelAccountId);
    if (!account) throw new NotFoundException(`channel account ${channelAccountId} is not a connected Telegram bot`);
    const header = request.headers[SECRET_TOKEN_HEADER];
    const expected = this.secrets.open(account).secrets.webhook_secret;
    if (!sameSecret(typeof header === 'string' ? header : undefined, expected)) {
      this.metrics.webhooks.inc({ provider: TELEGRAM_PROVIDER, status: 'rejected' });
      throw new UnauthorizedException(`${SECRET_TOKEN_HEADER} is missing or is not this bot's webhook secret`);
    }
    await this.deliveries.receive(TELEGRAM_PROVIDER, (request.rawBody ?? Buffer.alloc(0)).toString('utf8'), account.id);
    return { ok: true };
  }
}
