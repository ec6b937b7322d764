import { SecretBox, type SecretKeys } from './secrets';
import { sealedPurpose, type SealedColumn } from './sealed-columns';

/**
 * A row's secret settings as one JSON object of strings (passwords, tokens, keys), sealed with the
 * one secrets helper for that column and row only. Opened where a provider request is built or a
 * delivery verified; never returned or logged.
 */
export class SealedJson {
  private readonly box: SecretBox;

  constructor(
    keys: SecretKeys,
    private readonly column: SealedColumn,
  ) {
    this.box = new SecretBox(keys);
  }

  seal(rowId: string, secrets: Record<string, string>): string | null {
    if (Object.keys(secrets).length === 0) return null;
    return this.box.seal(JSON.stringify(secrets), sealedPurpose(this.column, rowId));
  }

  open(rowId: string, sealed: string | null): Record<string, string> {
    return sealed ? (JSON.parse(this.box.open(sealed, sealedPurpose(this.column, rowId))) as Record<string, string>) : {};
  }
}
