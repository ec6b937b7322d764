import { Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Public, bearerToken, hashApiKey } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { ApiRecordingBytes, sendRecording } from './recording-response';
import { PlaybackLinkQuery, PlaybackLinkView } from './recording-playback.dto';
import { RecordingPlaybackService } from './recording-playback.service';

/**
 * Playback links: an audio element fetches (and seeks with Range) a URL it is given, and cannot
 * send the agent's token, which never goes into a URL. So the player asks for a short-lived
 * signed link with its token, and the element plays the link.
 */
@ApiTags('calls')
@Controller('v1/calls')
export class RecordingPlaybackController {
  constructor(private readonly playback: RecordingPlaybackService) {}

  @Post(':id/recordings/:recording_id/playback-link')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOkResponse({
    type: PlaybackLinkView,
    description: 'A signed link that plays this recording without credentials until expires_at (RECORDING_PLAYBACK_LINK_TTL); whoever may download it may ask',
  })
  link(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recording_id', ParseUUIDPipe) recordingId: string,
    @Req() request: FastifyRequest,
  ) {
    return this.playback.link(principal, hashApiKey(bearerToken(request) ?? ''), { callId: id, recordingId });
  }

  @Get(':id/recordings/:recording_id/playback')
  @Public()
  // No credentials: the signature in the query is the authorisation.
  @ApiOperation({ security: [] })
  @ApiRecordingBytes()
  @ApiResponse({ status: 403, description: 'The link expired (field expires) or its signature does not match it (field signature): ask for a new one' })
  async play(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recording_id', ParseUUIDPipe) recordingId: string,
    @Query() query: PlaybackLinkQuery,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const result = await this.playback.play(query, { callId: id, recordingId }, { range, ifRange });
    return sendRecording(reply, result, range);
  }
}
