import { Controller, Get, Headers, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, bearerToken, hashApiKey } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiErrors } from '../../common/openapi-contract';
import { CallDetailsView, CallHistoryPage, ListCallHistoryQuery } from './call-history.dto';
import { CallHistoryService } from './call-history.service';
import { RecordingDownloadService } from './recording-download.service';
import { ApiRecordingBytes, sendRecording } from './recording-response';

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(422)
@Controller('v1/calls')
export class CallHistoryController {
  constructor(
    private readonly history: CallHistoryService,
    private readonly downloads: RecordingDownloadService,
  ) {}

  @Get()
  @ApiOkResponse({ type: CallHistoryPage, description: "The account's calls: ongoing ones first, then newest first; cursor pages" })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListCallHistoryQuery) {
    return this.history.list(principal.accountId, query);
  }

  @Get(':id/details')
  @ApiOkResponse({
    type: CallDetailsView,
    description: 'Participants, timeline, recordings (with download URLs), transcript, summary and the post-call steps',
  })
  details(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.history.details(principal.accountId, id);
  }

  @Get(':id/recordings/:recording_id')
  @ApiRecordingBytes()
  async recording(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recording_id', ParseUUIDPipe) recordingId: string,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const actor = await this.downloads.actor(principal, hashApiKey(bearerToken(request) ?? ''));
    const result = await this.downloads.download({ accountId: principal.accountId, actor }, { callId: id, recordingId }, { range, ifRange });
    return sendRecording(reply, result, range);
  }
}
