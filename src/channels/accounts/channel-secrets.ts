import type { SecretKeys } from '../../secrets/secrets';
import { SEALED_COLUMNS } from '../../secrets/sealed-columns';
import { SealedJson } from '../../secrets/sealed-json';
import type { ChannelAccountRow, OpenChannelAccount } from '../driver';

/** A channel account's secret settings (SMTP/IMAP password, OAuth2 tokens, bot token, service account key) at rest. */
export class ChannelSecrets {
  private readonly sealed: SealedJson;

  constructor(keys: SecretKeys) {
    this.sealed = new SealedJson(keys, SEALED_COLUMNS.channelAccountSecrets);
  }

  seal(channelAccountId: string, secrets: Record<string, string>): string | null {
    return this.sealed.seal(channelAccountId, secrets);
  }

  open(row: ChannelAccountRow): OpenChannelAccount {
    return { ...row, secrets: this.sealed.open(row.id, row.secrets) };
  }
}
