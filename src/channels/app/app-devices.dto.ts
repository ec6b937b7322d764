import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { APP_PLATFORMS, type AppPlatform } from './app-devices.repository';

/** The longest device token recado keeps (FCM's are ~160 characters, APNs' 64); short enough that any of them, percent-encoded, fits in a URL. */
export const DEVICE_TOKEN_MAX = 1024;

const NO_SPACES = /^\S+$/;

export class RegisterAppDeviceDto {
  @ApiProperty({ type: String, format: 'uuid', description: "The app: a channel account of channel 'app'" })
  @IsUUID()
  channel_account_id!: string;

  @ApiProperty({ example: 'cliente-8812', description: "The app's own user id: the contact's identity of kind 'app' (created with it when new)" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @Matches(NO_SPACES, { message: 'app_user_id must not contain spaces' })
  app_user_id!: string;

  @ApiProperty({
    example: 'fcm-registration-token-from-getToken',
    description: "The device's FCM registration token (webhook mode: the app's own push token for the device)",
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEVICE_TOKEN_MAX)
  @Matches(NO_SPACES, { message: 'token must not contain spaces' })
  token!: string;

  @ApiProperty({ enum: APP_PLATFORMS })
  @IsIn(APP_PLATFORMS)
  platform!: AppPlatform;
}

export class DeleteAppDeviceQuery {
  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'Only this app; by default the token is removed from every app of the account' })
  @IsOptional()
  @IsUUID()
  channel_account_id?: string;
}

export class AppDeviceView {
  @ApiProperty({ type: String, format: 'uuid' }) channel_account_id!: string;
  @ApiProperty({ type: String, format: 'uuid' }) contact_id!: string;
  @ApiProperty() app_user_id!: string;
  @ApiProperty() token!: string;
  @ApiProperty({ enum: APP_PLATFORMS }) platform!: AppPlatform;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'The last registration of this token' }) last_seen_at!: Date;
}

// The receipts body is read liberally by the inbound pipeline (not by a ValidationPipe): these
// classes only document what the app should send.

export class AppReceiptDto {
  @ApiProperty({ type: String, format: 'uuid', description: 'data.recado_message_id of the push (the webhook push: its id)' })
  message_id!: string;

  @ApiProperty({ enum: ['delivered', 'opened'], description: 'Other events are counted and ignored' })
  event!: 'delivered' | 'opened';

  @ApiProperty({
    oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer', description: 'unix seconds' }],
    description: 'When it happened on the device: ISO 8601 or unix seconds',
  })
  at!: string | number;
}

export class AppReplyDto {
  @ApiProperty({ description: "The app's id for this reply: a redelivery with the same id is recorded once" }) id!: string;
  @ApiProperty({ example: 'cliente-8812' }) app_user_id!: string;
  @ApiPropertyOptional({ description: 'What the customer wrote' }) text?: string;
  @ApiPropertyOptional({ description: 'The id of the button the customer tapped (data.recado_buttons)' }) button_id?: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The recado message it answers' }) in_reply_to?: string;
  @ApiProperty({ oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer', description: 'unix seconds' }] }) at!: string | number;
}

@ApiExtraModels(AppReceiptDto, AppReplyDto)
export class AppReceiptsDto {
  @ApiProperty({ type: 'array', items: { $ref: getSchemaPath(AppReceiptDto) } }) receipts!: AppReceiptDto[];
  @ApiPropertyOptional({ type: 'array', items: { $ref: getSchemaPath(AppReplyDto) }, description: "Customers' replies and button taps" })
  replies?: AppReplyDto[];
}

export class AppReceiptsAcceptedView {
  @ApiProperty({ description: 'Stored durably; recorded (or counted as ignored) before this answer' }) received!: boolean;
}
