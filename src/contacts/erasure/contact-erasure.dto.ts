import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '../../common/page.dto';

const SUMMARY_DOC = {
  type: 'object',
  additionalProperties: { type: 'integer', minimum: 0 },
  description:
    'Rows removed per eraser (messages, calls, call_permissions, inbound_webhooks: deliveries deleted or rewritten, ' +
    'contact_identities, contacts, …); once completed also search_documents, workflows_terminated, workflow_histories_deleted',
  example: { messages: 3, calls: 1, inbound_webhooks: 2, contact_identities: 2, contacts: 1 },
} as const;

export class ListContactErasuresQuery extends PageQuery {}

export class ErasedByView {
  @ApiProperty({ enum: ['system', 'admin', 'agent'], description: "The caller's role: a system key, or an agent's token" })
  role!: 'system' | 'admin' | 'agent';
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The agent whose token erased the contact; null for a system key' })
  agent_id!: string | null;
}

/** The LGPD audit row of one erasure: no personal data, only who, when and how much. */
export class ContactErasureView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The erased contact (it no longer exists)' }) contact_id!: string;
  @ApiProperty({ type: ErasedByView }) erased_by!: ErasedByView;
  @ApiProperty({ type: String, format: 'date-time' }) erased_at!: Date;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the search document and the workflows were removed too; null: a DELETE must be repeated to finish',
  })
  completed_at!: Date | null;
  @ApiProperty(SUMMARY_DOC) summary!: Record<string, number>;
}

export class ContactErasureResult {
  @ApiProperty({ format: 'uuid', description: 'The audit row (GET /v1/contact-erasures)' }) erasure_id!: string;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty(SUMMARY_DOC) summary!: Record<string, number>;
}

/** 503: the database part is done, the outside part is not. */
export class ErasureIncompleteView {
  @ApiProperty({ enum: [503] }) statusCode!: number;
  @ApiProperty() error!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ format: 'uuid' }) erasure_id!: string;
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ enum: ['search_document', 'workflows', 'recording_files'], description: 'The step that could not be done' }) step!: string;
}
