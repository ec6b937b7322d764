import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Public, type Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { MetricsService } from '../../metrics/metrics.service';
import { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import { ChannelSecrets } from '../accounts/channel-secrets';
import type { AppPushConfig } from './app-push.config';
import { AppDevicesRepository } from './app-devices.repository';
import { AppDevicesService } from './app-devices.service';
import {
  AppDeviceView, AppReceiptsAcceptedView, AppReceiptsDto, DEVICE_TOKEN_MAX, DeleteAppDeviceQuery, RegisterAppDeviceDto,
} from './app-devices.dto';
import { APP_PROVIDER } from './app-receipts.handler';
import { SIGNATURE_HEADER, verifyPushSignature } from './push-signature';

export const APP_PUSH_CONFIG = Symbol('APP_PUSH_CONFIG');

@ApiTags('app push')
@ApiBearerAuth()
@Controller('v1/app-devices')
export class AppDevicesController {
  constructor(private readonly devices: AppDevicesService) {}

  /** The business's backend, when its app gets a token (first launch, token refresh, login). */
  @Put()
  @ApiCreatedResponse({ type: AppDeviceView, description: 'A new device: the contact (found or created by the app user id) has the app installed' })
  @ApiOkResponse({ type: AppDeviceView, description: 'The token was known: refreshed (and moved to this app user if it was another one)' })
  @ApiErrors(422)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: RegisterAppDeviceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppDeviceView> {
    const { created, device } = await this.devices.register(principal.accountId, dto);
    void reply.status(created ? 201 : 200);
    return device;
  }

  /** Logout or uninstall seen by the business's backend. A contact left with no device no longer has the app. */
  @Delete(':token')
  @HttpCode(204)
  @ApiParam({ name: 'token', description: 'The device token as registered', schema: { type: 'string', minLength: 1, maxLength: DEVICE_TOKEN_MAX } })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiResponse({ status: 404, description: 'No device with this token in the account' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('token') token: string, @Query() query: DeleteAppDeviceQuery): Promise<void> {
    if (token.length > DEVICE_TOKEN_MAX) throw new BadRequestException(`token must be at most ${DEVICE_TOKEN_MAX} characters`);
    await this.devices.remove(principal.accountId, token, query.channel_account_id ?? null);
  }
}

/** Set by the raw JSON parser in app.ts: the exact bytes, needed for the signature. */
type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

@ApiTags('app push')
@Controller('v1/hooks/app')
export class AppReceiptsController {
  private readonly secrets: ChannelSecrets;

  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(APP_PUSH_CONFIG) private readonly pushConfig: AppPushConfig,
    private readonly devices: AppDevicesRepository,
    private readonly deliveries: InboundDeliveriesService,
    private readonly metrics: MetricsService,
  ) {
    this.secrets = new ChannelSecrets(config.secrets);
  }

  /**
   * The app reports what happened to a push on the device (and customers' replies). Signed with the
   * app's signing secret (X-Recado-Signature over the raw body; wrong or missing: 401, nothing
   * stored), stored durably, then answered; what recado cannot read is kept as such, never refused.
   */
  @Post(':channel_account_id/receipts')
  @Public()
  @HttpCode(200)
  @ApiParam({ name: 'channel_account_id', description: "The app's channel account id", schema: { type: 'string', format: 'uuid' } })
  @ApiHeader({
    name: 'X-Recado-Signature',
    required: true,
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with secrets.signing_secret>',
  })
  @ApiBody({ type: AppReceiptsDto })
  @ApiOkResponse({ type: AppReceiptsAcceptedView })
  @ApiResponse({ status: 401, description: 'X-Recado-Signature missing, stale or not matching the body (or the app has no signing secret): nothing stored' })
  @ApiResponse({ status: 404, description: 'No app with this channel account id' })
  @ApiErrors(413)
  async receipts(@Param('channel_account_id', ParseUUIDPipe) channelAccountId: string, @Req() request: RequestWithRawBody): Promise<AppReceiptsAcceptedView> {
    const app = await this.devices.findAppChannelAccount(channelAccountId);
    if (!app) throw new NotFoundException(`channel_account_id: no app ${channelAccountId}`);
    const secret = this.secrets.open(app).secrets.signing_secret;
    const raw = request.rawBody ?? Buffer.alloc(0);
    const header = request.headers[SIGNATURE_HEADER];
    const check = secret
      ? verifyPushSignature(typeof header === 'string' ? header : undefined, raw, secret, { toleranceSeconds: this.pushConfig.signatureToleranceSeconds })
      : ({ ok: false, reason: 'this app has no secrets.signing_secret: receipts cannot be verified' } as const);
    if (!check.ok) {
      this.metrics.webhooks.inc({ provider: APP_PROVIDER, status: 'rejected' });
      throw new UnauthorizedException(check.reason);
    }
    await this.deliveries.receive(APP_PROVIDER, raw.toString('utf8'), app.id);
    return { received: true };
  }
}
