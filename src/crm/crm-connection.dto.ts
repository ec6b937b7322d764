import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { CRM_PROVIDERS } from './crm-connections';

export class SaveCrmConnectionDto {
  @ApiProperty({ enum: CRM_PROVIDERS })
  @IsIn(CRM_PROVIDERS)
  provider!: (typeof CRM_PROVIDERS)[number];

  @ApiProperty({ description: "The CRM's API token (Pipedrive: Settings → Personal preferences → API). Stored encrypted, never returned.", minLength: 8, maxLength: 200 })
  @IsString()
  @Length(8, 200, { message: 'api_token must be 8 to 200 characters' })
  api_token!: string;

  @ApiPropertyOptional({ description: "The pipeline deals open in (the CRM's id); the default pipeline when absent", pattern: '^[0-9]{1,18}$', nullable: true, type: String })
  @IsOptional()
  @Matches(/^[0-9]{1,18}$/, { message: 'pipeline_id must be the CRM id of a pipeline (digits)' })
  pipeline_id?: string | null;

  @ApiPropertyOptional({ description: "The stage deals open in; the pipeline's first stage when absent", pattern: '^[0-9]{1,18}$', nullable: true, type: String })
  @IsOptional()
  @Matches(/^[0-9]{1,18}$/, { message: 'stage_id must be the CRM id of a stage (digits)' })
  stage_id?: string | null;

  @ApiPropertyOptional({ description: "The activity type of the follow-up on an unpaid checkout (Pipedrive: call, task…); the CRM's default when absent", pattern: '^[a-z0-9_]{1,40}$', nullable: true, type: String })
  @IsOptional()
  @Matches(/^[a-z0-9_]{1,40}$/, { message: 'activity_type must be an activity type key like call or task' })
  activity_type?: string | null;
}

export class CrmConnectionView {
  @ApiProperty({ enum: CRM_PROVIDERS }) provider!: string;
  @ApiProperty({ nullable: true, type: String }) pipeline_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) stage_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) activity_type!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
