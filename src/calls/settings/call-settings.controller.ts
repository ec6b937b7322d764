import { ApiErrors } from '../../common/openapi-contract';
import { ArgumentsHost, Body, Catch, Controller, ExceptionFilter, Get, Param, ParseUUIDPipe, Put, Query, UseFilters } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AccountAdminOnly, CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import {
  CALL_SETTINGS_BODY_DOC,
  CallingReadinessView,
  CallSettingsPushFailedView,
  CallSettingsView,
  CallsWebhookDto,
  ReadinessQuery,
} from './call-settings.dto';
import { CallSettingsPushError, CallSettingsService } from './call-settings.service';
import { CallingReadinessService } from './calling-readiness.service';

/** Meta refused the push (or was not reached): 502 with Meta's error and the settings as stored. */
@Catch(CallSettingsPushError)
export class CallSettingsPushErrorFilter implements ExceptionFilter {
  catch(err: CallSettingsPushError, host: ArgumentsHost) {
    const body: CallSettingsPushFailedView = {
      statusCode: 502,
      error: 'Bad Gateway',
      message: err.message,
      meta_error: err.metaError,
      call_settings: err.stored,
    };
    return host.switchToHttp().getResponse<FastifyReply>().status(502).send(body);
  }
}

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(422, 502)
@Controller('v1/whatsapp-numbers')
@UseFilters(CallSettingsPushErrorFilter)
export class CallSettingsController {
  constructor(private readonly settings: CallSettingsService) {}

  @Get(':id/call-settings')
  @ApiOkResponse({ type: CallSettingsView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.settings.get(principal.accountId, id);
  }

  @Put(':id/call-settings')
  @AccountAdminOnly()
  @ApiBody(CALL_SETTINGS_BODY_DOC)
  @ApiOkResponse({ type: CallSettingsView, description: 'Saved and accepted by Meta' })
  @ApiUnprocessableEntityResponse({ description: "Invalid settings (Meta's spec or its call-hours rules); `field` names the culprit" })
  @ApiBadGatewayResponse({
    type: CallSettingsPushFailedView,
    description: "Saved, but Meta refused them or was not reached: meta_error is Meta's error; PUT again to push again",
  })
  save(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    return this.settings.save(principal.accountId, id, body);
  }

  @Put(':id/call-settings/calls-webhook')
  @AccountAdminOnly()
  @ApiOkResponse({
    type: CallSettingsView,
    description: 'Records whether the Meta app is subscribed to the `calls` webhook field (the readiness check reports it)',
  })
  setCallsWebhook(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CallsWebhookDto,
  ) {
    return this.settings.setCallsWebhook(principal.accountId, id, dto.subscribed);
  }
}

@ApiTags('calls')
@ApiBearerAuth()
@Controller('v1/calling')
export class CallingReadinessController {
  constructor(private readonly readiness: CallingReadinessService) {}

  @Get('readiness')
  @ApiOkResponse({
    type: CallingReadinessView,
    description: 'Calling enabled at Meta, calls webhook subscribed, messaging limit tier high enough; each failing check says what to do',
  })
  check(@CurrentPrincipal() principal: Principal, @Query() query: ReadinessQuery) {
    return this.readiness.check(principal.accountId, query.whatsapp_number_id);
  }
}
