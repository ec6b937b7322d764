import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class ConnectNumberDto {
  @ApiProperty({ example: '106540352242922', description: "Meta's Phone-Number-ID" })
  @Matches(/^\d{5,20}$/, { message: 'phone_number_id must be the numeric Phone-Number-ID from Meta' })
  phone_number_id!: string;

  @ApiProperty({ example: '102290129340398', description: 'WhatsApp Business Account id' })
  @Matches(/^\d{5,20}$/, { message: 'waba_id must be the numeric WhatsApp Business Account id' })
  waba_id!: string;

  @ApiProperty({ example: '+55 11 4000-0000' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  display_phone_number!: string;

  @ApiProperty({ description: 'System-user access token for the Graph API. Never returned.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  // It travels in an HTTP header: printable ASCII, no spaces (as Meta's tokens are).
  @Matches(/^[\x21-\x7e]+$/, { message: 'access_token must be printable ASCII without spaces, as Meta issues it' })
  access_token!: string;
}

export class NumberView {
  @ApiProperty() id!: string;
  @ApiProperty() phone_number_id!: string;
  @ApiProperty() waba_id!: string;
  @ApiProperty() display_phone_number!: string;
  @ApiProperty() created_at!: Date;
}
