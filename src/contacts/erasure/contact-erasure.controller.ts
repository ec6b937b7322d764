import { ArgumentsHost, Catch, Controller, Delete, ExceptionFilter, Get, Param, ParseUUIDPipe, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AccountAdminOnly, CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ContactErasureResult, ContactErasureView, ErasureIncompleteView, ListContactErasuresQuery } from './contact-erasure.dto';
import { ContactErasureService, ErasureIncompleteError } from './contact-erasure.service';

@Catch(ErasureIncompleteError)
export class ErasureIncompleteFilter implements ExceptionFilter {
  catch(err: ErasureIncompleteError, host: ArgumentsHost) {
    const body: ErasureIncompleteView = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: err.message,
      erasure_id: err.erasureId,
      contact_id: err.contactId,
      step: err.step,
    };
    return host.switchToHttp().getResponse<FastifyReply>().status(503).send(body);
  }
}

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
@UseFilters(ErasureIncompleteFilter)
export class ContactErasureController {
  constructor(private readonly erasure: ContactErasureService) {}

  @Delete(':id')
  @AccountAdminOnly()
  @ApiOkResponse({
    type: ContactErasureResult,
    description:
      'LGPD erasure: the contact, its identities, messages, calls, call permissions, callback tasks and the stored webhook ' +
      'events naming it are deleted in one transaction (with an audit row, GET /v1/contact-erasures); then its search ' +
      "document and its Temporal workflows (terminated, histories deleted). Repeating it finishes an erasure a 503 left " +
      'incomplete; a contact erased completely (or unknown) is 404',
  })
  @ApiServiceUnavailableResponse({
    type: ErasureIncompleteView,
    description: 'Erased from the database, but Typesense or Temporal could not be reached: repeat the DELETE to finish',
  })
  erase(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.erasure.erase(principal, id);
  }
}

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contact-erasures')
export class ContactErasuresController {
  constructor(private readonly erasure: ContactErasureService) {}

  @Get()
  @AccountAdminOnly()
  @ApiOkResponse({ type: [ContactErasureView], description: "The account's erasures (LGPD audit), newest first; no personal data" })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListContactErasuresQuery) {
    return this.erasure.list(principal.accountId, query.limit);
  }
}
