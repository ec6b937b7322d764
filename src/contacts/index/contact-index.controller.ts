import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { PageQuery } from '../../common/page.dto';
import { ContactIndexStatusView, ParkedContactsView } from './contact-index.dto';
import { ContactIndexService } from './contact-index.service';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contact-index')
export class ContactIndexController {
  constructor(private readonly index: ContactIndexService) {}

  @Get()
  @ApiOkResponse({ type: ContactIndexStatusView, description: "How far contact search lags behind the account's changes" })
  status(@CurrentPrincipal() principal: Principal) {
    return this.index.status(principal.accountId);
  }

  @Get('parked')
  @ApiOkResponse({ type: ParkedContactsView, description: 'Contacts left out of search because Typesense kept rejecting them; a change to one tries again' })
  parked(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.index.parked(principal.accountId, query.limit);
  }
}
