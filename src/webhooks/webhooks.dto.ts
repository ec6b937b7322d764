import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../common/page.dto';
import type { WebhookStatus } from './webhooks.repository';

const STATUSES: WebhookStatus[] = ['received', 'processed', 'ignored', 'invalid', 'failed'];

export class ListWebhooksQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: WebhookStatus;
}

export class WebhookView {
  @ApiProperty() id!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ nullable: true, type: String }) account_id!: string | null;
  @ApiProperty() received_at!: Date;
  @ApiProperty({
    enum: STATUSES,
    description: 'processed: something in it was applied or kept; ignored: only fields recado does not act on; invalid: nothing in it could be read',
  })
  status!: WebhookStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why the delivery is invalid or failed' }) error!: string | null;
  @ApiProperty({
    type: [String],
    description: 'Normalisations applied while reading it and deviations from the provider\'s schema, each naming its field',
  })
  warnings!: string[];
  @ApiProperty({ description: 'The body exactly as received' }) raw_body!: string;
  @ApiProperty() attempts!: number;
}
