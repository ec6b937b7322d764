import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsUUID, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { MessageContentDto } from '../channels/content.dto';
import { MESSAGE_CATEGORIES } from '../channels/routing/plan';
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
 * A message to one contact, either way:
 * - `content` (any channel): rendered by the channel's driver; it goes out on `channel_account_id`,
 *   or — a reply — on the channel account the customer last wrote to;
 * - WhatsApp Cloud API shape: `whatsapp_number_id` and a content object named after the type,
 *   exactly as in the Cloud API (`{ "type": "text", "text": { "body": "Olá" } }`).
 */
export class SendMessageDto {
  /** The recipient is named either way, and so is the content (checked by the ValidateIf pairs below). */
  static readonly schemaRules = {
    allOf: [
      { anyOf: [{ required: ['to'] }, { required: ['contact_id'] }] },
      { anyOf: [{ required: ['content'] }, { required: ['whatsapp_number_id', 'type'] }] },
    ],
  };

  @ApiPropertyOptional({ description: 'Channel-neutral content; or give whatsapp_number_id, type and the Cloud API object', type: MessageContentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MessageContentDto)
  content?: MessageContentDto;

  @ApiPropertyOptional({ description: 'With content: the WhatsApp number, mailbox, bot or app to send on (GET /v1/channel-accounts); default: where the customer last wrote' })
  @IsOptional()
  @IsUUID(undefined, { message: 'channel_account_id must be a UUID' })
  channel_account_id?: string;

  @ApiPropertyOptional({ enum: MESSAGE_CATEGORIES, description: 'For the cost ledger; default service_reply, or marketing for a template' })
  @IsOptional()
  @IsIn(MESSAGE_CATEGORIES)
  category?: (typeof MESSAGE_CATEGORIES)[number];

  @ApiPropertyOptional({ description: 'id of one of the account\'s WhatsApp numbers (GET /v1/whatsapp-numbers)' })
  @ValidateIf((o: SendMessageDto) => o.content === undefined || o.whatsapp_number_id !== undefined)
  @IsUUID(undefined, { message: 'whatsapp_number_id must be a UUID (or give content instead)' })
  whatsapp_number_id?: string;

  @ApiPropertyOptional({ example: '5511987654321', description: 'Recipient wa_id; or give contact_id' })
  @ValidateIf((o: SendMessageDto) => o.contact_id === undefined)
  @Matches(WA_ID, { message: `to ${WA_ID_MESSAGE} (or give contact_id instead)` })
  to?: string;

  @ApiPropertyOptional({ description: 'Recipient contact; or give to' })
  @IsOptional()
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id?: string;

  @ApiPropertyOptional({ enum: MESSAGE_TYPES, example: 'text', description: 'With whatsapp_number_id: the Cloud API message type' })
  @ValidateIf((o: SendMessageDto) => o.content === undefined)
  @IsIn(MESSAGE_TYPES)
  type?: MessageType;

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
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['outbound', 'inbound'] }) direction!: string;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ enum: ['whatsapp', 'email', 'telegram', 'app'] }) channel!: string;
  @ApiProperty({ format: 'uuid', description: 'The WhatsApp number, mailbox, bot or app' }) channel_account_id!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'WhatsApp messages: the number (= channel_account_id)' })
  whatsapp_number_id!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The routed message (POST /v1/dispatches) this is one channel of' })
  dispatch_id!: string | null;
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'Outbound: the provider request as sent; inbound: the message as the provider delivered it' })
  body!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, enum: [...MESSAGE_CATEGORIES, null] }) category!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['template', 'free_form', 'converted', 'channel', null], description: 'How it was priced; converted: a template sent free-form inside the 24 h window' })
  pricing!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Outbound: what it cost, in currency' }) cost!: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'BRL' }) currency!: string | null;
  @ApiProperty({
    enum: ['queued', 'sending', 'retrying', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed', 'received'],
    description: 'queued → sending → accepted (Meta took it) → sent → delivered → read; or failed',
  })
  state!: string;
  @ApiProperty({ nullable: true, type: String, description: "The provider's id: wamid, Message-ID, <chat_id>:<message_id>, …" }) provider_message_id!: string | null;
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
