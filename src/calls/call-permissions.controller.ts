import { ApiErrors } from '../common/openapi-contract';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { CallPermissionPairDto, CallPermissionRequestedView, CallPermissionView } from './call-permissions.dto';
import { CallPermissionsService } from './call-permissions.service';

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(422, 429)
@Controller('v1/call-permissions')
export class CallPermissionsController {
  constructor(private readonly permissions: CallPermissionsService) {}

  @Post('requests')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: CallPermissionRequestedView,
    description:
      'Sends the interactive call_permission_request (inside the 24 h window) or the number\'s approved template. ' +
      'The requesting agent gets a call_permission.granted event when the customer accepts.',
  })
  @ApiTooManyRequestsResponse({ description: "Meta's request limit (1 a day, 2 a week per customer): next_allowed_at says when" })
  request(@CurrentPrincipal() principal: Principal, @Body() dto: CallPermissionPairDto) {
    return this.permissions.request(principal, dto.whatsapp_number_id, dto.contact_id);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: CallPermissionView, description: "Reads Meta's call_permissions for the pair and adopts its state, limits and usage" })
  refresh(@CurrentPrincipal() principal: Principal, @Body() dto: CallPermissionPairDto) {
    return this.permissions.refreshFromMeta(principal.accountId, dto.whatsapp_number_id, dto.contact_id);
  }

  @Get()
  @ApiOkResponse({ type: CallPermissionView })
  get(@CurrentPrincipal() principal: Principal, @Query() query: CallPermissionPairDto) {
    return this.permissions.get(principal.accountId, query.whatsapp_number_id, query.contact_id);
  }
}
