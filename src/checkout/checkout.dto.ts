import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { InvalidFieldError } from '../common/errors';
import { isoDurationMs } from '../common/iso-duration';
import { PageQuery } from '../common/page.dto';
import { CHECKOUT_STATES, CRM_SYNC_STATES } from './model';

const AMOUNT_MINOR = /^[1-9][0-9]{0,14}$/;
const CURRENCIES = ['BRL'] as const;
const MIN_ABANDON_MS = 60_000;
const MAX_ABANDON_MS = 30 * 86_400_000;

/** `abandon_after` in milliseconds; undefined when absent. */
export function abandonAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = isoDurationMs(value);
  if (ms === undefined || ms < MIN_ABANDON_MS || ms > MAX_ABANDON_MS) {
    throw new InvalidFieldError('abandon_after', `must be an ISO 8601 duration from PT1M to P30D, like PT1H; got "${value}"`);
  }
  return ms;
}


export class AmountDto {
  @ApiProperty({ description: 'Integer minor units (centavos) as a decimal string: "19700" is R$ 197,00', pattern: AMOUNT_MINOR.source, example: '19700' })
  @Matches(AMOUNT_MINOR, { message: 'amount.amount_minor must be a positive whole number of centavos as a string, like "19700"' })
  amount_minor!: string;

  @ApiProperty({ enum: CURRENCIES, description: 'ISO 4217; the gateways settle in reais' })
  @IsIn(CURRENCIES, { message: 'amount.currency must be BRL' })
  currency!: (typeof CURRENCIES)[number];
}

/** The customer as typed; validated as one (every field's error at once, naming `customer.<field>`). */
export class CheckoutCustomerDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Maria Souza' })
  @IsString()
  name!: string;

  @ApiProperty({ description: 'An e-mail address; lower-cased', maxLength: 254, example: 'maria@example.com' })
  @IsString()
  email!: string;

  @ApiProperty({ description: 'E.164, or a Brazilian number as people write it: (21) 98765-4321, 021 98765-4321', maxLength: 40, example: '(21) 98765-4321' })
  @IsString()
  phone!: string;
}

export class ProductDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Curso de Fotografia' })
  @IsString()
  @Length(1, 200, { message: 'product.name must be 1 to 200 characters' })
  name!: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Anual', nullable: true, type: String, description: 'The plan or variant, when the product has several' })
  @IsOptional()
  @IsString()
  @Length(1, 200, { message: 'product.plan must be 1 to 200 characters' })
  plan?: string | null;
}

export class CreateCheckoutIntentDto {
  @ApiProperty({ format: 'uuid', description: 'A pagarme or asaas store of the account with its api_key secret: its gateway makes the payment link' })
  @IsUUID(undefined, { message: 'store_id must be a UUID' })
  store_id!: string;

  @ApiProperty({ type: CheckoutCustomerDto })
  @IsObject()
  @ValidateNested()
  @Type(() => CheckoutCustomerDto)
  customer!: CheckoutCustomerDto;

  @ApiProperty({ type: ProductDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ProductDto)
  product!: ProductDto;

  @ApiProperty({ type: AmountDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AmountDto)
  amount!: AmountDto;

  @ApiPropertyOptional({ description: 'Unpaid this long (ISO 8601, 1 minute to 30 days): follow-up and abandoned-checkout funnel; CHECKOUT_ABANDON_AFTER when absent', example: 'PT1H', minLength: 3, maxLength: 40 })
  @IsOptional()
  @IsString()
  @Length(3, 40)
  abandon_after?: string;
}

export class ListCheckoutIntentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CHECKOUT_STATES })
  @IsOptional()
  @IsIn(CHECKOUT_STATES)
  state?: (typeof CHECKOUT_STATES)[number];

  @ApiPropertyOptional({ enum: CRM_SYNC_STATES, description: '`parked`: CRM work given up on until resumed' })
  @IsOptional()
  @IsIn(CRM_SYNC_STATES)
  crm_state?: (typeof CRM_SYNC_STATES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  store_id?: string;
}

export class CheckoutCrmView {
  @ApiProperty({ enum: CRM_SYNC_STATES, description: 'none: no CRM connected; pending: being brought in line; synced; parked: failed past CHECKOUT_CRM_RETRY_BUDGET, waiting for resume-crm' })
  state!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the CRM work is parked' }) error!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) parked_at!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The CRM's person id" }) person_id!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The CRM's deal id" }) deal_id!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When the deal was marked won' }) won_at!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The follow-up activity's id (unpaid checkouts)" }) follow_up_activity_id!: string | null;
}

export class CheckoutIntentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) store_id!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The hosted form it came from' }) form_id!: string | null;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ enum: CHECKOUT_STATES }) state!: string;
  @ApiProperty({ type: CheckoutCustomerDto, description: 'Normalised: phone in E.164, e-mail lower-case' }) customer!: CheckoutCustomerDto;
  @ApiProperty({ type: ProductDto }) product!: ProductDto;
  @ApiProperty({ type: AmountDto }) amount!: AmountDto;
  @ApiProperty({ enum: ['pagarme', 'asaas'] }) gateway!: string;
  @ApiProperty({ nullable: true, type: String, description: "The gateway's id for the link: Pagar.me order or_…, Asaas payment pay_…" }) gateway_reference!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uri', description: 'Where to send the customer: the gateway page, pre-filled' }) payment_url!: string | null;
  @ApiProperty({ format: 'date-time' }) abandon_at!: string;
  @ApiProperty({ format: 'date-time', description: 'A payment closes the intent until then' }) expires_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) paid_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) abandoned_at!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The abandoned-checkout funnel it started (GET /v1/stores/{id}/funnels)' }) funnel_id!: string | null;
  @ApiProperty({ type: CheckoutCrmView }) crm!: CheckoutCrmView;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ResumedCrmView {
  @ApiProperty({ type: [String], description: 'The intents whose CRM work goes again' }) resumed!: string[];
}

export class CreateCheckoutFormDto {
  @ApiProperty({ format: 'uuid', description: 'A pagarme or asaas store of the account with its api_key secret' })
  @IsUUID(undefined, { message: 'store_id must be a UUID' })
  store_id!: string;

  @ApiProperty({ type: ProductDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ProductDto)
  product!: ProductDto;

  @ApiProperty({ type: AmountDto, description: 'The price the page shows and charges; the customer cannot change it' })
  @IsObject()
  @ValidateNested()
  @Type(() => AmountDto)
  amount!: AmountDto;

  @ApiPropertyOptional({ description: 'As on checkout intents (ISO 8601, PT1M to P30D)', example: 'PT1H', minLength: 3, maxLength: 40 })
  @IsOptional()
  @IsString()
  @Length(3, 40)
  abandon_after?: string;
}

export class CheckoutFormView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) store_id!: string;
  @ApiProperty({ type: ProductDto }) product!: ProductDto;
  @ApiProperty({ type: AmountDto }) amount!: AmountDto;
  @ApiProperty({ nullable: true, type: String, description: 'ISO 8601; CHECKOUT_ABANDON_AFTER when null' }) abandon_after!: string | null;
  @ApiProperty({ format: 'uri', description: 'The public page: link to it or embed it (`?lang=en` for English)' }) url!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}
