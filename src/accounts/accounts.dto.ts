import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class CreateAccountDto {
  @ApiProperty({ example: 'Farmácia Central' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class CreateAgentDto {
  @ApiProperty({ example: 'Ana Souza' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'ana@farmacia.example' })
  @IsEmail()
  email!: string;

  @ApiPropertyOptional({ enum: ['admin', 'agent'], default: 'agent' })
  @IsOptional()
  @IsIn(['admin', 'agent'])
  role?: 'admin' | 'agent';
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ERP integration' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}

export class ApiKeyView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the key, to recognise it' }) prefix!: string;
  @ApiProperty({ nullable: true, type: String }) agent_id!: string | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty({ nullable: true, type: Date }) last_used_at!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) revoked_at!: Date | null;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The secret. Shown only once: store it now.' }) key!: string;
}

export class AccountView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() created_at!: Date;
}

export class CreatedAccountView {
  @ApiProperty({ type: AccountView }) account!: AccountView;
  @ApiProperty({ type: CreatedApiKeyView }) api_key!: CreatedApiKeyView;
}

export class AgentView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['admin', 'agent'] }) role!: string;
  @ApiProperty() created_at!: Date;
}

export class CreatedAgentView {
  @ApiProperty({ type: AgentView }) agent!: AgentView;
  @ApiProperty({ type: CreatedApiKeyView, description: "The agent's personal token" }) api_key!: CreatedApiKeyView;
}
