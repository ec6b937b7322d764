import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { ApiErrors } from '../common/openapi-contract';
import { requireBody } from '../common/request-body';
import {
  AssignAgentDto,
  BulkUpsertContactsDto,
  BulkUpsertResultView,
  ContactView,
  ListContactsQuery,
  PatchContactDto,
  UpsertContactDto,
} from './contacts.dto';
import { ContactsService } from './contacts.service';

/**
 * Every field of a contact write is optional and the ValidationPipe turns a missing body into {}:
 * so a request without one is refused here, by looking at what actually arrived.
 */
@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Post()
  @ApiBody({ type: UpsertContactDto })
  @ApiCreatedResponse({ type: ContactView, description: 'A new contact' })
  @ApiOkResponse({ type: ContactView, description: 'The existing contact (found by id or by any identity), updated' })
  @ApiErrors(409, 422)
  async upsert(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: UpsertContactDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    requireBody(request);
    const { created, contact } = await this.contacts.upsert(principal.accountId, dto);
    void reply.status(created ? 201 : 200);
    return contact;
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkUpsertResultView, description: 'Each item created, updated or failed (with the fields), by index' })
  @ApiErrors(413)
  bulk(@CurrentPrincipal() principal: Principal, @Body() dto: BulkUpsertContactsDto): Promise<BulkUpsertResultView> {
    return this.contacts.bulk(principal.accountId, dto.contacts);
  }

  @Get()
  @ApiOkResponse({ type: [ContactView], description: 'Newest changes first; filter by one identity' })
  @ApiErrors(422)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListContactsQuery) {
    return this.contacts.list(principal.accountId, query);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ContactView, description: 'Only the given fields changed' })
  @ApiErrors(409, 422)
  patch(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PatchContactDto,
    @Req() request: FastifyRequest,
  ) {
    requireBody(request);
    return this.contacts.patch(principal.accountId, id, dto);
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
