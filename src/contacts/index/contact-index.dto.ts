import { ApiProperty } from '@nestjs/swagger';

export class ContactIndexStatusView {
  @ApiProperty({ type: 'integer', minimum: 0, description: "The account's contacts whose search document is not up to date yet" })
  backlog!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: "Age in milliseconds of the account's oldest change search does not show yet (0: none)" })
  lag_ms!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Contacts Typesense kept rejecting, left out of search until they change (GET /v1/contact-index/parked)' })
  parked!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Drains indexing right now, over every account' })
  drains_running!: number;
}

export class ParkedContactView {
  @ApiProperty({ format: 'uuid' }) contact_id!: string;
  @ApiProperty({ description: "Typesense's reason for rejecting the contact's document", example: '400 Field `ca_score_n` must be a float.' })
  reason!: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Attempts made before the contact was parked' }) attempts!: number;
  @ApiProperty({ type: String, format: 'date-time' }) parked_at!: Date;
}

export class ParkedContactsView {
  @ApiProperty({ type: [ParkedContactView], description: 'Most recently parked first' }) items!: ParkedContactView[];
}
