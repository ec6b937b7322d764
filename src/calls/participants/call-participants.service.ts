import { ForbiddenException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { createLiveKitActivities, type CallParticipant } from '../../../activities/livekit';
import { LIVEKIT_REQUEST_ERROR, LiveKitTransientError, type LiveKitRequestErrorDetails } from '../../../activities/livekit-errors';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import type { Principal } from '../../common/auth';
import { ConflictError, NotFoundError } from '../../common/errors';
import { RealtimeService } from '../../realtime/realtime.service';
import { CallRow, CallsRepository } from '../calls.repository';
import type { JoinView } from '../calls.dto';
import { inviteCandidates } from '../policy';
import type {
  CallParticipantStateView,
  CallParticipantView,
  InviteCandidateView,
  MutedView,
  RemovedView,
} from './call-participants.dto';
import { ACTIVE_PARTICIPANT_STATES, CallParticipantsRepository, ParticipantRow } from './call-participants.repository';
import { agentIdentity } from '../room-identities';

const AGENT_IDENTITY = /^agent:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function agentIdOf(identity: string): string | null {
  return AGENT_IDENTITY.exec(identity)?.[1]?.toLowerCase() ?? null;
}

function isCustomer(p: CallParticipant): boolean {
  return p.kind === 'CONNECTOR' || p.identity === 'customer' || p.identity.startsWith('whatsapp_');
}

function stateView(row: ParticipantRow): CallParticipantStateView {
  return {
    call_id: row.call_id,
    agent_id: row.agent_id,
    role: row.role,
    state: row.state,
    invited_by: row.invited_by,
    updated_at: row.updated_at,
  };
}

function roomFields(live: CallParticipant | undefined) {
  const tracks = live?.audioTracks ?? [];
  return {
    in_room: live !== undefined,
    room_state: live?.state ?? null,
    joined_room_at: live?.joinedAt ?? null,
    muted: tracks.length === 0 ? null : tracks.every((t) => t.muted),
    audio_tracks: tracks.map((t) => ({ sid: t.sid, muted: t.muted })),
  };
}

/**
 * During a call: colleagues invited in (specialists first), their answers, and the room's
 * participants muted or removed through LiveKit.
 */
@Injectable()
export class CallParticipantsService {
  private readonly livekit: ReturnType<typeof createLiveKitActivities>;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly calls: CallsRepository,
    private readonly participants: CallParticipantsRepository,
    private readonly realtime: RealtimeService,
  ) {
    this.livekit = createLiveKitActivities({
      ...config.livekit,
      whatsappCloudApiVersion: config.whatsapp.graphVersion,
      joinTokenTtlSeconds: config.calls.joinTokenTtlSeconds,
    });
  }

  /** Colleagues to invite: specialists (involved with this customer) first, online before offline. */
  async candidates(principal: Principal, callId: string): Promise<InviteCandidateView[]> {
    const call = await this.getCall(principal.accountId, callId);
    const [agents, onCall] = await Promise.all([
      this.participants.involvedAgents(principal.accountId, call.contact_id, { excludeCallId: call.id }),
      this.participants.listForCall(principal.accountId, call.id),
    ]);
    const exclude = onCall.filter((p) => ACTIVE_PARTICIPANT_STATES.includes(p.state)).map((p) => p.agent_id);
    if (call.agent_id) exclude.push(call.agent_id);
    return inviteCandidates(agents, exclude).map(({ agent, specialist, online }) => ({
      agent_id: agent.id,
      name: agent.name,
      online,
      specialist,
      assigned: agent.assigned,
      previous_calls: agent.previousCalls,
    }));
  }

  /** An agent on the call invites a colleague, who gets a call.invited event on their stream. */
  async invite(principal: Principal, callId: string, inviteeId: string): Promise<CallParticipantStateView> {
    const inviterId = this.agentOf(principal, 'invitations are sent by an agent on the call: use an agent token');
    const call = await this.getCall(principal.accountId, callId);
    if (call.ended_at) throw new ConflictError(`call ${callId} has ended`);
    await this.assertOnCall(principal, call);
    if ((await this.participants.agents(principal.accountId, [inviteeId])).length === 0) {
      throw new NotFoundError('agent', inviteeId);
    }
    const row = await this.participants.invite({
      accountId: principal.accountId,
      callId,
      agentId: inviteeId,
      invitedBy: inviterId,
    });
    if (!row) {
      const existing = await this.participants.find(principal.accountId, callId, inviteeId);
      if (existing && ACTIVE_PARTICIPANT_STATES.includes(existing.state)) {
        throw new ConflictError(`agent_id: agent ${inviteeId} is already ${existing.state} on call ${callId}`);
      }
      throw new ConflictError(`call ${callId} has ended`);
    }
    await this.realtime.publish({
      accountId: principal.accountId,
      agentId: inviteeId,
      type: 'call.invited',
      data: {
        call_id: call.id,
        contact_id: call.contact_id,
        whatsapp_number_id: call.whatsapp_number_id,
        direction: call.direction,
        invited_by: inviterId,
      },
    });
    await this.participantsChanged(principal.accountId, row);
    return stateView(row);
  }

  /** The invitee accepts: they are on the call and get a token for its room. Accepting twice is harmless. */
  async accept(principal: Principal, callId: string): Promise<JoinView> {
    const agentId = this.agentOf(principal, 'invitations are answered by the invited agent: use an agent token');
    const call = await this.getCall(principal.accountId, callId);
    if (call.ended_at) throw new ConflictError(`call ${callId} has ended`);
    const row = await this.participants.transition(principal.accountId, callId, agentId, ['invited'], 'joined');
    if (row) {
      await this.answered(principal.accountId, row, 'call.invite_accepted');
    } else if ((await this.participants.find(principal.accountId, callId, agentId))?.state !== 'joined') {
      throw new ConflictError(`agent ${agentId} has no pending invitation to call ${callId}`);
    }
    return this.joinToken(call, agentId);
  }

  /** The invitee declines; declining twice is harmless. */
  async decline(principal: Principal, callId: string): Promise<CallParticipantStateView> {
    const agentId = this.agentOf(principal, 'invitations are answered by the invited agent: use an agent token');
    await this.getCall(principal.accountId, callId);
    const row = await this.participants.transition(principal.accountId, callId, agentId, ['invited'], 'declined');
    if (row) {
      await this.answered(principal.accountId, row, 'call.invite_declined');
      return stateView(row);
    }
    const existing = await this.participants.find(principal.accountId, callId, agentId);
    if (existing?.state === 'declined') return stateView(existing);
    throw new ConflictError(`agent ${agentId} has no pending invitation to call ${callId}`);
  }

  /**
   * Everyone on the call: the agents recado knows of (with their state and presence) merged
   * with who is connected to the LiveKit room right now (the customer included), with the
   * audio tracks' muted flags. The identity is what the frontend keys volume controls on.
   */
  async list(principal: Principal, callId: string): Promise<CallParticipantView[]> {
    const call = await this.getCall(principal.accountId, callId);
    const [rows, live] = await Promise.all([
      this.participants.listForCall(principal.accountId, callId),
      // An ended call's room is closed: nobody is connected.
      call.ended_at ? Promise.resolve([]) : this.liveKit(() => this.livekit.listParticipants(call.room_name)),
    ]);
    const liveByIdentity = new Map(live.map((p) => [p.identity, p]));
    const views: CallParticipantView[] = rows.map((row) => {
      const identity = agentIdentity(row.agent_id);
      const inRoom = liveByIdentity.get(identity);
      liveByIdentity.delete(identity);
      return {
        identity,
        kind: 'agent',
        agent_id: row.agent_id,
        name: row.name,
        role: row.role,
        state: row.state,
        online: row.online,
        ...roomFields(inRoom),
      };
    });
    // Connected without a participant row: agents (e.g. answering an inbound call), the customer, others.
    const rest = [...liveByIdentity.values()];
    const unknownAgentIds = rest.map((p) => agentIdOf(p.identity)).filter((id): id is string => id !== null);
    const agents = new Map((await this.participants.agents(principal.accountId, unknownAgentIds)).map((a) => [a.id, a]));
    for (const p of rest) {
      const agent = agents.get(agentIdOf(p.identity) ?? '');
      views.push({
        identity: p.identity,
        kind: agent ? 'agent' : isCustomer(p) ? 'customer' : 'other',
        agent_id: agent?.id ?? null,
        name: agent?.name ?? (p.name || null),
        role: null,
        state: null,
        online: agent?.online ?? null,
        ...roomFields(p),
      });
    }
    return views;
  }

  /** Mutes or unmutes the participant's audio in the room for everyone. */
  async mute(principal: Principal, callId: string, identity: string, muted: boolean): Promise<MutedView> {
    const call = await this.getCall(principal.accountId, callId);
    if (call.ended_at) throw new ConflictError(`call ${callId} has ended`);
    await this.assertOnCall(principal, call);
    const { trackSids } = await this.liveKit(
      () => this.livekit.muteParticipant({ roomName: call.room_name, identity, muted }),
      () => new NotFoundError('participant', identity),
    );
    await this.realtime.publish({
      accountId: principal.accountId,
      type: 'call.participants_changed',
      data: { call_id: callId, identity, agent_id: agentIdOf(identity), muted },
    });
    return { identity, muted, track_sids: trackSids };
  }

  /**
   * Disconnects the participant from the room; an agent's participation (or pending
   * invitation) ends as removed, or as left when agents remove themselves. The customer is
   * not removed here: hanging up ends their call at Meta too.
   */
  async remove(principal: Principal, callId: string, identity: string): Promise<RemovedView> {
    const call = await this.getCall(principal.accountId, callId);
    if (call.ended_at) throw new ConflictError(`call ${callId} has ended`);
    await this.assertOnCall(principal, call);
    const agentId = agentIdOf(identity);
    if (!agentId) {
      const live = await this.liveKit(() => this.livekit.listParticipants(call.room_name));
      const target = live.find((p) => p.identity === identity);
      if (target && isCustomer(target)) {
        throw new ConflictError(`identity: ${identity} is the customer; end their call with POST /v1/calls/${callId}/hangup`);
      }
    }
    const { removed } = await this.liveKit(() => this.livekit.removeParticipant({ roomName: call.room_name, identity }));
    let state: string | null = null;
    if (agentId) {
      const to = agentId === principal.agentId ? 'left' : 'removed';
      const row = await this.participants.transition(principal.accountId, callId, agentId, ACTIVE_PARTICIPANT_STATES, to);
      if (row) await this.participantsChanged(principal.accountId, row);
      state = row?.state ?? (await this.participants.find(principal.accountId, callId, agentId))?.state ?? null;
    }
    if (!removed && state === null) throw new NotFoundError('participant', identity);
    return { identity, removed_from_room: removed, state };
  }

  private async answered(accountId: string, row: ParticipantRow, type: 'call.invite_accepted' | 'call.invite_declined') {
    if (row.invited_by) {
      await this.realtime.publish({
        accountId,
        agentId: row.invited_by,
        type,
        data: { call_id: row.call_id, agent_id: row.agent_id },
      });
    }
    await this.participantsChanged(accountId, row);
  }

  private participantsChanged(accountId: string, row: ParticipantRow): Promise<void> {
    return this.realtime.publish({
      accountId,
      type: 'call.participants_changed',
      data: { call_id: row.call_id, identity: agentIdentity(row.agent_id), agent_id: row.agent_id, state: row.state },
    });
  }

  private async joinToken(call: CallRow, agentId: string): Promise<JoinView> {
    const { token, url, expiresAt } = await this.livekit.issueJoinToken({
      roomName: call.room_name,
      identity: agentIdentity(agentId),
      ttlSeconds: this.config.calls.joinTokenTtlSeconds,
    });
    return { token, url, expires_at: expiresAt };
  }

  /** Runs a LiveKit request, turning what it throws into HTTP errors. */
  private async liveKit<T>(fn: () => Promise<T>, notFound?: () => Error): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === LIVEKIT_REQUEST_ERROR) {
        const details = err.details?.[0] as LiveKitRequestErrorDetails | undefined;
        if (details?.code === 'not_found' && notFound) throw notFound();
        // e.g. unmuting someone else where the server does not allow remote unmute.
        if (details?.code === 'failed_precondition') throw new ConflictError(`LiveKit refused: ${details.message}`);
      }
      if (err instanceof LiveKitTransientError) throw new ServiceUnavailableException('LiveKit is unavailable; try again');
      throw err;
    }
  }

  /** Agents act on a call they are on; admins and system keys (supervision) on any call of the account. */
  private async assertOnCall(principal: Principal, call: CallRow): Promise<void> {
    if (!principal.agentId) return;
    if (call.agent_id === principal.agentId) return;
    const row = await this.participants.find(principal.accountId, call.id, principal.agentId);
    if (row?.state === 'joined') return;
    if (principal.role === 'admin') return;
    throw new ForbiddenException(`agent ${principal.agentId} is not on call ${call.id}`);
  }

  private async getCall(accountId: string, callId: string): Promise<CallRow> {
    const row = await this.calls.findById(accountId, callId);
    if (!row) throw new NotFoundError('call', callId);
    return row;
  }

  private agentOf(principal: Principal, message: string): string {
    if (!principal.agentId) throw new ForbiddenException(message);
    return principal.agentId;
  }
}
