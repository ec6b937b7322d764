import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Query, Req, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExcludeEndpoint, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Public } from '../common/auth';
import type { Principal } from '../common/auth';
import { ApiErrors } from '../common/openapi-contract';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/page.dto';
import { MetricsService } from '../metrics/metrics.service';
import { InboundDeliveriesService } from '../webhooks/inbound-deliveries.service';
import { PLATFORM_ADAPTERS } from './adapters';
import { STORE_PROVIDER } from './store-webhook.handler';
import { storeRouteHint } from './stores.repository';
import { CreateStoreDto, ListStoreEventsQuery, StoreEventView, StoreView } from './stores.dto';
import { StoresService } from './stores.service';

type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

@ApiTags('stores')
@ApiBearerAuth()
@Controller('v1/stores')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Post()
  @ApiCreatedResponse({ type: StoreView, description: 'Connected; give the platform its webhook_url' })
  @ApiErrors(422)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateStoreDto) {
    return this.stores.create(principal.accountId, dto);
  }

  @Get()
  @ApiOkResponse({ type: [StoreView] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.stores.list(principal.accountId, query.limit ?? DEFAULT_PAGE_SIZE);
  }

  @Get(':id')
  @ApiOkResponse({ type: StoreView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.stores.get(principal.accountId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted: its webhook URL answers 404, its funnels and queued messages are cancelled, its history stays' })
  @ApiErrors(404)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.stores.delete(principal.accountId, id);
  }

  @Post(':id/disconnect')
  @HttpCode(200)
  @ApiOkResponse({ type: StoreView, description: 'Funnels wait before their next step and queued messages are held until connected again' })
  @ApiErrors(404)
  disconnect(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.stores.setConnected(principal.accountId, id, false);
  }

  @Post(':id/connect')
  @HttpCode(200)
  @ApiOkResponse({ type: StoreView, description: 'Funnels resume with their latest due step; held messages go out unless expired' })
  @ApiErrors(404)
  connect(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.stores.setConnected(principal.accountId, id, true);
  }

  @Get(':id/events')
  @ApiOkResponse({ type: [StoreEventView], description: "The store's events, newest first, with their canonical type, customer, status and reason" })
  events(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: ListStoreEventsQuery) {
    return this.stores.events(principal.accountId, id, { status: query.status, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }
}

/**
 * Where a store's platform posts. Authenticated the platform's own way (wrong or missing
 * credentials: 401, nothing stored), acknowledged as soon as it is stored; the store webhook
 * handler reads it in the background (InboundDeliveriesService.accept).
 */
@Controller('v1/hooks/stores')
export class StoreHooksController {
  constructor(
    private readonly stores: StoresService,
    private readonly deliveries: InboundDeliveriesService,
    private readonly metrics: MetricsService,
  ) {}

  @Post(':token')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Param('token') token: string, @Req() request: RequestWithRawBody) {
    const found = await this.stores.forDelivery(token);
    if (!found) throw new NotFoundException('no store has this webhook URL');
    const { store, secrets } = found;
    const raw = request.rawBody ?? Buffer.alloc(0);
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k.toLowerCase(), v]] : Array.isArray(v) ? [[k.toLowerCase(), v.join(',')]] : [])),
    ) as Record<string, string>;
    const adapter = PLATFORM_ADAPTERS[store.platform];
    if (!adapter.verify(raw, headers, secrets)) {
      this.metrics.webhooks.inc({ provider: STORE_PROVIDER, status: 'rejected' });
      throw new UnauthorizedException(`the delivery is not authenticated as ${store.platform} for this store`);
    }
    // Only what the adapter reads besides the body is kept with the delivery (never credentials).
    const kept = Object.fromEntries(Object.entries(headers).filter(([k]) => adapter.deliveryHeaders.includes(k)));
    await this.deliveries.accept(STORE_PROVIDER, raw.toString('utf8'), storeRouteHint(store.platform, store.id), kept);
    return { received: true };
  }
}
