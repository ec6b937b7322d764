import { ApiErrors } from '../common/openapi-contract';
import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccountAdminOnly, CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { ConnectNumberDto, NumberView } from './numbers.dto';
import { NumbersService } from './numbers.service';

@ApiTags('whatsapp numbers')
@ApiBearerAuth()
@ApiErrors(409)
@Controller('v1/whatsapp-numbers')
export class NumbersController {
  constructor(private readonly numbers: NumbersService) {}

  @Post()
  @AccountAdminOnly()
  @ApiCreatedResponse({ type: NumberView })
  connect(@CurrentPrincipal() principal: Principal, @Body() dto: ConnectNumberDto) {
    return this.numbers.connect(principal.accountId, dto);
  }

  @Get()
  @ApiOkResponse({ type: [NumberView] })
  list(@CurrentPrincipal() principal: Principal) {
    return this.numbers.list(principal.accountId);
  }
}
