import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { PageQuery } from '../common/page.dto';

/** WhatsApp ids are the phone number in international format, digits only. */
export const WA_ID = /^[1-9]\d{7,14}$/;
export const WA_ID_MESSAGE = 'must be the phone number in international format, digits only (e.g. 5511987654321)';

export class CreateContactDto {
  @ApiProperty({ example: '5511987654321' })
  @Matches(WA_ID, { message: `wa_id ${WA_ID_MESSAGE}` })
  wa_id!: string;

  @ApiPropertyOptional({ example: 'Maria Silva' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;
}

export class ListContactsQuery extends PageQuery {
  @ApiPropertyOptional({ example: '5511987654321' })
  @IsOptional()
  @Matches(WA_ID, { message: `wa_id ${WA_ID_MESSAGE}` })
  wa_id?: string;
}

export class AssignAgentDto {
  @ApiProperty({ nullable: true, type: String, description: 'An agent of the account, or null to clear' })
  @ValidateIf((o: AssignAgentDto) => o.assigned_agent_id !== null)
  @IsUUID(undefined, { message: 'assigned_agent_id must be a UUID or null' })
  assigned_agent_id!: string | null;
}

export class ContactView {
  @ApiProperty() id!: string;
  @ApiProperty() wa_id!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: Date, description: "Customer's last message: the 24 h window runs from here" })
  last_inbound_at!: Date | null;
  @ApiProperty({ nullable: true, type: String, description: 'The agent responsible for the customer: rings first when they call' })
  assigned_agent_id!: string | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}
