import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../common/page.dto';

export class ListWebhooksQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['received', 'processed', 'invalid', 'failed'] })
  @IsOptional()
  @IsIn(['received', 'processed', 'invalid', 'failed'])
  status?: 'received' | 'processed' | 'invalid' | 'failed';
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
