import { Controller, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { RealtimeService } from './realtime.service';

@ApiTags('realtime')
@ApiBearerAuth()
@Controller('v1/events')
export class RealtimeController {
  constructor(private readonly realtime: RealtimeService) {}

  @Sse()
  @ApiQuery({ name: 'access_token', required: false, description: 'For EventSource, which cannot send headers' })
  @ApiOkResponse({
    description:
      'Server-sent events for the caller: events of its account, and those addressed to the calling agent. ' +
      'Each event has a type (message.updated, message.received, …) and JSON data; a heartbeat every 25 s.',
  })
  stream(@CurrentPrincipal() principal: Principal) {
    return this.realtime.streamFor(principal);
  }
}
