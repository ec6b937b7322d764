import { BadRequestException, Body, Controller, Get, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ConflictError } from '../../common/errors';
import { ApiErrors } from '../../common/openapi-contract';
import { ATTRIBUTE_KEY } from '../index/contact-document';
import { AttributeView, PutAttributeDto } from './contact-attributes.dto';
import { ContactAttributesRepository, type AttributeRow } from './contact-attributes.repository';

const view = (row: AttributeRow): AttributeView => ({ ...row, created_at: row.created_at.toISOString() });

/** Custom attributes an account declares on its contacts, typed so search can filter and sort them. */
@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contact-attributes')
export class ContactAttributesController {
  constructor(private readonly attributes: ContactAttributesRepository) {}

  @Get()
  @ApiOkResponse({ type: [AttributeView] })
  async list(@CurrentPrincipal() principal: Principal): Promise<AttributeView[]> {
    return (await this.attributes.list(principal.accountId)).map(view);
  }

  @Put(':key')
  @ApiParam({ name: 'key', schema: { type: 'string', pattern: ATTRIBUTE_KEY.source } })
  @ApiCreatedResponse({ type: AttributeView, description: 'Declared' })
  @ApiOkResponse({ type: AttributeView, description: 'Already declared with this type: label updated' })
  @ApiErrors(409)
  async put(
    @CurrentPrincipal() principal: Principal,
    @Param('key') key: string,
    @Body() dto: PutAttributeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttributeView> {
    if (!ATTRIBUTE_KEY.test(key)) {
      throw new BadRequestException(`key must be 1 to 40 lower-case letters, digits or "_", starting with a letter (${ATTRIBUTE_KEY.source})`);
    }
    const { row, created } = await this.attributes.put(principal.accountId, key, dto.type, dto.label ?? null);
    if (row.type !== dto.type) throw new ConflictError(`attribute ${key} is declared ${row.type}; its type cannot change to ${dto.type}`);
    void reply.status(created ? 201 : 200);
    return view(row);
  }
}
