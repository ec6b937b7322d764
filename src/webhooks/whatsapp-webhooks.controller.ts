import {
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { CurrentPrincipal, OperatorOnly, Public } from '../common/auth';
import type { Principal } from '../common/auth';
import { MetricsService } from '../metrics/metrics.service';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { verifyWebhookSignature } from '../whatsapp/signature';
import { ListWebhooksQuery, WebhookView } from './webhooks.dto';
import { InboundDeliveriesService } from './inbound-deliveries.service';
import { WHATSAPP_PROVIDER } from './whatsapp-webhook.handler';

/** Set by the raw JSON parser in main.ts: the exact bytes, needed for the signature. */
export type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

@ApiTags('webhooks')
@Controller('v1')
export class WhatsAppWebhooksController {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly service: InboundDeliveriesService,
    private readonly metrics: MetricsService,
  ) {}

  /** Meta's subscription handshake. */
  @Get('webhooks/whatsapp')
  @Public()
  @ApiExcludeEndpoint()
  async verify(
    @Res() reply: FastifyReply,
    @Query('hub.mode') mode?: string,
    @Query('hub.verify_token') token?: string,
    @Query('hub.challenge') challenge?: string,
  ) {
    if (mode !== 'subscribe' || token !== this.config.whatsapp.verifyToken || !challenge) {
      throw new ForbiddenException('hub.verify_token does not match or hub.mode is not subscribe');
    }
    await reply.type('text/plain').send(challenge);
  }

  /**
   * Verified with X-Hub-Signature-256 over the raw body (bad signature: 401, nothing stored),
   * stored durably, then acknowledged. Whatever recado cannot read or does not act on is stored
   * as such (invalid / ignored) and still gets 200, so Meta stops redelivering it.
   */
  @Post('webhooks/whatsapp')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Req() request: RequestWithRawBody) {
    const raw = request.rawBody ?? Buffer.alloc(0);
    const signature = request.headers['x-hub-signature-256'];
    if (!verifyWebhookSignature(raw, typeof signature === 'string' ? signature : undefined, this.config.whatsapp.appSecret)) {
      this.metrics.webhooks.inc({ provider: 'whatsapp', status: 'rejected' });
      throw new UnauthorizedException('X-Hub-Signature-256 is missing or does not match the body');
    }
    await this.service.receive(WHATSAPP_PROVIDER, raw.toString('utf8'));
    return 'EVENT_RECEIVED';
  }

  @Get('webhooks')
  @ApiOkResponse({ type: [WebhookView], description: "This account's webhook deliveries, newest first" })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListWebhooksQuery) {
    return this.service.list({ accountId: principal.accountId, status: query.status, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  @Get('admin/webhooks')
  @OperatorOnly()
  @ApiOkResponse({ type: [WebhookView], description: 'Every delivery, including those no account could be found for' })
  listAll(@Query() query: ListWebhooksQuery) {
    return this.service.list({ accountId: null, status: query.status, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }
}
