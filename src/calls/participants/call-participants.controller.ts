import { ApiErrors } from '../../common/openapi-contract';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth';
import type { Principal } from '../../common/auth';
import { JoinView } from '../calls.dto';
import { CallBlocksService } from './call-blocks.service';
import {
  CallBlockView,
  CallParticipantStateView,
  CallParticipantView,
  InviteCandidateView,
  InviteDto,
  MutedView,
  MuteDto,
  ParticipantPathParams,
  RemovedView,
} from './call-participants.dto';
import { CallParticipantsService } from './call-participants.service';

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(409, 503)
@Controller('v1/calls/:id')
export class CallParticipantsController {
  constructor(private readonly participants: CallParticipantsService) {}

  @Get('invite-candidates')
  @ApiOkResponse({
    type: [InviteCandidateView],
    description: 'Colleagues to invite: specialists (involved with this customer) first, online first within each group',
  })
  candidates(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.participants.candidates(principal, id);
  }

  @Post('invites')
  @ApiCreatedResponse({ type: CallParticipantStateView, description: 'Invites a colleague (an agent on the call does); they get call.invited' })
  @ApiForbiddenResponse({ description: 'Not an agent on the call' })
  @ApiNotFoundResponse({ description: 'Unknown call or agent' })
  @ApiConflictResponse({ description: 'The call ended, or the agent is already invited or on it' })
  invite(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: InviteDto) {
    return this.participants.invite(principal, id, dto.agent_id);
  }

  @Post('invites/accept')
  @HttpCode(200)
  @ApiOkResponse({ type: JoinView, description: "The invited agent joins: a token for the call's room" })
  @ApiConflictResponse({ description: 'No pending invitation, or the call ended' })
  accept(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.participants.accept(principal, id);
  }

  @Post('invites/decline')
  @HttpCode(200)
  @ApiOkResponse({ type: CallParticipantStateView })
  @ApiConflictResponse({ description: 'No pending invitation' })
  decline(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.participants.decline(principal, id);
  }

  @Get('participants')
  @ApiOkResponse({
    type: [CallParticipantView],
    description: "The call's agents merged with who is in the LiveKit room now (customer included), with audio mute flags",
  })
  list(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.participants.list(principal, id);
  }

  @Post('participants/:identity/mute')
  @HttpCode(200)
  @ApiOkResponse({ type: MutedView, description: "Mutes or unmutes the participant's audio for everyone" })
  @ApiNotFoundResponse({ description: 'Unknown call, or the participant is not in the room' })
  mute(@CurrentPrincipal() principal: Principal, @Param() params: ParticipantPathParams, @Body() dto: MuteDto) {
    return this.participants.mute(principal, params.id, params.identity, dto.muted);
  }

  @Delete('participants/:identity')
  @ApiOkResponse({ type: RemovedView, description: "Disconnects the participant; an agent's participation ends as removed" })
  @ApiConflictResponse({ description: 'The call ended, or the identity is the customer (hang up instead)' })
  remove(@CurrentPrincipal() principal: Principal, @Param() params: ParticipantPathParams) {
    return this.participants.remove(principal, params.id, params.identity);
  }
}

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts/:id/call-block')
export class CallBlockController {
  constructor(private readonly blocks: CallBlocksService) {}

  @Get()
  @ApiOkResponse({ type: CallBlockView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.blocks.get(principal, id);
  }

  @Put()
  @ApiOkResponse({ type: CallBlockView, description: "Blocks the customer from calling (idempotent: the first block's time stays)" })
  block(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.blocks.block(principal, id);
  }

  @Delete()
  @ApiOkResponse({ type: CallBlockView, description: 'Lets the customer call again (idempotent)' })
  unblock(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.blocks.unblock(principal, id);
  }
}
