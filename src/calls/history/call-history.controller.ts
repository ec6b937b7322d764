import { Controller, Get, Headers, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, bearerToken, hashApiKey } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiErrors, ERROR_SCHEMA } from '../../common/openapi-contract';
import { CallDetailsView, CallHistoryPage, ListCallHistoryQuery } from './call-history.dto';
import { CallHistoryService } from './call-history.service';
import { RecordingDownloadService } from './recording-download.service';

const AUDIO = { 'audio/wav': { schema: { type: 'string', format: 'binary' } } };
const RANGE_HEADERS = {
  'Accept-Ranges': { schema: { type: 'string', enum: ['bytes'] } },
  ETag: { schema: { type: 'string' } },
};

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
  @ApiProduces('audio/wav')
  @ApiHeader({
    name: 'Range',
    required: false,
    schema: { type: 'string' },
    description: 'One byte range (RFC 9110 §14): bytes=0-99, bytes=500- or bytes=-500; other values are ignored (the whole file)',
  })
  @ApiHeader({ name: 'If-Range', required: false, schema: { type: 'string' }, description: 'The ETag: the range only if the file is still that one' })
  @ApiResponse({ status: 200, description: 'The whole file', content: AUDIO, headers: { ...RANGE_HEADERS, 'Content-Length': { schema: { type: 'integer' } } } })
  @ApiResponse({
    status: 206,
    description: 'The requested range',
    content: AUDIO,
    headers: { ...RANGE_HEADERS, 'Content-Range': { schema: { type: 'string', pattern: '^bytes [0-9]+-[0-9]+/[0-9]+$' } } },
  })
  @ApiResponse({
    status: 416,
    description: 'The range lies outside the file; Content-Range: bytes */<size> says its size',
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } } },
    headers: { 'Content-Range': { schema: { type: 'string', pattern: '^bytes \\*/[0-9]+$' } } },
  })
  async recording(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recording_id', ParseUUIDPipe) recordingId: string,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const keyHash = hashApiKey(bearerToken(request) ?? '');
    const result = await this.downloads.download(principal, keyHash, { callId: id, recordingId }, { range, ifRange });
    void reply.status(result.status).headers(result.headers);
    if (result.status === 416) {
      return reply.send({
        statusCode: 416,
        error: 'Range Not Satisfiable',
        message: `Range: ${range ?? ''} lies outside the recording's ${result.headers['content-range'].split('/')[1]} bytes`,
        field: 'Range',
      });
    }
    return reply.send(result.body ?? Buffer.alloc(0));
  }
}
