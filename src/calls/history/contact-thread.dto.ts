import { ApiProperty } from '@nestjs/swagger';
import { ThreadMessageView } from '../../conversations/sent-template.dto';
import { CallHistoryItemView, CallSummaryView, TranscriptSegmentView } from './call-history.dto';

export class ThreadCallView extends CallHistoryItemView {
  @ApiProperty({ description: "Where the call opens in the agents' frontend (CALL_DEEP_LINK_TEMPLATE)" }) deep_link!: string;
  @ApiProperty({
    description:
      "true for every call but the contact's latest: shown folded, its transcript left out (GET /v1/calls/{id}/details has it)",
  })
  collapsed!: boolean;
  @ApiProperty({ type: [TranscriptSegmentView], nullable: true, description: 'The latest call only (null when collapsed or not transcribed)' })
  transcript!: TranscriptSegmentView[] | null;
  @ApiProperty({ type: CallSummaryView, nullable: true }) summary!: CallSummaryView | null;
}

export class ThreadItemView {
  @ApiProperty({ enum: ['message', 'call'] }) kind!: 'message' | 'call';
  @ApiProperty({ type: String, format: 'date-time', description: 'When the message or call was created' }) at!: Date;
  @ApiProperty({ type: ThreadMessageView, nullable: true, description: 'kind message' }) message!: ThreadMessageView | null;
  @ApiProperty({ type: ThreadCallView, nullable: true, description: 'kind call' }) call!: ThreadCallView | null;
}

export class ThreadPage {
  @ApiProperty({ type: [ThreadItemView], description: 'Messages and calls interleaved, newest first' }) items!: ThreadItemView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page; null on the last page' })
  next_cursor!: string | null;
}
