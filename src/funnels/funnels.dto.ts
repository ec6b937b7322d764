import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { PageQuery } from '../common/page.dto';
import { FUNNELS } from './model';

export const FUNNEL_STATES = ['starting', 'running', 'completed', 'stopped', 'cancelled'] as const;

export class FunnelStepDto {
  @ApiProperty({ description: 'When the step is due after the funnel starts: an ISO 8601 duration', example: 'PT15M' })
  @IsString()
  @Length(2, 40)
  after!: string;
}

export class FunnelConfigDto {
  @ApiProperty({ description: 'Off: its events are still recorded, but start no messages; running funnels end at their next step' })
  @IsBoolean()
  enabled!: boolean;

  @ApiProperty({ type: [FunnelStepDto], minItems: 1, maxItems: 20 })
  @ValidateNested({ each: true })
  @Type(() => FunnelStepDto)
  @ArrayMinSize(1, { message: 'steps must list 1 to 20 steps' })
  @ArrayMaxSize(20, { message: 'steps must list 1 to 20 steps' })
  steps!: FunnelStepDto[];

  @ApiPropertyOptional({ description: 'Payment funnels: how long after the due date a payment may still be confirmed (ISO 8601)', example: 'P3D' })
  @IsOptional()
  @IsString()
  @Length(2, 40)
  tail?: string;

  @ApiPropertyOptional({ description: "Payment funnels: the due date after the start when the platform does not send one (ISO 8601)", example: 'P3D' })
  @IsOptional()
  @IsString()
  @Length(2, 40)
  due_after?: string;
}

export class FunnelConfigView extends FunnelConfigDto {}

export class FunnelSettingsView {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/FunnelConfigView' },
    description: 'Every funnel, by name: the store’s configuration or the documented default',
  })
  funnels!: Record<string, FunnelConfigView>;
}

export class FunnelParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID(undefined, { message: 'storeId must be a UUID' })
  storeId!: string;

  @ApiProperty({ enum: FUNNELS })
  @IsIn(FUNNELS)
  funnel!: (typeof FUNNELS)[number];
}

export class ListFunnelsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: FUNNEL_STATES })
  @IsOptional()
  @IsIn(FUNNEL_STATES)
  state?: (typeof FUNNEL_STATES)[number];

  @ApiPropertyOptional({ enum: FUNNELS })
  @IsOptional()
  @IsIn(FUNNELS)
  funnel?: (typeof FUNNELS)[number];
}

export class FunnelView {
  @ApiProperty({ description: 'Also the Temporal workflow id: funnel-<store>-<funnel>-<order or cart>' }) id!: string;
  @ApiProperty({ enum: FUNNELS }) funnel!: string;
  @ApiProperty({ description: 'The order or cart id (or the event, for events without one)' }) subject!: string;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ enum: FUNNEL_STATES }) state!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'The next step to send' }) step!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Why it ended (order paid, store deleted…), or why its last step was silent' }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finished_at!: string | null;
}

export class MarkPaidView {
  @ApiProperty() order_id!: string;
  @ApiProperty({ type: [String], description: 'The funnels (boleto, PIX, card declined) that stopped' }) stopped_funnels!: string[];
}
