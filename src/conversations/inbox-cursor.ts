import { InvalidFieldError } from '../common/errors';
import { CURSOR_INSTANT, UUID, decodeCursor, encodeCursor, invalidCursor } from '../calls/history/cursor';

/**
 * Where an inbox page ended: its last conversation's sort key, the newest message's instant
 * (microseconds) and its arrival (conversations.arrival, a bigint as text). Opaque to clients.
 */
export interface InboxCursorKey {
  at: string;
  arrival: string;
}

const ARRIVAL = /^\d{1,18}$/;

export function encodeInboxCursor(key: InboxCursorKey): string {
  return encodeCursor({ t: key.at, a: key.arrival });
}

/**
 * The key of a cursor this API wrote, else a 422 naming `cursor`. Cursors from before ties were
 * broken by arrival carried the contact id (c): they point into an order the inbox no longer
 * keeps, so they are refused with what to do instead of continuing somewhere else.
 */
export function decodeInboxCursor(cursor: string | undefined): InboxCursorKey | undefined {
  const key: Record<string, unknown> | undefined = decodeCursor(cursor, { t: 'string' });
  if (!key) return undefined;
  const at = key.t as string;
  if (!CURSOR_INSTANT.test(at)) throw invalidCursor();
  if (typeof key.a === 'string' && ARRIVAL.test(key.a)) return { at, arrival: key.a };
  if (key.a === undefined && typeof key.c === 'string' && UUID.test(key.c)) {
    throw new InvalidFieldError('cursor', "comes from the inbox's earlier order, which it no longer continues: start again from the first page");
  }
  throw invalidCursor();
}
