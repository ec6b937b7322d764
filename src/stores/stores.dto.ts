import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQuery } from '../common/page.dto';
import { STORE_PLATFORMS } from './canonical-event';

export const STORE_EVENT_STATUSES = ['mapped', 'unmapped', 'invalid', 'duplicate', 'ignored'] as const;

export class CreateStoreDto {
  @ApiProperty({ enum: STORE_PLATFORMS })
  @IsIn(STORE_PLATFORMS)
  platform!: (typeof STORE_PLATFORMS)[number];

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Loja Centro' })
  @IsString()
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  name!: string;

  @ApiProperty({ format: 'uuid', description: 'The sending instance: a WhatsApp number, mailbox, bot or app of the account (routing may still pick a cheaper channel)' })
  @IsUUID(undefined, { message: 'channel_account_id must be a UUID' })
  channel_account_id!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'What authenticates the platform: shopify `webhook_secret`; hotmart `hottok`; asaas `access_token`; pagarme and generic as README "Stores" says. Payment links (checkout intents) also need the gateway API key in `api_key` (pagarme `sk_…`, asaas `$aact_…`). Stored encrypted, never returned.',
  })
  @IsOptional()
  @IsObject()
  secrets?: Record<string, string>;
}

export class StoreView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: STORE_PLATFORMS }) platform!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) channel_account_id!: string;
  @ApiProperty({ format: 'uri', description: 'Where the platform posts its webhooks; the token in it is a secret' }) webhook_url!: string;
  @ApiProperty({ type: [String], description: 'Names of the secrets stored (never their values)' }) secret_names!: string[];
  @ApiProperty({ description: 'false while disconnected: funnels wait and queued messages are held (README "Funnels")' }) connected!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ListStoreEventsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STORE_EVENT_STATUSES })
  @IsOptional()
  @IsIn(STORE_EVENT_STATUSES)
  status?: (typeof STORE_EVENT_STATUSES)[number];
}

export class StoreEventView {
  @ApiProperty({ description: 'The event, or `delivery-<n>` for a delivery nothing could be read from' }) id!: string;
  @ApiProperty({ enum: STORE_EVENT_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The platform's name for it (orders/paid, PURCHASE_BILLET_PRINTED…)" }) platform_event_type!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'cart_abandoned, boleto_issued, order_paid…' }) canonical_type!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) contact_id!: string | null;
  @ApiProperty({ nullable: true, type: Object, description: 'The customer as the platform sent it, normalised' }) customer!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) order_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) cart_id!: string | null;
  @ApiProperty({ nullable: true, type: Object, description: 'amount_minor (string) and currency' }) amount!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String, description: 'The funnel it started or updated (GET /v1/stores/{id}/funnels)' }) funnel_id!: string | null;
  @ApiProperty({ format: 'date-time' }) received_at!: string;
}
