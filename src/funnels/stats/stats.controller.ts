import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
import { RecipientStatsView, StatsPeriodQuery, StoreStatsView, StoreStatsQuery } from './stats.dto';
import { StatsService } from './stats.service';

@ApiTags('stores')
@ApiBearerAuth()
@Controller('v1/stores')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get(':id/stats')
  @ApiOkResponse({ type: StoreStatsView, description: "The store's funnel messages counted per group; the counts reconcile with the messages rows" })
  @ApiErrors(422)
  byGroup(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: StoreStatsQuery) {
    return this.stats.byGroup(principal.accountId, id, query);
  }

  @Get(':id/stats/recipients')
  @ApiOkResponse({ type: RecipientStatsView, description: 'How often the store messages each customer' })
  @ApiErrors(422)
  recipients(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: StatsPeriodQuery) {
    return this.stats.recipients(principal.accountId, id, query);
  }
}
