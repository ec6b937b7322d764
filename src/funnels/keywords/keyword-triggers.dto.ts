import { ApiProperty } from '@nestjs/swagger';

const CALLBACK_STATES = ['none', 'pending', 'started', 'delivered', 'rejected', 'failed'] as const;

export class TriggerContactView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'E.164' }) phone!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'email' }) email!: string | null;
}

export class TriggerNotificationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The canonical event the message was for' }) event_type!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) step!: number;
  @ApiProperty({ description: 'The funnel (workflow id) the message belongs to' }) funnel_id!: string;
  @ApiProperty() funnel!: string;
}

export class TriggerStoreEventView {
  @ApiProperty({ type: String, nullable: true, description: 'The store event that fed the funnel last, when recorded' }) id!: string | null;
  @ApiProperty({ type: String, nullable: true }) type!: string | null;
  @ApiProperty({ type: String, nullable: true }) order_id!: string | null;
  @ApiProperty({ type: Object, nullable: true, description: 'amount_minor (string) and currency' }) amount!: Record<string, unknown> | null;
}

export class TriggerCallbackView {
  @ApiProperty({ enum: CALLBACK_STATES, description: 'none: no callback configured; pending/started: being called; delivered: 2xx; rejected: 4xx or a redirect; failed: gave up after KEYWORD_CALLBACK_GIVE_UP_AFTER' })
  state!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uri' }) url!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: "The store's last HTTP status" }) status!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
}

export class KeywordTriggerView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The configured keyword matched' }) keyword!: string;
  @ApiProperty({ description: 'What the customer sent: the text or the quick-reply button title' }) text!: string;
  @ApiProperty({ format: 'uuid', description: "The customer's message" }) message_id!: string;
  @ApiProperty({ type: TriggerContactView }) contact!: TriggerContactView;
  @ApiProperty({ type: TriggerNotificationView, description: 'The funnel message replied to' }) notification!: TriggerNotificationView;
  @ApiProperty({ type: TriggerStoreEventView }) store_event!: TriggerStoreEventView;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "The contact's assigned agent the conversation was opened for; null: the whole account" })
  agent_id!: string | null;
  @ApiProperty() opened_conversation!: boolean;
  @ApiProperty({ type: TriggerCallbackView }) callback!: TriggerCallbackView;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}
