import { SecretBox, type SecretKeys } from '../secrets/secrets';
import { SEALED_COLUMNS, sealedPurpose } from '../secrets/sealed-columns';

/** A row that carries a number's stored token next to the number's id (a join with whatsapp_numbers). */
export interface SealedTokenRow {
  whatsapp_number_id: string;
  /** The envelope as stored; meaningless to Meta until opened. */
  access_token: string;
}

/**
 * WhatsApp access tokens at rest. Sealed when a number is connected; opened only where a Graph API
 * (or Connector) request is built with it, so the plain token lives for that one request and never
 * sits in a row, a workflow history or an API response.
 */
export class AccessTokens {
  private readonly box: SecretBox;

  constructor(keys: SecretKeys) {
    this.box = new SecretBox(keys);
  }

  seal(numberId: string, token: string): string {
    return this.box.seal(token, sealedPurpose(SEALED_COLUMNS.whatsappAccessToken, numberId));
  }

  open(numberId: string, sealed: string): string {
    return this.box.open(sealed, sealedPurpose(SEALED_COLUMNS.whatsappAccessToken, numberId));
  }

  /** The plain token of a joined row (CallContext, SendableMessage). */
  openRow(row: SealedTokenRow): string {
    return this.open(row.whatsapp_number_id, row.access_token);
  }
}
