import { ApiProperty, type ApiBodyOptions } from '@nestjs/swagger';
import { IsBoolean, IsUUID } from 'class-validator';
import type { CallingSettings } from '../../whatsapp/types';
import type { MetaErrorInfo, ReadinessCheck, ReadinessItem } from './readiness';

/** Body of PUT /v1/whatsapp-numbers/{id}/call-settings, for the docs only: it is checked against Meta's spec. */
export const CALL_SETTINGS_BODY_DOC: ApiBodyOptions = {
  description:
    "Meta's `calling` object of POST /{phone-number-id}/settings, sent to Meta as is. At most 2 non-overlapping " +
    'ranges per day (HHMM, opening before closing), an IANA time zone, at most 20 holidays.',
  schema: {
    type: 'object',
    required: ['status'],
    additionalProperties: true,
    example: {
      status: 'ENABLED',
      call_icon_visibility: 'DEFAULT',
      callback_permission_status: 'ENABLED',
      call_hours: {
        status: 'ENABLED',
        timezone_id: 'America/Sao_Paulo',
        weekly_operating_hours: [
          { day_of_week: 'MONDAY', open_time: '0800', close_time: '1200' },
          { day_of_week: 'MONDAY', open_time: '1300', close_time: '1800' },
        ],
        holiday_schedule: [{ date: '2025-12-25', start_time: '0000', end_time: '2359' }],
      },
    },
  },
};

export class CallsWebhookDto {
  @ApiProperty({ description: 'Whether the Meta app is subscribed to the `calls` webhook field (Meta App Dashboard → WhatsApp → Configuration)' })
  @IsBoolean({ message: 'subscribed must be true or false' })
  subscribed!: boolean;
}

export class ReadinessQuery {
  @ApiProperty({ description: 'The number to check (GET /v1/whatsapp-numbers)' })
  @IsUUID(undefined, { message: 'whatsapp_number_id must be a UUID' })
  whatsapp_number_id!: string;
}

export class MetaErrorView implements MetaErrorInfo {
  @ApiProperty({ example: 'InvalidParameterError', description: "recado's class of the failure (TransportError: Meta not reached)" })
  name!: string;
  @ApiProperty({ nullable: true, type: Number, example: 100, description: "Meta's error code" }) code!: number | null;
  @ApiProperty({ nullable: true, type: Number }) subcode!: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'OAuthException' }) type!: string | null;
  @ApiProperty({ description: "Meta's error message" }) message!: string;
  @ApiProperty({ nullable: true, type: String, description: "Meta's error_data.details" }) details!: string | null;
  @ApiProperty({ nullable: true, type: String }) fbtrace_id!: string | null;
  @ApiProperty({ nullable: true, type: Number }) http_status!: number | null;
  @ApiProperty({ description: 'Whether the same request may succeed later' }) retryable!: boolean;
}

export class CallSettingsPushView {
  @ApiProperty({
    enum: ['none', 'pending', 'pushed', 'failed'],
    description: 'none: nothing saved; pending: saved, push not finished; pushed: Meta accepted it; failed: Meta refused it (see error)',
  })
  status!: 'none' | 'pending' | 'pushed' | 'failed';
  @ApiProperty({ nullable: true, type: Date }) pushed_at!: Date | null;
  @ApiProperty({ nullable: true, type: MetaErrorView }) error!: MetaErrorView | null;
}

export class CallsWebhookView {
  @ApiProperty({ description: 'Confirmed by an admin (PUT …/call-settings/calls-webhook)' }) subscribed!: boolean;
  @ApiProperty({ nullable: true, type: Date }) updated_at!: Date | null;
}

export class CallSettingsView {
  @ApiProperty() whatsapp_number_id!: string;
  @ApiProperty({ nullable: true, type: Object, description: "The saved `calling` object (Meta's shape); null: never saved" })
  settings!: CallingSettings | null;
  @ApiProperty({ type: CallSettingsPushView }) push!: CallSettingsPushView;
  @ApiProperty({ type: CallsWebhookView }) calls_webhook!: CallsWebhookView;
  @ApiProperty({ nullable: true, type: Date }) updated_at!: Date | null;
}

export class CallSettingsPushFailedView {
  @ApiProperty({ example: 502 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Gateway' }) error!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: MetaErrorView, description: "Meta's refusal (or the transport failure)" }) meta_error!: MetaErrorView;
  @ApiProperty({ type: CallSettingsView, description: 'What is stored now: the settings, with push.status failed' })
  call_settings!: CallSettingsView;
}

export class ReadinessCheckView implements ReadinessCheck {
  @ApiProperty({ enum: ['calling_enabled', 'calls_webhook', 'messaging_limit_tier'] }) item!: ReadinessItem;
  @ApiProperty() ok!: boolean;
  @ApiProperty() detail!: string;
  @ApiProperty({ nullable: true, type: String, description: 'What to do; null when ok' }) fix!: string | null;
}

export class CallingReadinessView {
  @ApiProperty() whatsapp_number_id!: string;
  @ApiProperty({ description: 'Every check ok' }) ready!: boolean;
  @ApiProperty({ type: [ReadinessCheckView] }) checks!: ReadinessCheckView[];
  @ApiProperty({ nullable: true, type: String, example: 'TIER_10K', description: "Meta's live messaging_limit_tier" })
  messaging_limit_tier!: string | null;
  @ApiProperty({ example: 'TIER_2K', description: 'The least tier that passes (CALLING_MIN_MESSAGING_TIER)' })
  minimum_messaging_limit_tier!: string;
  @ApiProperty({ nullable: true, type: Date, description: 'When the last `calls` webhook for this number arrived' })
  last_calls_webhook_at!: Date | null;
  @ApiProperty() checked_at!: Date;
}
