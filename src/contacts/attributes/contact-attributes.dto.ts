import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ATTRIBUTE_TYPES, type AttributeType } from '../index/contact-document';

export class PutAttributeDto {
  @ApiProperty({ enum: ATTRIBUTE_TYPES, description: 'Fixed once declared: values are indexed by type' })
  @IsIn(ATTRIBUTE_TYPES)
  type!: AttributeType;

  @ApiPropertyOptional({ type: String, example: 'Região', description: 'How people see it' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  label?: string | null;
}

export class AttributeView {
  @ApiProperty({ example: 'region', pattern: '^[a-z][a-z0-9_]{0,39}$' }) key!: string;
  @ApiProperty({ enum: ATTRIBUTE_TYPES }) type!: AttributeType;
  @ApiProperty({ type: String, nullable: true }) label!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
}
