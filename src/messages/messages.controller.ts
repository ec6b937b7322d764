import { ApiErrors } from '../common/openapi-contract';
import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { InvalidFieldError } from '../common/errors';
import { ListMessagesQuery, MessageView, SendMessageDto } from './messages.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @HttpCode(202)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 200 },
    description: 'Repeating a request with the same key returns the first message instead of sending again',
  })
  @ApiAcceptedResponse({ type: MessageView, description: 'Stored and queued; follow its state with GET or /v1/events' })
  send(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 200)) {
      throw new InvalidFieldError('Idempotency-Key', 'must be 1 to 200 characters');
    }
    return this.messages.send(principal.accountId, dto, idempotencyKey ?? null);
  }

  @Get()
  @ApiOkResponse({ type: [MessageView] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListMessagesQuery) {
    return this.messages.list(principal.accountId, query.contact_id, query.limit);
  }

  @Get(':id')
  @ApiOkResponse({ type: MessageView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.messages.get(principal.accountId, id);
  }
}
