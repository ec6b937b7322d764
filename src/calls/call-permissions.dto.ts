import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class CallPermissionPairDto {
  @ApiProperty({ description: 'The business number the calls go out from' })
  @IsUUID(undefined, { message: 'whatsapp_number_id must be a UUID' })
  whatsapp_number_id!: string;

  @ApiProperty({ description: 'The customer' })
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id!: string;
}

export class CallPermissionRequestedView {
  @ApiProperty({ description: 'The outbound message carrying the request (follow it at /v1/messages/{id})' })
  message_id!: string;
  @ApiProperty() requested_at!: Date;
}

export class CallPermissionView {
  @ApiProperty() whatsapp_number_id!: string;
  @ApiProperty() contact_id!: string;
  @ApiProperty({ enum: ['none', 'pending', 'granted', 'expired', 'revoked', 'denied'] }) status!: string;
  @ApiProperty({ enum: ['temporary', 'permanent'], nullable: true, type: String }) kind!: string | null;
  @ApiProperty({ nullable: true, type: Date, description: 'When a temporary grant or a pending request lapses' })
  expires_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date, description: "When Meta's request limits allow the next request; null: now" })
  next_request_allowed_at!: Date | null;
  @ApiProperty({ nullable: true, type: String }) requested_by_agent_id!: string | null;
  @ApiProperty({ nullable: true, type: Date }) updated_at!: Date | null;
  @ApiProperty({
    nullable: true,
    type: Object,
    description: "Meta's live actions (start_call, send_call_permission_request): can_perform and limits with usage, from the last refresh",
  })
  meta!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: Date }) meta_synced_at!: Date | null;
}
