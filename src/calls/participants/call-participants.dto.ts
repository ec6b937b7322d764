import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsUUID, Length } from 'class-validator';

export class InviteDto {
  @ApiProperty({ description: 'The colleague to invite (see GET /v1/calls/{id}/invite-candidates)' })
  @IsUUID(undefined, { message: 'agent_id must be a UUID' })
  agent_id!: string;
}

export class MuteDto {
  @ApiProperty({ description: 'true mutes every audio track the participant publishes; false unmutes them' })
  @IsBoolean({ message: 'muted must be a boolean' })
  muted!: boolean;
}

export class ParticipantPathParams {
  @ApiProperty({ description: 'The call' })
  @IsUUID(undefined, { message: 'id must be a UUID' })
  id!: string;

  @ApiProperty({ description: "The participant's LiveKit identity: agent:<agent id> for agents, as listed by GET /v1/calls/{id}/participants" })
  // Fastify refuses longer path parameters (414) before validation; agent identities are 42.
  @Length(1, 100, { message: 'identity must be 1 to 100 characters' })
  identity!: string;
}

export class InviteCandidateView {
  @ApiProperty() agent_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The realtime stream is open: the agent can answer the invitation now' }) online!: boolean;
  @ApiProperty({ description: 'Involved with this customer (assigned, or took part in earlier calls): listed first' })
  specialist!: boolean;
  @ApiProperty({ description: 'The agent assigned to the customer' }) assigned!: boolean;
  @ApiProperty({ description: 'Earlier calls with this customer the agent placed, answered or joined' }) previous_calls!: number;
}

export class CallParticipantStateView {
  @ApiProperty() call_id!: string;
  @ApiProperty() agent_id!: string;
  @ApiProperty({ enum: ['host', 'invitee'] }) role!: string;
  @ApiProperty({ enum: ['invited', 'joined', 'declined', 'left', 'removed'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) invited_by!: string | null;
  @ApiProperty() updated_at!: Date;
}

export class AudioTrackView {
  @ApiProperty() sid!: string;
  @ApiProperty() muted!: boolean;
}

export class CallParticipantView {
  @ApiProperty({ description: 'LiveKit identity: the key for per-participant volume (RemoteParticipant.setVolume) and for mute/remove' })
  identity!: string;
  @ApiProperty({ enum: ['agent', 'customer', 'other'] }) kind!: string;
  @ApiProperty({ nullable: true, type: String }) agent_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, enum: ['host', 'invitee'], type: String, description: 'Agents only' }) role!: string | null;
  @ApiProperty({
    nullable: true,
    enum: ['invited', 'joined', 'declined', 'left', 'removed'],
    type: String,
    description: "Agents only: recado's record of the agent on this call",
  })
  state!: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Agents only: realtime stream open' }) online!: boolean | null;
  @ApiProperty({ description: 'Connected to the call\'s LiveKit room right now' }) in_room!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'LiveKit participant state (JOINING, JOINED, ACTIVE, DISCONNECTED)' })
  room_state!: string | null;
  @ApiProperty({ nullable: true, type: String }) joined_room_at!: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Every published audio track is muted; null: no audio published' })
  muted!: boolean | null;
  @ApiProperty({ type: [AudioTrackView] }) audio_tracks!: AudioTrackView[];
}

export class MutedView {
  @ApiProperty() identity!: string;
  @ApiProperty() muted!: boolean;
  @ApiProperty({ type: [String], description: 'Audio tracks changed (empty when the participant publishes no audio)' })
  track_sids!: string[];
}

export class RemovedView {
  @ApiProperty() identity!: string;
  @ApiProperty({ description: 'The participant was in the room and was disconnected' }) removed_from_room!: boolean;
  @ApiProperty({ nullable: true, type: String, description: "Agents: the participant's state now (removed, or left when removing oneself)" })
  state!: string | null;
}

export class CallBlockView {
  @ApiProperty() contact_id!: string;
  @ApiProperty({ description: "The customer's calls are rejected" }) blocked!: boolean;
  @ApiProperty({ nullable: true, type: Date }) blocked_at!: Date | null;
  @ApiProperty({ nullable: true, type: String, description: 'Agent who blocked; null for a system key' }) blocked_by!: string | null;
}
