import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { ApiErrors } from '../common/openapi-contract';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { StoresService } from '../stores/stores.service';
import { FunnelConfigDto, FunnelConfigView, FunnelParams, FunnelSettingsView, FunnelView, ListFunnelsQuery, MarkPaidView } from './funnels.dto';
import { FunnelsService } from './funnels.service';
import type { FunnelRow } from './model';

/** A store's funnels: their configuration, the running ones, and "mark as paid". */
@ApiTags('funnels')
@ApiBearerAuth()
@ApiErrors(404)
@Controller('v1/stores/:storeId')
export class FunnelsController {
  constructor(
    private readonly stores: StoresService,
    private readonly funnels: FunnelsService,
  ) {}

  @Get('funnels')
  @ApiOkResponse({ type: [FunnelView], description: "The store's funnels, newest first" })
  async list(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Query() query: ListFunnelsQuery) {
    await this.stores.get(principal.accountId, storeId);
    const rows = await this.funnels.list(storeId, { state: query.state, funnel: query.funnel, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return rows.map(funnelView);
  }

  @Get('funnel-settings')
  @ApiOkResponse({ type: FunnelSettingsView })
  async settings(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string) {
    await this.stores.get(principal.accountId, storeId);
    return { funnels: await this.funnels.configs(storeId) };
  }

  @Put('funnel-settings/:funnel')
  @ApiOkResponse({ type: FunnelConfigView, description: 'Saved; running funnels follow it from their next step' })
  @ApiErrors(422)
  async saveSettings(@CurrentPrincipal() principal: Principal, @Param() params: FunnelParams, @Body() dto: FunnelConfigDto) {
    await this.stores.get(principal.accountId, params.storeId);
    return this.funnels.saveConfig(params.storeId, params.funnel, dto);
  }

  @Post('orders/:orderId/mark-paid')
  @HttpCode(200)
  @ApiParam({ name: 'orderId', description: "The platform's order id, as the store's events name it", schema: { type: 'string', minLength: 1, maxLength: 200 } })
  @ApiOkResponse({ type: MarkPaidView, description: "The order's payment reminders stopped (none were running: an empty list)" })
  async markPaid(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Param('orderId') orderId: string) {
    await this.stores.get(principal.accountId, storeId);
    return { order_id: orderId, stopped_funnels: await this.funnels.markPaid(principal.accountId, storeId, orderId) };
  }
}

function funnelView(row: FunnelRow): FunnelView {
  return {
    id: row.id,
    funnel: row.funnel,
    subject: row.subject,
    contact_id: row.contact_id,
    state: row.state,
    step: row.step,
    reason: row.reason,
    started_at: row.started_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}
