/**
 * Every column that holds a sealed credential. The migrate entry point seals plain-text values
 * left in them and `npm run secrets:rotate` re-seals them under the current key, so a new
 * credential (SMTP password, bot token, CRM key) is one entry here plus seal/open at its repository.
 */
export interface SealedColumn {
  table: string;
  column: string;
}

export const SEALED_COLUMNS = {
  whatsappAccessToken: { table: 'whatsapp_numbers', column: 'access_token' },
  channelAccountSecrets: { table: 'channel_accounts', column: 'secrets' },
  storeSecrets: { table: 'stores', column: 'secrets' },
  crmSecrets: { table: 'crm_connections', column: 'secrets' },
} as const satisfies Record<string, SealedColumn>;

/** The associated data of one value: it opens only in the column and row it was sealed for. */
export function sealedPurpose(where: SealedColumn, rowId: string): string {
  return `${where.table}.${where.column}:${rowId}`;
}
