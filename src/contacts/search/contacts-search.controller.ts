import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ContactSearchView, SearchContactsQuery } from './contacts-search.dto';
import { ContactsSearchService } from './contacts-search.service';
import { SearchUnavailableError } from './typesense-search';

/** Typesense not reached (or failing): 503, the search may succeed later; Postgres still has every contact. */
@Catch(SearchUnavailableError)
export class SearchUnavailableFilter implements ExceptionFilter {
  catch(err: SearchUnavailableError, host: ArgumentsHost) {
    return host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('retry-after', '5')
      .status(503)
      .send({ statusCode: 503, error: 'Service Unavailable', message: err.message });
  }
}

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
@UseFilters(SearchUnavailableFilter)
export class ContactsSearchController {
  constructor(private readonly contacts: ContactsSearchService) {}

  @Get('search')
  @ApiOperation({
    summary: "Search the account's contacts",
    description:
      'Free text, structured and custom-attribute filters, sort, facets and pages over the search index. The index follows ' +
      'Postgres within moments; index_lag_ms says how far behind it may be.',
  })
  @ApiOkResponse({ type: ContactSearchView })
  @ApiResponse({
    status: 422,
    description: 'Well-formed, but names a custom attribute the account did not declare, or a value of the wrong type for it; `field` names the parameter',
  })
  @ApiResponse({ status: 503, description: 'The search index (Typesense) is unreachable; try again (Retry-After)' })
  search(@CurrentPrincipal() principal: Principal, @Query() query: SearchContactsQuery) {
    return this.contacts.search(principal.accountId, query);
  }
}
