import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length } from 'class-validator';
import { PageQuery } from '../../common/page.dto';

/** Channels connected here; WhatsApp numbers are connected through POST /v1/whatsapp-numbers. */
export const CONNECTABLE_CHANNELS = ['email', 'telegram', 'app'] as const;

export class CreateChannelAccountDto {
  @ApiProperty({ enum: CONNECTABLE_CHANNELS })
  @IsIn(CONNECTABLE_CHANNELS, { message: `channel must be one of ${CONNECTABLE_CHANNELS.join(', ')} (WhatsApp numbers: POST /v1/whatsapp-numbers)` })
  channel!: (typeof CONNECTABLE_CHANNELS)[number];

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Atendimento' })
  @IsString()
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  name!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 320,
    description: "What inbound traffic is routed by: the mailbox address (e-mail), the bot's numeric id (Telegram), the app id (app)",
  })
  @IsString()
  @Length(1, 320, { message: 'address must be 1 to 320 characters' })
  address!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "The channel's settings (see README, Channels)" })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Passwords, tokens, keys: stored encrypted, never returned',
  })
  @IsOptional()
  @IsObject()
  secrets?: Record<string, string>;
}

export class ListChannelAccountsQuery extends PageQuery {
  @ApiProperty({ enum: ['whatsapp', 'email', 'telegram', 'app'], required: false })
  @IsOptional()
  @IsIn(['whatsapp', 'email', 'telegram', 'app'])
  channel?: 'whatsapp' | 'email' | 'telegram' | 'app';
}

export class ChannelAccountView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['whatsapp', 'email', 'telegram', 'app'] }) channel!: string;
  @ApiProperty() name!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'Names of the secrets stored (never their values)' }) secret_names!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}
