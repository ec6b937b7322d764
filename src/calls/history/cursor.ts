import { InvalidFieldError } from '../../common/errors';

/**
 * Opaque page cursors: the sort key of the last item of a page, base64url JSON. Clients pass it
 * back unchanged; a cursor of the documented shape that this API did not write is a 422 naming `cursor`.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends Record<string, 'string' | 'number'>>(
  cursor: string | undefined,
  shape: K,
): { [P in keyof K]: K[P] extends 'number' ? number : string } | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  for (const [name, type] of Object.entries(shape)) {
    if (typeof (parsed as Record<string, unknown>)[name] !== type) throw invalidCursor();
  }
  return parsed as { [P in keyof K]: K[P] extends 'number' ? number : string };
}

/** The instant strings cursors carry (microseconds, as Postgres keeps them). */
export const CURSOR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function invalidCursor(): InvalidFieldError {
  return new InvalidFieldError('cursor', 'is not a cursor this API returned (pass next_cursor back unchanged)');
}

/** Postgres renders a timestamptz the way cursors carry it. */
export const SQL_CURSOR_INSTANT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
