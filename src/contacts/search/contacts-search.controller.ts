import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
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
@ApiErrors(422, 503)
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
  search(@CurrentPrincipal() principal: Principal, @Query() query: SearchContactsQuery) {
    return this.contacts.search(principal.accountId, query);
  }
}
