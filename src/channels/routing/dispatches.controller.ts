import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { InvalidFieldError } from '../../common/errors';
import { ApiErrors } from '../../common/openapi-contract';
import { CreateDispatchDto, DispatchView, RoutingPolicyDto, RoutingPolicyView } from './dispatches.dto';
import { DispatchesService } from './dispatches.service';

@ApiTags('channels')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1')
export class DispatchesController {
  constructor(private readonly dispatches: DispatchesService) {}

  /** A message routed to the cheapest channel that reaches the contact, falling back to the next. */
  @Post('dispatches')
  @HttpCode(202)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 200 },
    description: 'Repeating a request with the same key returns the first dispatch instead of sending again',
  })
  @ApiAcceptedResponse({ type: DispatchView, description: 'Planned and queued; follow it with GET or /v1/events (dispatch.updated)' })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateDispatchDto, @Headers('idempotency-key') idempotencyKey?: string) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 200)) {
      throw new InvalidFieldError('Idempotency-Key', 'must be 1 to 200 characters');
    }
    return this.dispatches.create(principal.accountId, dto, idempotencyKey ?? null);
  }

  @Get('dispatches/:id')
  @ApiOkResponse({ type: DispatchView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.dispatches.get(principal.accountId, id);
  }

  @Get('routing-policy')
  @ApiOkResponse({ type: RoutingPolicyView })
  policy(@CurrentPrincipal() principal: Principal) {
    return this.dispatches.policy(principal.accountId);
  }

  @Put('routing-policy')
  @ApiOkResponse({ type: RoutingPolicyView, description: 'The policy now in force (categories not given keep theirs)' })
  savePolicy(@CurrentPrincipal() principal: Principal, @Body() dto: RoutingPolicyDto) {
    return this.dispatches.savePolicy(principal.accountId, dto);
  }
}
