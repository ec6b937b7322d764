import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsRFC3339, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { CHANNELS, type Channel } from '../index/contact-document';
import {
  ATTR_FILTER,
  DEFAULT_PER_PAGE,
  FACET_BY,
  FILTER_VALUE,
  MAX_PAGE,
  MAX_PER_PAGE,
  SORT,
  STATUS_LIST,
  type ContactSearchParams,
} from './search-params';
import type { ContactHit, FacetView } from './search-results';

/** A repeatable query parameter arrives as a string once, as an array when repeated. */
const toArray = () => Transform(({ value }: { value: unknown }) => (value === undefined || Array.isArray(value) ? value : [value]));
const NO_BACKTICK = (field: string) => `${field} must not be empty nor contain a backtick (\`)`;
const MAX_REPEAT = 20;
const QUOTE_VALUE_BOUND = 1e14; // numeric(16,2)

const filterValue = (field: string, description: string, maxLength = 200) => [
  ApiPropertyOptional({ description, maxLength }),
  IsOptional(),
  IsString(),
  MaxLength(maxLength, { message: `${field} must be at most ${maxLength} characters` }),
  Matches(FILTER_VALUE, { message: NO_BACKTICK(field) }),
];
const timestamp = (field: string, description: string) => [
  ApiPropertyOptional({ type: String, format: 'date-time', description }),
  IsOptional(),
  IsRFC3339({ message: `${field} must be an RFC 3339 date-time, e.g. 2024-05-01T12:00:00Z` }),
];
const apply = (decorators: PropertyDecorator[]): PropertyDecorator => (target, key) => decorators.forEach((d) => d(target, key));

export class SearchContactsQuery implements ContactSearchParams {
  @ApiPropertyOptional({
    description:
      'Free text over name, phones, e-mails, order number and tags, typo-tolerant. A phone number (+55 11 98765-4321, ' +
      '(11) 98765-4321) is matched by its digits anywhere in a phone. Absent or empty: every contact.',
    maxLength: 200,
    example: 'maria',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'q must be at most 200 characters' })
  q?: string;

  @ApiPropertyOptional({ type: [String], description: 'Any of these statuses (repeat the parameter, or a comma list)', maxItems: MAX_REPEAT, example: ['lead,cliente'] })
  @IsOptional()
  @toArray()
  @IsArray()
  @ArrayMaxSize(MAX_REPEAT, { message: `status may be given at most ${MAX_REPEAT} times` })
  @IsString({ each: true })
  @MaxLength(200, { each: true, message: 'status must be at most 200 characters' })
  @Matches(STATUS_LIST, { each: true, message: 'status must be a comma list of non-empty statuses without backticks' })
  status?: string[];

  @ApiPropertyOptional({ type: [String], description: 'All of these tags (repeat the parameter)', maxItems: MAX_REPEAT })
  @IsOptional()
  @toArray()
  @IsArray()
  @ArrayMaxSize(MAX_REPEAT, { message: `tag may be given at most ${MAX_REPEAT} times` })
  @IsString({ each: true })
  @MaxLength(100, { each: true, message: 'tag must be at most 100 characters' })
  @Matches(FILTER_VALUE, { each: true, message: NO_BACKTICK('tag') })
  tag?: string[];

  @ApiPropertyOptional({ description: 'The agent responsible for the contact' })
  @IsOptional()
  @IsUUID(undefined, { message: 'assigned_agent_id must be a UUID' })
  assigned_agent_id?: string;

