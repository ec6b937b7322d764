import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/page.dto';
import { IDENTITY_KINDS, type IdentityKind } from './index/contact-document';

/** WhatsApp ids are the phone number in international format, digits only. */
export const WA_ID = /^[1-9]\d{7,14}$/;
export const WA_ID_MESSAGE = 'must be the phone number in international format, digits only (e.g. 5511987654321)';

export const MAX_IDENTITIES = 20;
export const MAX_TAGS = 100;
export const MAX_AGENTS = 50;
export const MAX_QUOTE_VALUE = 99_999_999_999_999;

export class IdentityDto {
  @ApiProperty({ enum: IDENTITY_KINDS, description: 'phone (E.164), email, whatsapp (wa_id), telegram (chat id) or app (user id)' })
  @IsIn(IDENTITY_KINDS)
  type!: IdentityKind;

  @ApiProperty({ example: '+5511987654321', description: 'Written in any usual form; stored canonical (E.164, lower-case e-mail)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  value!: string;
}

export class ReachabilityDto {
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @IsBoolean() whatsapp?: boolean | null;
  @ApiPropertyOptional({ type: Boolean, description: 'Our app is installed on their phone' }) @IsOptional() @IsBoolean() app?: boolean | null;
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @IsBoolean() email?: boolean | null;
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @IsBoolean() telegram?: boolean | null;
}

const ATTRIBUTE_VALUE = {
  nullable: true,
  oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }],
};

