import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/openapi-contract';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { HistoryPageQuery } from './call-history.dto';
import { ThreadPage } from './contact-thread.dto';
import { ContactThreadService } from './contact-thread.service';

@ApiTags('contacts')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1/contacts')
export class ContactThreadController {
  constructor(private readonly threads: ContactThreadService) {}

  @Get(':id/thread')
  @ApiOkResponse({
    type: ThreadPage,
    description: "The contact's messages and calls interleaved, newest first; each call has its deep link, the latest one its transcript",
  })
  thread(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: HistoryPageQuery) {
    return this.threads.thread(principal.accountId, id, query);
  }
}
