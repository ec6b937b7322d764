import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Res, UseFilters } from '@nestjs/common';
import {
  ApiBadGatewayResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiExcludeEndpoint, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
import { MetaTemplatesErrorFilter } from './meta-templates';
import { ListStoreTemplatesQuery, StoreTemplateDto, StoreTemplateView } from './store-templates.dto';
import { StoreTemplatesService } from './store-templates.service';

const INVALID = "Breaks WhatsApp's limits or recado's variables, or the linked Meta template is not approved / of another category; `field` names the culprit";
const META_FAILED = "Meta's message_templates refused or was not reached";

/** A store's message per canonical event (and funnel step), in A/B variants. */
@ApiTags('stores')
@ApiBearerAuth()
@ApiParam({ name: 'storeId', schema: { type: 'string', format: 'uuid' } })
@Controller('v1/stores/:storeId/templates')
@UseFilters(MetaTemplatesErrorFilter)
export class StoreTemplatesController {
  constructor(private readonly templates: StoreTemplatesService) {}

  @Post()
  @ApiCreatedResponse({ type: StoreTemplateView })
  @ApiConflictResponse({ description: 'The store has this variant of this event and step already' })
  @ApiUnprocessableEntityResponse({ description: INVALID })
  @ApiBadGatewayResponse({ description: META_FAILED })
  create(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Body() dto: StoreTemplateDto) {
    return this.templates.create(principal.accountId, storeId, dto);
  }

  @Get()
  @ApiOkResponse({ type: [StoreTemplateView], description: 'By event type, step (every-step first) and variant' })
  list(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Query() query: ListStoreTemplatesQuery) {
    return this.templates.list(principal.accountId, storeId, query.event_type);
  }

  @Post('sync')
  @HttpCode(200)
  @ApiOkResponse({ type: [StoreTemplateView], description: "Every linked Meta template re-read (status, category, components, synced_at); the store's templates" })
  @ApiErrors(422)
  @ApiBadGatewayResponse({ description: META_FAILED })
  sync(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string) {
    return this.templates.sync(principal.accountId, storeId);
  }

  // `sync` is an action, not a template id: its other methods are 405 rather than a template lookup.
  @Get('sync')
  @ApiExcludeEndpoint()
  syncGet(@Res() reply: FastifyReply) {
    return syncOnlyPost(reply);
  }

  @Put('sync')
  @ApiExcludeEndpoint()
  syncPut(@Res() reply: FastifyReply) {
    return syncOnlyPost(reply);
  }

  @Delete('sync')
  @ApiExcludeEndpoint()
  syncDelete(@Res() reply: FastifyReply) {
    return syncOnlyPost(reply);
  }

  @Get(':id')
  @ApiOkResponse({ type: StoreTemplateView })
  get(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.templates.get(principal.accountId, storeId, id);
  }

  @Put(':id')
  @ApiOkResponse({ type: StoreTemplateView, description: 'Replaced (enable or disable with `enabled`)' })
  @ApiConflictResponse({ description: 'Another template of the store has this variant of this event and step' })
  @ApiUnprocessableEntityResponse({ description: INVALID })
  @ApiBadGatewayResponse({ description: META_FAILED })
  replace(
    @CurrentPrincipal() principal: Principal,
    @Param('storeId', ParseUUIDPipe) storeId: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: StoreTemplateDto,
  ) {
    return this.templates.replace(principal.accountId, storeId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; sends already queued keep their content' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('storeId', ParseUUIDPipe) storeId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.templates.remove(principal.accountId, storeId, id);
  }
}

function syncOnlyPost(reply: FastifyReply) {
  return reply.status(405).header('allow', 'POST').send({ statusCode: 405, error: 'Method Not Allowed', message: 'use POST on /templates/sync' });
}
