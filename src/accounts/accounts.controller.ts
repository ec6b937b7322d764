import { ApiErrors } from '../common/openapi-contract';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccountAdminOnly, CurrentPrincipal, OperatorOnly } from '../common/auth';
import type { Principal } from '../common/auth';
import {
  AccountView,
  AgentView,
  ApiKeyView,
  CreateAccountDto,
  CreateAgentDto,
  CreateApiKeyDto,
  CreatedAccountView,
  CreatedAgentView,
  CreatedApiKeyView,
} from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('accounts')
@ApiBearerAuth()
@ApiErrors(409)
@Controller('v1')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('admin/accounts')
  @OperatorOnly()
  @ApiCreatedResponse({ type: CreatedAccountView, description: 'Needs the operator token (RECADO_ADMIN_TOKEN).' })
  createAccount(@Body() dto: CreateAccountDto) {
    return this.accounts.createAccount(dto.name);
  }

  @Get('account')
  @ApiOkResponse({ type: AccountView })
  getAccount(@CurrentPrincipal() principal: Principal) {
    return this.accounts.getAccount(principal.accountId);
  }

  @Post('agents')
  @AccountAdminOnly()
  @ApiCreatedResponse({ type: CreatedAgentView })
  createAgent(@CurrentPrincipal() principal: Principal, @Body() dto: CreateAgentDto) {
    return this.accounts.createAgent(principal.accountId, dto);
  }

  @Get('agents')
  @ApiOkResponse({ type: [AgentView] })
  listAgents(@CurrentPrincipal() principal: Principal) {
    return this.accounts.listAgents(principal.accountId);
  }

  @Post('api-keys')
  @AccountAdminOnly()
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  createApiKey(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto) {
    return this.accounts.createApiKey(principal.accountId, dto.name);
  }

  @Get('api-keys')
  @AccountAdminOnly()
  @ApiOkResponse({ type: [ApiKeyView] })
  listApiKeys(@CurrentPrincipal() principal: Principal) {
    return this.accounts.listApiKeys(principal.accountId);
  }

  @Delete('api-keys/:id')
  @AccountAdminOnly()
  @HttpCode(204)
  async revokeApiKey(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.accounts.revokeApiKey(principal.accountId, id);
  }
}
