import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
import { DEFAULT_PAGE_SIZE } from '../../common/page.dto';
import { requireBody } from '../../common/request-body';
import { ChannelAccountConnectionView, ListNotificationsQuery, NotificationView, STORE_RULES_BODY_DOC, StoreRulesView } from './outbox.dto';
import { OutboxService } from './outbox.service';

/** A store's paced outbox and its dispatch rules. A deleted store is not found. */
@ApiTags('funnels')
@ApiBearerAuth()
@ApiParam({ name: 'storeId', description: 'The store (POST /v1/stores)', schema: { type: 'string', format: 'uuid' } })
@Controller('v1/stores/:storeId')
export class StoreOutboxController {
  constructor(private readonly outbox: OutboxService) {}

  @Get('notifications')
  @ApiOkResponse({ type: [NotificationView], description: "The store's outbox and its history, newest first, each with its state and reason" })
  notifications(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Query() query: ListNotificationsQuery) {
    return this.outbox.notifications(principal.accountId, storeId, query.state, query.limit ?? DEFAULT_PAGE_SIZE);
  }

  @Get('rules')
  @ApiOkResponse({ type: StoreRulesView, description: 'The rules as saved; a field left out takes its default' })
  rules(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string) {
    return this.outbox.rules(principal.accountId, storeId);
  }

  @Put('rules')
  @ApiBody(STORE_RULES_BODY_DOC)
  @ApiOkResponse({ type: StoreRulesView, description: 'Saved; the outbox applies them to the next notification it takes' })
  @ApiErrors(422)
  saveRules(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    requireBody(request);
    return this.outbox.saveRules(principal.accountId, storeId, body);
  }
}

/** An instance going away and coming back: its outbox holds while disconnected. */
@ApiTags('channels')
@ApiBearerAuth()
@Controller('v1/channel-accounts/:id')
export class ChannelAccountConnectionController {
  constructor(private readonly outbox: OutboxService) {}

  @Post('disconnect')
  @HttpCode(200)
  @ApiOkResponse({ type: ChannelAccountConnectionView, description: 'Disconnected: its queued notifications are held until it is connected (they still expire)' })
  disconnect(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.outbox.setConnected(principal.accountId, id, false);
  }

  @Post('connect')
  @HttpCode(200)
  @ApiOkResponse({ type: ChannelAccountConnectionView, description: 'Connected: its outbox is woken and sends what is due' })
  connect(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.outbox.setConnected(principal.accountId, id, true);
  }
}
