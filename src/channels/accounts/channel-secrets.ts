import { SecretBox, type SecretKeys } from '../../secrets/secrets';
import { SEALED_COLUMNS, sealedPurpose } from '../../secrets/sealed-columns';
import type { ChannelAccountRow, OpenChannelAccount } from '../driver';

/**
 * A channel account's secret settings (SMTP/IMAP password, OAuth2 tokens, bot token, service
 * account key) at rest: one JSON object sealed with the one secrets helper, for that row only.
 * Opened where a provider request is built, never returned or logged.
 */
export class ChannelSecrets {
  private readonly box: SecretBox;

  constructor(keys: SecretKeys) {
    this.box = new SecretBox(keys);
  }

  seal(channelAccountId: string, secrets: Record<string, string>): string | null {
    if (Object.keys(secrets).length === 0) return null;
    return this.box.seal(JSON.stringify(secrets), sealedPurpose(SEALED_COLUMNS.channelAccountSecrets, channelAccountId));
  }

  open(row: ChannelAccountRow): OpenChannelAccount {
    const secrets = row.secrets
      ? (JSON.parse(this.box.open(row.secrets, sealedPurpose(SEALED_COLUMNS.channelAccountSecrets, row.id))) as Record<string, string>)
      : {};
    return { ...row, secrets };
  }
}
