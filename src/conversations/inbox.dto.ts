import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CHANNELS, type Channel } from '../channels/driver';
import { HistoryPageQuery } from '../calls/history/call-history.dto';
import { UNREAD_COUNT_CAP } from './inbox.repository';
import { REPLY_MODES, REPLY_REASONS, type ReplyMode, type ReplyReason } from './reply-rule';

const DATE_TIME = { type: String, format: 'date-time' } as const;
const NULLABLE_DATE_TIME = { ...DATE_TIME, nullable: true } as const;

export class ListConversationsQuery extends HistoryPageQuery {
  @ApiPropertyOptional({ enum: CHANNELS, description: 'Only contacts who exchanged messages with the business on this channel' })
  @IsOptional()
  @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel?: Channel;

  @ApiPropertyOptional({
    enum: ['me', 'any'],
    default: 'any',
    description: "me: only contacts assigned to the calling agent (PUT /v1/contacts/{id}/assigned-agent); needs an agent's token",
  })
  @IsOptional()
  @IsIn(['me', 'any'], { message: 'assigned must be me or any' })
  assigned?: 'me' | 'any';
}

export class ConversationContactView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The agent responsible for the customer' })
  assigned_agent_id!: string | null;
}

export class ConversationMessageView {
  @ApiProperty({ format: 'uuid', description: 'GET /v1/messages/{id} has all of it' }) id!: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction!: 'inbound' | 'outbound';
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ format: 'uuid' }) channel_account_id!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ description: 'One line of text for the inbox (at most 160 characters); [type] when the message has no text' })
  preview!: string;
  @ApiProperty({ description: 'received (inbound), or the outbound state (queued … read, failed)' }) state!: string;
  @ApiProperty(DATE_TIME) at!: Date;
}

export class ChannelWindowView {
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ format: 'uuid', description: 'The WhatsApp number, mailbox, bot or app the customer wrote to' }) channel_account_id!: string;
  @ApiProperty() channel_account_name!: string;
  @ApiProperty({ ...DATE_TIME, description: "The customer's last message on this channel account" }) last_inbound_at!: Date;
  @ApiProperty({ description: 'Free-form replies allowed: WhatsApp within 24 h of the customer\'s last message; always on other channels' })
  open!: boolean;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'WhatsApp with the window open: when it closes; null otherwise' })
  closes_at!: Date | null;
}

export class ConversationView {
  @ApiProperty({ type: ConversationContactView }) contact!: ConversationContactView;
  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'Every channel of the conversation' }) channels!: Channel[];
  @ApiProperty({ type: ConversationMessageView, description: 'The newest message, either way, on any channel' })
  last_message!: ConversationMessageView;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: UNREAD_COUNT_CAP,
    description: `The customer's messages since the reader last read the conversation (POST /v1/conversations/{id}/read); counted up to ${UNREAD_COUNT_CAP}`,
  })
  unread_count!: number;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'When the reader last read it; null: never' }) read_at!: Date | null;
  @ApiProperty({ type: [ChannelWindowView], description: 'Per channel account the customer wrote to, newest first' })
  windows!: ChannelWindowView[];
}

export class ConversationsPage {
  @ApiProperty({ type: [ConversationView], description: 'Newest message first' }) items!: ConversationView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page; null on the last page' })
  next_cursor!: string | null;
}

export class ConversationReadView {
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ ...DATE_TIME, description: 'The reader\'s marker: the customer\'s messages after it are unread' }) read_at!: Date;
}

export class TemplateOptionView {
  @ApiProperty({ description: 'Send it as content.template.name' }) name!: string;
  @ApiProperty({ example: 'pt_BR' }) language!: string;
  @ApiProperty({ type: String, nullable: true, example: 'UTILITY' }) category!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The template's body as Meta approved it, with {{1}}… placeholders" })
  body_text!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many content.template.parameters a send must give' })
  parameter_count!: number;
}

export class ReplyOptionView {
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ format: 'uuid', description: 'Pass as channel_account_id to POST /v1/messages' }) channel_account_id!: string;
  @ApiProperty() channel_account_name!: string;
  @ApiProperty({ enum: REPLY_MODES, description: 'free_form: any content; template_only: content.template is required; none: nothing goes' })
  mode!: ReplyMode;
  @ApiProperty({
    enum: REPLY_REASONS,
    description:
      'window_open / window_closed / never_wrote: WhatsApp\'s 24 h customer-service window; no_window: the channel has none; opted_out: the customer refused replies here',
  })
  reason!: ReplyReason;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: "The customer's last message on this channel account" }) last_inbound_at!: Date | null;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'WhatsApp with the window open: when free-form stops being allowed' })
  window_closes_at!: Date | null;
  @ApiProperty({ type: [TemplateOptionView], description: "WhatsApp: approved templates linked by the account's stores on this number; empty elsewhere" })
  templates!: TemplateOptionView[];
}

export class ReplyOptionsView {
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Where POST /v1/messages replies when no channel account is named: where the customer last wrote; null if never',
  })
  default_channel_account_id!: string | null;
  @ApiProperty({ type: [ReplyOptionView], description: 'Every channel account that reaches the contact (the contact has its identity), default first' })
  options!: ReplyOptionView[];
}
