import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUUID, ValidateNested } from 'class-validator';
import { MessageContentDto } from '../content.dto';
import { MESSAGE_CATEGORIES, ROUTE_STEPS } from './plan';

export class CreateDispatchDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id!: string;

  @ApiProperty({ enum: MESSAGE_CATEGORIES, description: 'Chooses the policy and the price (a marketing template costs most)' })
  @IsIn(MESSAGE_CATEGORIES)
  category!: (typeof MESSAGE_CATEGORIES)[number];

  @ApiProperty({ type: MessageContentDto })
  @ValidateNested()
  @Type(() => MessageContentDto)
  content!: MessageContentDto;
}

export class PlanStepView {
  @ApiProperty({ enum: ROUTE_STEPS }) step!: string;
  @ApiProperty({ enum: ['whatsapp', 'email', 'telegram', 'app'] }) channel!: string;
  @ApiProperty({ format: 'uuid' }) channel_account_id!: string;
  @ApiProperty({ enum: ['template', 'free_form', 'converted', 'channel'] }) pricing!: string;
  @ApiProperty() cost!: number;
}

export class DispatchView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ enum: MESSAGE_CATEGORIES }) category!: string;
  @ApiProperty({ enum: ['routing', 'delivered', 'sent', 'undelivered'], description: 'sent: accepted on a channel without delivery receipts' })
  state!: string;
  @ApiProperty({ type: [PlanStepView], description: 'The channels routing tries, in order' }) plan!: PlanStepView[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The message that reached the customer' }) message_id!: string | null;
  @ApiProperty({ example: 'BRL' }) currency!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finished_at!: string | null;
}

const STEPS_DOC = { type: [String], enum: [...ROUTE_STEPS], enumName: 'RouteStep', maxItems: ROUTE_STEPS.length };

/** Per category, the route steps in order; a category left out keeps the default. */
export class RoutingPolicyDto {
  @ApiPropertyOptional(STEPS_DOC) @IsOptional() @IsArray() @ArrayMaxSize(ROUTE_STEPS.length) @IsIn(ROUTE_STEPS, { each: true }) transactional?: string[];
  @ApiPropertyOptional(STEPS_DOC) @IsOptional() @IsArray() @ArrayMaxSize(ROUTE_STEPS.length) @IsIn(ROUTE_STEPS, { each: true }) utility?: string[];
  @ApiPropertyOptional(STEPS_DOC) @IsOptional() @IsArray() @ArrayMaxSize(ROUTE_STEPS.length) @IsIn(ROUTE_STEPS, { each: true }) marketing?: string[];
  @ApiPropertyOptional(STEPS_DOC) @IsOptional() @IsArray() @ArrayMaxSize(ROUTE_STEPS.length) @IsIn(ROUTE_STEPS, { each: true }) service_reply?: string[];
}

export class RoutingPolicyView {
  @ApiProperty(STEPS_DOC) transactional!: string[];
  @ApiProperty(STEPS_DOC) utility!: string[];
  @ApiProperty(STEPS_DOC) marketing!: string[];
  @ApiProperty(STEPS_DOC) service_reply!: string[];
}
