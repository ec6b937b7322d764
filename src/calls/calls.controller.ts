import { ApiErrors } from '../common/openapi-contract';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { CallView, JoinView, ListCallsQuery, StartCallDto, StartedCallView } from './calls.dto';
import { CallsService } from './calls.service';

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(409, 429)
@Controller('v1/calls')
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Post()
  @ApiCreatedResponse({
    type: StartedCallView,
    description: "Dials the customer (an agent token is needed) and returns the agent's token for the call's LiveKit room",
  })
  @ApiConflictResponse({ description: 'The customer has not granted call permission' })
  @ApiTooManyRequestsResponse({ description: 'The rolling 24 h call quota is used up: next_allowed_at says when' })
  start(@CurrentPrincipal() principal: Principal, @Body() dto: StartCallDto) {
    return this.calls.startBusinessCall(principal, dto.whatsapp_number_id, dto.contact_id);
  }

  @Get('ongoing')
  @ApiOkResponse({ type: [CallView], description: 'Calls not ended yet, newest first' })
  ongoing(@CurrentPrincipal() principal: Principal, @Query() query: ListCallsQuery) {
    return this.calls.listOngoing(principal.accountId, query.agent_id);
  }

  @Get(':id')
  @ApiOkResponse({ type: CallView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.calls.getView(principal.accountId, id);
  }

  @Post(':id/hangup')
  @HttpCode(202)
  @ApiOkResponse({ type: CallView, description: 'Hangs up (or cancels a call still ringing); the state follows' })
  hangUp(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.calls.hangUp(principal, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOkResponse({ type: StartedCallView, description: "Takes a customer's ringing call (an agent it was offered to); first to accept wins" })
  @ApiConflictResponse({ description: 'Another agent took it, it was not offered to you, or the customer hung up' })
  accept(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.calls.accept(principal, id);
  }

  @Post(':id/join')
  @HttpCode(200)
  @ApiOkResponse({ type: JoinView, description: "A fresh token for the call's room" })
  join(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.calls.join(principal, id);
  }
}
