import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';

export class RecordingSettingsDto {
  @ApiProperty({ description: "Record the account's calls" })
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled!: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 3650,
    description: 'Days a recording is kept (applies to recordings made from now on); null: until the contact is erased',
  })
  @ValidateIf((o: RecordingSettingsDto) => o.retention_days !== null)
  @IsInt({ message: 'retention_days must be a whole number of days, or null' })
  @Min(1, { message: 'retention_days must be at least 1' })
  @Max(3650, { message: 'retention_days must be at most 3650' })
  retention_days!: number | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 1000, description: 'Told to the customer when the call is answered; null: none' })
  @ValidateIf((o: RecordingSettingsDto) => o.consent_message !== null)
  @IsString({ message: 'consent_message must be a string, or null' })
  @MaxLength(1000, { message: 'consent_message must be at most 1000 characters' })
  consent_message!: string | null;
}

export class RecordingSettingsView {
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 3650 }) retention_days!: number | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 1000 }) consent_message!: string | null;
}
