import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccountAdminOnly, CurrentPrincipal, type Principal } from '../common/auth';
import { ApiErrors } from '../common/openapi-contract';
import { CrmConnections, type CrmConnectionRow } from './crm-connections';
import { CrmConnectionView, SaveCrmConnectionDto } from './crm-connection.dto';

/** The account's CRM, where checkout intents become persons, deals and follow-up activities. */
@ApiTags('crm')
@ApiBearerAuth()
@Controller('v1/crm-connection')
export class CrmConnectionController {
  constructor(@Inject(CrmConnections) private readonly connections: CrmConnections) {}

  @Get()
  @ApiOkResponse({ type: CrmConnectionView })
  @ApiErrors(404)
  async get(@CurrentPrincipal() principal: Principal): Promise<CrmConnectionView> {
    const row = await this.connections.find(principal.accountId);
    if (!row) throw new NotFoundException('no CRM is connected (PUT /v1/crm-connection)');
    return view(row);
  }

  @Put()
  @AccountAdminOnly()
  @ApiOkResponse({ type: CrmConnectionView, description: 'Connected; checkout intents from now on go to this CRM' })
  async save(@CurrentPrincipal() principal: Principal, @Body() dto: SaveCrmConnectionDto): Promise<CrmConnectionView> {
    const settings = { provider: dto.provider, pipeline_id: dto.pipeline_id ?? null, stage_id: dto.stage_id ?? null, activity_type: dto.activity_type ?? null };
    return view(await this.connections.save(principal.accountId, settings, dto.api_token));
  }

  @Delete()
  @AccountAdminOnly()
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Disconnected: new checkout intents skip the CRM; intents with CRM work pending park it (resume after connecting again)" })
  @ApiErrors(404)
  async remove(@CurrentPrincipal() principal: Principal): Promise<void> {
    if (!(await this.connections.remove(principal.accountId))) throw new NotFoundException('no CRM is connected');
  }
}

function view(row: CrmConnectionRow): CrmConnectionView {
  return {
    provider: row.provider,
    pipeline_id: row.pipeline_id,
    stage_id: row.stage_id,
    activity_type: row.activity_type,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
