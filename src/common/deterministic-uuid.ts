import { createHash } from 'node:crypto';

/**
 * The same key is always the same id: a v4-shaped UUID from a SHA-256 of the key. Rows written
 * before a provider call use it, so a retried activity finds its own row instead of a twin.
 */
export function uuidFromKey(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
