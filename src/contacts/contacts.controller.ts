import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { AssignAgentDto, ContactView, CreateContactDto, ListContactsQuery } from './contacts.dto';
import { ContactsService } from './contacts.service';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Post()
  @ApiCreatedResponse({ type: ContactView, description: 'Creates the contact, or returns the existing one with that wa_id' })
  upsert(@CurrentPrincipal() principal: Principal, @Body() dto: CreateContactDto) {
    return this.contacts.upsert(principal.accountId, dto.wa_id, dto.name);
  }

  @Get()
  @ApiOkResponse({ type: [ContactView] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListContactsQuery) {
    return this.contacts.list(principal.accountId, query.wa_id, query.limit);
  }

  @Put(':id/assigned-agent')
  @ApiOkResponse({ type: ContactView })
  assignAgent(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: AssignAgentDto) {
    return this.contacts.assignAgent(principal.accountId, id, dto.assigned_agent_id);
  }

  @Get(':id')
  @ApiOkResponse({ type: ContactView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.contacts.get(principal.accountId, id);
  }
}
