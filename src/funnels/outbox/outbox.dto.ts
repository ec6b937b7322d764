import { ApiProperty, ApiPropertyOptional, type ApiBodyOptions } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/page.dto';
import { FREQUENCY_CAP_RANGE } from './store-rules';

export const NOTIFICATION_STATES = ['queued', 'sent', 'expired', 'refused', 'suppressed', 'cancelled'] as const;

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: NOTIFICATION_STATES, description: 'Only notifications in this state' })
  @IsOptional()
  @IsIn(NOTIFICATION_STATES)
  state?: (typeof NOTIFICATION_STATES)[number];
}

export class NotificationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) store_id!: string;
  @ApiProperty({ description: 'The funnel (workflow id) that queued it' }) funnel_id!: string;
  @ApiProperty({ minimum: 0 }) step!: number;
  @ApiProperty({ example: 'cart_abandoned' }) event_type!: string;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ format: 'uuid', description: 'The instance whose outbox paces it' }) channel_account_id!: string;
  @ApiProperty({ enum: ['transactional', 'utility', 'marketing'] }) category!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) template_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) variant!: string | null;
  @ApiProperty({ enum: NOTIFICATION_STATES }) state!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Queued: why it waits (quiet hours, frequency cap, daily limit, held: instance disconnected); otherwise why it was refused, suppressed, expired or cancelled',
  })
  reason!: string | null;
  @ApiProperty({ format: 'date-time', description: 'Not sent before this' }) not_before!: string;
  @ApiProperty({ format: 'date-time', description: 'Expired if not sent by then' }) expires_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The routed message it became (GET /v1/dispatches/{id})' }) dispatch_id!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sent_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const ISO_DURATION = '^P([0-9]+W)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+(\\.[0-9]+)?S)?)?$';

const KEYWORD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['words'],
  properties: {
    words: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 60, pattern: '\\S' } },
    callback_url: { type: 'string', format: 'uri', description: 'Called (signed with the store secret callback_secret) when a reply matches: https or http' },
    open_conversation: { type: 'boolean', description: 'Open a conversation for an agent with the context' },
  },
};

const RULES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    min_interval: { type: 'string', pattern: ISO_DURATION, example: 'PT20S', description: 'ISO 8601 duration between two sends of the store\'s instance (at most P1D; default OUTBOX_MIN_INTERVAL)' },
    frequency_cap: { type: 'integer', minimum: FREQUENCY_CAP_RANGE.min, maximum: FREQUENCY_CAP_RANGE.max, description: 'Messages per contact per day in the contact\'s time zone (transactional exempt; default OUTBOX_FREQUENCY_CAP)' },
    quiet_hours: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      required: ['start', 'end'],
      description: "In the contact's time zone; a message due then waits until `end`. start after end spans midnight",
      properties: {
        start: { type: 'string', pattern: HHMM, example: '21:00' },
        end: { type: 'string', pattern: HHMM, example: '08:00' },
        transactional: { type: 'boolean', description: 'true: transactional alerts go out during quiet hours too (default false: they wait)' },
      },
    },
    keywords: { type: 'array', maxItems: 50, items: KEYWORD_SCHEMA, description: 'Replies that trigger a flow (e.g. FRAUDE, NÃO FUI EU)' },
  },
};

export const STORE_RULES_BODY_DOC: ApiBodyOptions = {
  description: "The store's whole rules object (replaces the saved one); a field left out takes its default. Errors name the field (quiet_hours.start, keywords[0].callback_url).",
  schema: { ...RULES_SCHEMA, example: { min_interval: 'PT30S', frequency_cap: 3, quiet_hours: { start: '21:00', end: '08:00', transactional: true }, keywords: [{ words: ['FRAUDE', 'NÃO FUI EU'], callback_url: 'https://loja.example/fraude', open_conversation: true }] } },
};

export class QuietHoursView {
  @ApiProperty({ pattern: HHMM, example: '21:00' }) start!: string;
  @ApiProperty({ pattern: HHMM, example: '08:00' }) end!: string;
  @ApiPropertyOptional({ description: 'true: transactional alerts go out during quiet hours' }) transactional?: boolean;
}

export class KeywordRuleView {
  @ApiProperty({ type: [String], example: ['FRAUDE', 'NÃO FUI EU'] }) words!: string[];
  @ApiPropertyOptional({ format: 'uri' }) callback_url?: string;
  @ApiPropertyOptional() open_conversation?: boolean;
}

export class StoreRulesView {
  @ApiPropertyOptional({ pattern: ISO_DURATION, example: 'PT20S' }) min_interval?: string;
  @ApiPropertyOptional({ minimum: FREQUENCY_CAP_RANGE.min, maximum: FREQUENCY_CAP_RANGE.max }) frequency_cap?: number;
  @ApiPropertyOptional({ type: QuietHoursView, nullable: true }) quiet_hours?: QuietHoursView | null;
  @ApiPropertyOptional({ type: [KeywordRuleView] }) keywords?: KeywordRuleView[];
}

export class ChannelAccountConnectionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['whatsapp', 'email', 'telegram', 'app'] }) channel!: string;
  @ApiProperty({ description: 'Disconnected: its queued notifications are held (they still expire)' }) connected!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) disconnected_at!: string | null;
  @ApiProperty({ description: 'Notifications queued in its outbox' }) queued!: number;
}
