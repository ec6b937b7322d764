import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListWebhooksQuery {
  @ApiPropertyOptional({ enum: ['received', 'processed', 'invalid', 'failed'] })
  @IsOptional()
  @IsIn(['received', 'processed', 'invalid', 'failed'])
  status?: 'received' | 'processed' | 'invalid' | 'failed';

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class WebhookView {
  @ApiProperty() id!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ nullable: true, type: String }) account_id!: string | null;
  @ApiProperty() received_at!: Date;
  @ApiProperty({ enum: ['received', 'processed', 'invalid', 'failed'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the delivery is invalid or failed' }) error!: string | null;
  @ApiProperty({ description: 'The body exactly as received' }) raw_body!: string;
  @ApiProperty() attempts!: number;
}