  @ApiPropertyOptional({ description: 'An agent involved with the contact' })
  @IsOptional()
  @IsUUID(undefined, { message: 'involved_agent_id must be a UUID' })
  involved_agent_id?: string;

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true, description: 'Reachable on every one of these channels (repeat the parameter)' })
  @IsOptional()
  @toArray()
  @IsArray()
  @ArrayMaxSize(CHANNELS.length * 2)
  @IsIn(CHANNELS, { each: true, message: `reachable must be one of ${CHANNELS.join(', ')}` })
  reachable?: Channel[];

  @apply(filterValue('opted_in', 'Opted in to this message category (e.g. marketing)', 100))
  opted_in?: string;

  @apply(filterValue('opted_out', 'Opted out of this message category', 100))
  opted_out?: string;

  @apply(filterValue('quote_status', 'Exact quote status'))
  quote_status?: string;

  @ApiPropertyOptional({ type: Number, minimum: -QUOTE_VALUE_BOUND, maximum: QUOTE_VALUE_BOUND, description: 'quote_value ≥ this' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'quote_value_min must be a number' })
  @Min(-QUOTE_VALUE_BOUND)
  @Max(QUOTE_VALUE_BOUND)
  quote_value_min?: number;

  @ApiPropertyOptional({ type: Number, minimum: -QUOTE_VALUE_BOUND, maximum: QUOTE_VALUE_BOUND, description: 'quote_value ≤ this' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'quote_value_max must be a number' })
  @Min(-QUOTE_VALUE_BOUND)
  @Max(QUOTE_VALUE_BOUND)
  quote_value_max?: number;

  @apply(filterValue('order_number', 'Exact order number'))
  order_number?: string;

  @apply(timestamp('created_after', 'Created at or after'))
  created_after?: string;
  @apply(timestamp('created_before', 'Created before'))
  created_before?: string;
  @apply(timestamp('updated_after', 'Updated at or after'))
  updated_after?: string;
  @apply(timestamp('updated_before', 'Updated before'))
  updated_before?: string;
  @apply(timestamp('erp_synced_after', 'Synced with the ERP at or after'))
  erp_synced_after?: string;
  @apply(timestamp('erp_synced_before', 'Synced with the ERP before'))
  erp_synced_before?: string;
  @apply(timestamp('last_inbound_after', 'The customer last wrote at or after (on `channel`, or on any channel)'))
  last_inbound_after?: string;
  @apply(timestamp('last_inbound_before', 'The customer last wrote before (on `channel`, or on every channel they wrote on)'))
  last_inbound_before?: string;

  @ApiPropertyOptional({ enum: CHANNELS, description: 'The channel of last_inbound_after/before; alone: the customer has written on it' })
  @IsOptional()
  @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel?: Channel;

  @apply(filterValue('identity', 'Exact phone (any format), e-mail, WhatsApp id, Telegram chat id or app user id', 320))
  identity?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_REPEAT,
    description:
      'Custom attribute filters, all of them (repeat the parameter): `key:value`, `key:a|b` (any of), `key:a..b` (range of numbers ' +
      'or ISO dates), `key>=n`, `key<=n`, `key>n`, `key<n`, `key:true`. The key must be declared (GET /v1/contact-attributes); ' +
      'an undeclared key or a value of the wrong type for it is answered 422.',
    example: ['region:sul|sudeste', 'score>=7'],
  })
  @IsOptional()
  @toArray()
  @IsArray()
  @ArrayMaxSize(MAX_REPEAT, { message: `attr may be given at most ${MAX_REPEAT} times` })
  @IsString({ each: true })
  @MaxLength(300, { each: true, message: 'attr must be at most 300 characters' })
  @Matches(ATTR_FILTER, { each: true, message: 'attr must look like key:value, key:a|b, key:a..b, key>=n, key<=n, key>n or key<n' })
  attr?: string[];

  @ApiPropertyOptional({
    description:
      'Up to 3 comma-separated `field:asc|desc` over name, created_at, updated_at, quote_value, erp_synced_at, status, ' +
      'last_inbound_<channel>, last_outbound_<channel> and attr.<key> (a declared string, number, date or boolean attribute). ' +
      'Default: relevance, then updated_at:desc.',
    example: 'quote_value:desc,name:asc',
  })
  @IsOptional()
  @IsString()
  @Matches(SORT, { message: 'sort must be up to 3 comma-separated field:asc|desc over the sortable fields' })
  sort?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be a whole number' })
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'per_page must be a whole number' })
  @Min(1)
  @Max(MAX_PER_PAGE)
  per_page?: number;

  @ApiPropertyOptional({
    description:
      'Comma list of facets to count: status, tags, reachable, opt_in, opt_out, quote_status, assigned_agent_id, ' +
      'involved_agent_ids, attr.<key> (a declared string, boolean or string_list attribute)',
    example: 'status,tags',
  })
  @IsOptional()
  @IsString()
  @Matches(FACET_BY, { message: 'facet_by must be a comma list of up to 10 facet fields' })
  facet_by?: string;
}

