import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

export class StartCallDto {
  @ApiProperty({ description: 'The business number to call from' })
  @IsUUID(undefined, { message: 'whatsapp_number_id must be a UUID' })
  whatsapp_number_id!: string;

  @ApiProperty({ description: 'The customer to call (needs a granted call permission)' })
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id!: string;
}

export class ListCallsQuery {
  @ApiPropertyOptional({ description: "Only calls this agent placed, answered or joined (default: the whole account's)" })
  @IsOptional()
  @IsUUID(undefined, { message: 'agent_id must be a UUID' })
  agent_id?: string;
}

export class CallView {
  @ApiProperty() id!: string;
  @ApiProperty() whatsapp_number_id!: string;
  @ApiProperty() contact_id!: string;
  @ApiProperty({ enum: ['business_initiated', 'user_initiated'] }) direction!: string;
  @ApiProperty({ enum: ['dialing', 'ringing', 'accepted', 'completed', 'rejected', 'not_answered', 'failed'] }) state!: string;
  @ApiProperty({ nullable: true, type: String, description: "Meta's call id (wacid)" }) whatsapp_call_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) agent_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) end_reason!: string | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty({ nullable: true, type: Date }) ringing_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) accepted_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) ended_at!: Date | null;
  @ApiProperty({ nullable: true, type: Number }) duration_seconds!: number | null;
}

export class JoinView {
  @ApiProperty({ description: 'LiveKit server URL for the client SDK' }) url!: string;
  @ApiProperty({ description: "Access token for this call's room only, short-lived" }) token!: string;
  @ApiProperty() expires_at!: string;
}

export class StartedCallView {
  @ApiProperty({ type: CallView }) call!: CallView;
  @ApiProperty({ type: JoinView }) join!: JoinView;
}
