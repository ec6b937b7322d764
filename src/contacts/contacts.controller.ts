import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { ContactView, CreateContactDto, ListContactsQuery } from './contacts.dto';
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

  @Get(':id')
  @ApiOkResponse({ type: ContactView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.contacts.get(principal.accountId, id);
  }
}