/** The fields of a contact a write may give; absent fields are left as they are, null clears. */
export class PatchContactDto {
  @ApiPropertyOptional({
    type: [IdentityDto],
    description: 'Added to the contact (never removed by a write); each is unique per account',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_IDENTITIES)
  @ValidateNested({ each: true })
  @Type(() => IdentityDto)
  identities?: IdentityDto[] | null;

  @ApiPropertyOptional({ type: String, example: 'Maria Silva' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string | null;

  @ApiPropertyOptional({ type: String, example: 'customer', description: "The account's own lifecycle status" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  status?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['vip'], description: 'Replaces the tags (each 1 to 64 characters)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  tags?: string[] | null;

  @ApiPropertyOptional({ type: String, description: 'An agent of the account: rings first when they call' })
  @IsOptional()
  @IsUUID()
  assigned_agent_id?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'Agents who dealt with the customer (replaces the list)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_AGENTS)
  @IsUUID(undefined, { each: true })
  involved_agent_ids?: string[] | null;

  @ApiPropertyOptional({ type: ReachabilityDto, description: 'Which channels reach the customer; only the given ones change' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReachabilityDto)
  reachability?: ReachabilityDto | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'boolean', nullable: true },
    example: { marketing: true, utility: true },
    description: 'Consent per message category; only the given categories change, null forgets one',
  })
  @IsOptional()
  @IsObject()
  opt_ins?: Record<string, boolean | null> | null;

  @ApiPropertyOptional({ type: String, example: 'PED-2024-0042' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  order_number?: string | null;

  @ApiPropertyOptional({ type: Number, example: 1499.9, description: 'The quote or budget, in the account currency (2 decimals)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_QUOTE_VALUE)
  quote_value?: number | null;

  @ApiPropertyOptional({ type: String, example: 'sent' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  quote_status?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'When the ERP last synchronised this customer' })
  @IsOptional()
  @IsString()
  erp_synced_at?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: ATTRIBUTE_VALUE,
    example: { region: 'sul', score: 7 },
    description: "The account's declared custom attributes (GET /v1/contact-attributes), each of its type; null removes one",
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown> | null;
}

export class UpsertContactDto extends PatchContactDto {
  @ApiPropertyOptional({ type: String, description: 'Upsert by id: created with this id when absent' })
  @IsOptional()
  @IsUUID()
  id?: string | null;

  @ApiPropertyOptional({ type: String, example: '5511987654321', description: 'Shorthand for a whatsapp identity' })
  @IsOptional()
  @Matches(WA_ID, { message: `wa_id ${WA_ID_MESSAGE}` })
  wa_id?: string | null;
}

@ApiExtraModels(UpsertContactDto)
export class BulkUpsertContactsDto {
  @ApiProperty({
    type: 'array',
    items: { anyOf: [{ $ref: getSchemaPath(UpsertContactDto) }, { type: 'object' }] },
    description:
      'Each item an UpsertContactDto, applied like POST /v1/contacts; items that are not valid are reported by index and the others applied. ' +
      'At most CONTACTS_BULK_MAX items (default 1000): more is a 413.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @IsObject({ each: true })
  contacts!: Record<string, unknown>[];
}

export class FieldErrorView {
  @ApiProperty({ example: 'identities.0.value' }) field!: string;
  @ApiProperty() message!: string;
}

export class BulkItemResultView {
  @ApiProperty({ type: 'integer', description: 'Position of the item in the request' }) index!: number;
  @ApiProperty({ enum: ['created', 'updated', 'failed'] }) status!: 'created' | 'updated' | 'failed';
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) id!: string | null;
  @ApiProperty({ type: [FieldErrorView] }) errors!: FieldErrorView[];
}

export class BulkUpsertResultView {
  @ApiProperty({ type: 'integer' }) created!: number;
  @ApiProperty({ type: 'integer' }) updated!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
  @ApiProperty({ type: [BulkItemResultView] }) results!: BulkItemResultView[];
}

export class ListContactsQuery extends PageQuery {
  @ApiPropertyOptional({ example: '5511987654321' })
  @IsOptional()
  @Matches(WA_ID, { message: `wa_id ${WA_ID_MESSAGE}` })
  wa_id?: string;

  @ApiPropertyOptional({ example: '+5511987654321', description: 'Any usual form of the phone number' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string;

  @ApiPropertyOptional({ example: 'maria@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}

export class AssignAgentDto {
  @ApiProperty({ nullable: true, type: String, description: 'An agent of the account, or null to clear' })
  @ValidateIf((o: AssignAgentDto) => o.assigned_agent_id !== null)
  @IsUUID(undefined, { message: 'assigned_agent_id must be a UUID or null' })
  assigned_agent_id!: string | null;
}

export class IdentityView {
  @ApiProperty({ enum: IDENTITY_KINDS }) type!: IdentityKind;
  @ApiProperty() value!: string;
}

export class ReachabilityView {
  @ApiProperty() whatsapp!: boolean;
  @ApiProperty() app!: boolean;
  @ApiProperty() email!: boolean;
  @ApiProperty() telegram!: boolean;
}

export class ChannelActivityView {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_inbound_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_outbound_at!: string | null;
}

export class ChannelsView {
  @ApiProperty({ type: ChannelActivityView }) whatsapp!: ChannelActivityView;
  @ApiProperty({ type: ChannelActivityView }) email!: ChannelActivityView;
  @ApiProperty({ type: ChannelActivityView }) telegram!: ChannelActivityView;
  @ApiProperty({ type: ChannelActivityView }) app!: ChannelActivityView;
}


export class ContactView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: [IdentityView] }) identities!: IdentityView[];
  @ApiProperty({ nullable: true, type: String, description: 'The first WhatsApp identity (kept for existing clients)' })
  wa_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) status!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The agent responsible for the customer: rings first when they call' })
  assigned_agent_id!: string | null;
  @ApiProperty({ type: [String] }) involved_agent_ids!: string[];
  @ApiProperty({ type: ReachabilityView }) reachability!: ReachabilityView;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' } }) opt_ins!: Record<string, boolean>;
  @ApiProperty({ nullable: true, type: String }) order_number!: string | null;
  @ApiProperty({ nullable: true, type: Number }) quote_value!: number | null;
  @ApiProperty({ nullable: true, type: String }) quote_status!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) erp_synced_at!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: ATTRIBUTE_VALUE }) attributes!: Record<string, unknown>;
  @ApiProperty({ type: ChannelsView, description: "Last message each way per channel: WhatsApp's 24 h window runs from whatsapp.last_inbound_at" })
  channels!: ChannelsView;
  @ApiProperty({ type: 'integer', description: 'Bumped by every change' }) revision!: number;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: string;
}