const dateTime = { type: String, format: 'date-time' } as const;

export class ContactSearchChannelView {
  @ApiProperty({ ...dateTime, nullable: true }) last_inbound_at!: string | null;
  @ApiProperty({ ...dateTime, nullable: true }) last_outbound_at!: string | null;
}

export class ContactSearchChannelsView {
  @ApiProperty({ type: ContactSearchChannelView }) whatsapp!: ContactSearchChannelView;
  @ApiProperty({ type: ContactSearchChannelView }) email!: ContactSearchChannelView;
  @ApiProperty({ type: ContactSearchChannelView }) telegram!: ContactSearchChannelView;
  @ApiProperty({ type: ContactSearchChannelView }) app!: ContactSearchChannelView;
}

export class ContactSearchHitView implements ContactHit {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: [String], description: 'Digits only: phone identities and WhatsApp ids' }) phones!: string[];
  @ApiProperty({ type: [String] }) emails!: string[];
  @ApiProperty({ type: [String] }) whatsapp_ids!: string[];
  @ApiProperty({ type: [String] }) telegram_ids!: string[];
  @ApiProperty({ type: [String] }) app_user_ids!: string[];
  @ApiProperty({ type: String, nullable: true }) status!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigned_agent_id!: string | null;
  @ApiProperty({ type: String, format: 'uuid', isArray: true }) involved_agent_ids!: string[];
  @ApiProperty({ enum: CHANNELS, isArray: true, description: 'Channels that reach the customer' }) reachable!: Channel[];
  @ApiProperty({ type: [String], description: 'Message categories opted in to' }) opt_in!: string[];
  @ApiProperty({ type: [String], description: 'Message categories opted out of' }) opt_out!: string[];
  @ApiProperty({ type: String, nullable: true }) order_number!: string | null;
  @ApiProperty({ type: Number, nullable: true }) quote_value!: number | null;
  @ApiProperty({ type: String, nullable: true }) quote_status!: string | null;
  @ApiProperty({ ...dateTime, nullable: true }) erp_synced_at!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }] },
    description: 'Declared custom attributes (dates as ISO-8601)',
    example: { region: 'sul', score: 7 },
  })
  attributes!: Record<string, string | number | boolean | string[]>;
  @ApiProperty({ type: ContactSearchChannelsView }) channels!: ContactSearchChannelsView;
  @ApiProperty({ type: 'integer' }) revision!: number;
  @ApiProperty(dateTime) created_at!: string;
  @ApiProperty(dateTime) updated_at!: string;
}

export class ContactSearchFacetCountView {
  @ApiProperty() value!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
}

export class ContactSearchFacetView implements FacetView {
  @ApiProperty({ description: 'The facet as asked in facet_by (attr.<key> for attributes)' }) field!: string;
  @ApiProperty({ type: [ContactSearchFacetCountView] }) counts!: ContactSearchFacetCountView[];
}

export class ContactSearchView {
  @ApiProperty({ type: 'integer', minimum: 0 }) found!: number;
  @ApiProperty({ type: 'integer', minimum: 1 }) page!: number;
  @ApiProperty({ type: 'integer', minimum: 1 }) per_page!: number;
  @ApiProperty({ type: [ContactSearchHitView] }) hits!: ContactSearchHitView[];
  @ApiProperty({ type: [ContactSearchFacetView] }) facets!: ContactSearchFacetView[];
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: "How stale the results may be: age of the account's oldest contact change the index does not show yet (0: up to date)",
  })
  index_lag_ms!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) search_time_ms!: number;
}
