import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsUUID, Matches, Max, Min } from 'class-validator';
import { PLAYBACK_ACTOR, PLAYBACK_SIGNATURE } from './playback-links';

/** The last second a Date can show as an RFC 3339 year (9999-12-31T23:59:59Z). */
const MAX_EXPIRES = 253_402_300_799;

export class PlaybackLinkView {
  @ApiProperty({
    format: 'uri-reference',
    description:
      'GET it without any credentials (an audio element\'s src): this API\'s path and query, like download_url, so it resolves against the same origin. Supports Range; stops working at expires_at',
    example: '/v1/calls/{id}/recordings/{recording_id}/playback?account_id=…&actor=agent%3A…&expires=1893499200&signature=…',
  })
  url!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'From then on the link is refused (403): ask for a new one' })
  expires_at!: Date;
}

/** The query of a playback link, exactly as POST …/playback-link wrote it. */
export class PlaybackLinkQuery {
  @ApiProperty({ format: 'uuid', description: 'The account the recording belongs to' })
  @IsUUID(undefined, { message: 'account_id must be a UUID' })
  account_id!: string;

  @ApiProperty({ pattern: PLAYBACK_ACTOR.source, description: 'Who asked for the link, as the download audit names them' })
  @Matches(PLAYBACK_ACTOR, { message: 'actor must be agent:, api_key: or account: followed by a UUID' })
  actor!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_EXPIRES, description: 'When the link stops working, in Unix seconds' })
  @Type(() => Number)
  @IsInt({ message: 'expires must be a whole number of Unix seconds' })
  @Min(0, { message: 'expires must be at least 0' })
  @Max(MAX_EXPIRES, { message: `expires must be at most ${MAX_EXPIRES}` })
  expires!: number;

  @ApiProperty({ pattern: PLAYBACK_SIGNATURE.source, description: 'HMAC-SHA256 of the link, base64url' })
  @Matches(PLAYBACK_SIGNATURE, { message: 'signature must be the 43 base64url characters of a playback link' })
  signature!: string;
}
