import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsUUID, Matches, ValidateIf } from 'class-validator';
import { PageQuery } from '../common/page.dto';
import { WA_ID, WA_ID_MESSAGE } from '../contacts/contacts.dto';

export const MESSAGE_TYPES = [
  'text',
  'template',
  'interactive',
  'image',
  'document',
  'audio',
  'video',
  'sticker',
  'location',
  'contacts',
  'reaction',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const CONTENT = 'Content in the Cloud API shape for this type; checked against Meta\'s OpenAPI spec.';

/**
 * A message to one contact. The content object is named after the type, exactly as in the
 * WhatsApp Cloud API (`{ "type": "text", "text": { "body": "Olá" } }`).
 */
export class SendMessageDto {
  /** The recipient is named either way (checked by the ValidateIf pair below). */
  static readonly schemaRules = { anyOf: [{ required: ['to'] }, { required: ['contact_id'] }] };

  @ApiProperty({ description: 'id of one of the account\'s WhatsApp numbers (GET /v1/whatsapp-numbers)' })
  @IsUUID(undefined, { message: 'whatsapp_number_id must be a UUID' })
  whatsapp_number_id!: string;

  @ApiPropertyOptional({ example: '5511987654321', description: 'Recipient wa_id; or give contact_id' })
  @ValidateIf((o: SendMessageDto) => o.contact_id === undefined)
  @Matches(WA_ID, { message: `to ${WA_ID_MESSAGE} (or give contact_id instead)` })
  to?: string;

  @ApiPropertyOptional({ description: 'Recipient contact; or give to' })
  @IsOptional()
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id?: string;

  @ApiProperty({ enum: MESSAGE_TYPES, example: 'text' })
  @IsIn(MESSAGE_TYPES)
  type!: MessageType;

  @ApiPropertyOptional({ description: CONTENT, example: { body: 'Seu pedido saiu para entrega.' } })
  @IsOptional() @IsObject() text?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() template?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() interactive?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() image?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() document?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() audio?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() video?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() sticker?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() location?: Record<string, unknown>;
  @ApiPropertyOptional({ description: CONTENT, type: [Object] }) @IsOptional() contacts?: unknown[];
  @ApiPropertyOptional({ description: CONTENT }) @IsOptional() @IsObject() reaction?: Record<string, unknown>;
}

export class ListMessagesQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id?: string;
}

export class MessageView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['outbound', 'inbound'] }) direction!: string;
  @ApiProperty() contact_id!: string;
  @ApiProperty() whatsapp_number_id!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'Outbound: the Cloud API request; inbound: the message from the webhook' })
  body!: Record<string, unknown>;
  @ApiProperty({
    enum: ['queued', 'sending', 'retrying', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed', 'received'],
    description: 'queued → sending → accepted (Meta took it) → sent → delivered → read; or failed',
  })
  state!: string;
  @ApiProperty({ nullable: true, type: String, description: 'wamid' }) provider_message_id!: string | null;
  @ApiProperty() send_attempts!: number;
  @ApiProperty({ nullable: true, type: Object }) error!: Record<string, unknown> | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty({ nullable: true, type: Date }) accepted_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) sent_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) delivered_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) read_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date, description: "A voice message the customer played (Meta's played status)" }) played_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) failed_at!: Date | null;
}
