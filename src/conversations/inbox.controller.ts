import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { ApiErrors } from '../common/openapi-contract';
import { ConversationReadView, ConversationsPage, ListConversationsQuery, ReplyOptionsView } from './inbox.dto';
import { InboxService } from './inbox.service';

@ApiTags('conversations')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1/conversations')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @ApiOkResponse({
    type: ConversationsPage,
    description:
      'One conversation per contact across every channel, newest message first, with what the reader has not read ' +
      'and the customer-service window per channel account; the stream GET /v1/events says when to read it again (conversation.updated)',
  })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListConversationsQuery) {
    return this.inbox.list(principal, query);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationReadView, description: "The contact's conversation is read up to now, for the calling agent (or the account, for API keys)" })
  markRead(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) contactId: string) {
    return this.inbox.markRead(principal, contactId);
  }
}

@ApiTags('contacts')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1/contacts')
export class ReplyOptionsController {
  constructor(private readonly inbox: InboxService) {}

  @Get(':id/reply-options')
  @ApiOkResponse({
    type: ReplyOptionsView,
    description:
      'How a reply to the contact may go on each channel account that reaches them: free-form, template only (WhatsApp outside ' +
      'the 24 h window, with the approved templates usable) or not at all, and why',
  })
  replyOptions(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.inbox.replyOptions(principal.accountId, id);
  }
}
