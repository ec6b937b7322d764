import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsRFC3339, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { CallView } from '../calls.dto';

export const DEFAULT_HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 100;
export const CALL_STATES = ['dialing', 'ringing', 'accepted', 'completed', 'rejected', 'not_answered', 'failed'] as const;
export const STEP_STATUSES = ['pending', 'done', 'failed', 'skipped'] as const;
const CURSOR_PATTERN = /^[A-Za-z0-9_-]+$/;

/** `true` and `false` in a query string; anything else stays a string and fails @IsBoolean. */
const queryBoolean = () => Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));

/** `?limit=&cursor=` of the history's lists (calls, a contact's thread). */
export class HistoryPageQuery {
  @ApiPropertyOptional({ default: DEFAULT_HISTORY_PAGE, minimum: 1, maximum: MAX_HISTORY_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(MAX_HISTORY_PAGE, { message: `limit must be at most ${MAX_HISTORY_PAGE}` })
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's next_cursor, unchanged", maxLength: 500 })
  @IsOptional()
  @MaxLength(500, { message: 'cursor must be at most 500 characters' })
  @Matches(CURSOR_PATTERN, { message: 'cursor must be a next_cursor this API returned' })
  cursor?: string;
}

export class ListCallHistoryQuery extends HistoryPageQuery {
  @ApiPropertyOptional({ enum: ['business_initiated', 'user_initiated'] })
  @IsOptional()
  @IsIn(['business_initiated', 'user_initiated'], { message: 'direction must be business_initiated or user_initiated' })
  direction?: 'business_initiated' | 'user_initiated';

  @ApiPropertyOptional({ description: 'Calls this agent placed, answered or was a participant of' })
  @IsOptional()
  @IsUUID(undefined, { message: 'agent_id must be a UUID' })
  agent_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID(undefined, { message: 'contact_id must be a UUID' })
  contact_id?: string;

  @ApiPropertyOptional({ enum: CALL_STATES })
  @IsOptional()
  @IsIn(CALL_STATES, { message: `state must be one of ${CALL_STATES.join(', ')}` })
  state?: (typeof CALL_STATES)[number];

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Calls created at or after this instant' })
  @IsOptional()
  @IsRFC3339({ message: 'from must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Calls created before this instant' })
  @IsOptional()
  @IsRFC3339({ message: 'to must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z' })
  to?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Calls with (true) or without (false) a stored recording' })
  @IsOptional()
  @queryBoolean()
  @IsBoolean({ message: 'has_recording must be true or false' })
  has_recording?: boolean;

  @ApiPropertyOptional({ type: Boolean, description: 'Calls with (true) or without (false) a transcript' })
  @IsOptional()
  @queryBoolean()
  @IsBoolean({ message: 'has_transcript must be true or false' })
  has_transcript?: boolean;
}

export class CallHistoryItemView extends CallView {
  @ApiProperty({ description: 'At least one recording is stored (retention may have removed older ones)' }) has_recording!: boolean;
  @ApiProperty({ description: 'The post-call transcript exists' }) has_transcript!: boolean;
}

export class CallHistoryPage {
  @ApiProperty({ type: [CallHistoryItemView], description: 'Ongoing calls first, then newest first' }) items!: CallHistoryItemView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page; null on the last page' })
  next_cursor!: string | null;
}

export class ParticipantView {
  @ApiProperty({ enum: ['customer', 'agent'] }) kind!: 'customer' | 'agent';
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The agent (kind agent)' }) agent_id!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The contact (kind customer)' }) contact_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['host', 'invitee'], description: "An agent's role in the call" }) role!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['invited', 'joined', 'declined', 'left', 'removed'], description: "An agent's last state" })
  state!: string | null;
  @ApiProperty({ description: 'Their LiveKit identity in the call room (customer:<contact>, agent:<agent>)' }) identity!: string;
}

export class TimelineEventView {
  @ApiProperty({
    enum: ['dialing', 'ringing', 'answered', 'joined', 'left', 'muted', 'unmuted', 'recording_started', 'recording_gap', 'recording_stopped', 'consent_message', 'ended'],
  })
  kind!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: Date;
  @ApiProperty({ type: String, nullable: true, description: 'The LiveKit identity the event is about' }) participant!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agent_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What else is known (a gap: from_ms, to_ms, reason; consent_message: outcome sent with message_id, or not_sent with reason)' })
  detail!: Record<string, unknown>;
}

export class RecordingGapView {
  @ApiProperty({ type: 'integer', description: 'From the call answer, ms' }) from_ms!: number;
  @ApiProperty({ type: 'integer' }) to_ms!: number;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

export class RecordingView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['speaker', 'mixed'], description: "speaker: one participant's own audio; mixed: everyone" }) kind!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['customer', 'agent'] }) speaker!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agent_id!: string | null;
  @ApiProperty({ type: 'integer' }) duration_ms!: number;
  @ApiProperty({ type: 'integer', description: "Where the file's first sample falls, from the call's answer" }) offset_ms!: number;
  @ApiProperty({ type: [RecordingGapView], description: 'Stretches nobody could hear (filled with silence)' }) gaps!: RecordingGapView[];
  @ApiProperty({ type: 'integer' }) bytes!: number;
  @ApiProperty({ example: 'audio/wav' }) content_type!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When retention removes it; null: kept until the contact is erased' })
  expires_at!: Date | null;
  @ApiProperty({ description: 'GET it (with the same bearer token) for the audio; supports Range', example: '/v1/calls/{id}/recordings/{recording_id}' })
  download_url!: string;
}

export class TranscriptSegmentView {
  @ApiProperty({ enum: ['customer', 'agent'] }) speaker!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) agent_id!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'integer', description: "From the call's answer, ms" }) start_ms!: number;
  @ApiProperty({ type: 'integer' }) end_ms!: number;
  @ApiProperty() text!: string;
}

export class CallSummaryView {
  @ApiProperty() reason!: string;
  @ApiProperty() outcome!: string;
  @ApiProperty({ type: [String] }) next_steps!: string[];
  @ApiProperty({ enum: ['positive', 'neutral', 'negative'] }) sentiment!: string;
  @ApiProperty({ type: String, format: 'date', nullable: true }) follow_up_date!: string | null;
  @ApiProperty({ description: 'The model that wrote it' }) generated_by!: string;
}

export class StepStatusView {
  @ApiProperty({ enum: STEP_STATUSES }) status!: (typeof STEP_STATUSES)[number];
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed or was skipped' }) reason!: string | null;
}

export class PostCallStepsView {
  @ApiProperty({ type: StepStatusView }) recording!: StepStatusView;
  @ApiProperty({ type: StepStatusView }) transcription!: StepStatusView;
  @ApiProperty({ type: StepStatusView }) summary!: StepStatusView;
}

export class CallDetailsView {
  @ApiProperty({ type: CallView }) call!: CallView;
  @ApiProperty({ type: [ParticipantView], description: 'The customer first, then the agents' }) participants!: ParticipantView[];
  @ApiProperty({ type: [TimelineEventView], description: 'In the order things happened' }) timeline!: TimelineEventView[];
  @ApiProperty({ type: [RecordingView], description: 'Per speaker, then mixed' }) recordings!: RecordingView[];
  @ApiProperty({ type: [TranscriptSegmentView], nullable: true, description: 'null until transcribed' }) transcript!: TranscriptSegmentView[] | null;
  @ApiProperty({ type: CallSummaryView, nullable: true, description: 'null until summarised' }) summary!: CallSummaryView | null;
  @ApiProperty({ type: PostCallStepsView }) steps!: PostCallStepsView;
}
