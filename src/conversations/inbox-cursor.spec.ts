import { encodeCursor } from '../calls/history/cursor';
import { InvalidFieldError } from '../common/errors';
import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';

const AT = '2026-12-07T10:41:05.000000Z';

function refusal(cursor: string): InvalidFieldError {
  try {
    decodeInboxCursor(cursor);
  } catch (err) {
    if (err instanceof InvalidFieldError) return err;
    throw err;
  }
  throw new Error(`${cursor} was accepted`);
}

describe('the inbox cursor', () => {
  it('gives back the key it was written with, and nothing for no cursor', () => {
    expect(decodeInboxCursor(encodeInboxCursor({ at: AT, arrival: '9007199254740993' }))).toEqual({ at: AT, arrival: '9007199254740993' });
    expect(decodeInboxCursor(undefined)).toBeUndefined();
  });

  it('refuses what this API did not write, naming cursor', () => {
    for (const cursor of [
      'bm90LWEtY3Vyc29y',
      encodeCursor({ t: AT, a: 12 }),
      encodeCursor({ t: AT, a: '-1' }),
      encodeCursor({ t: AT, a: '1234567890123456789' }),
      encodeCursor({ t: '2026-12-07 10:41:05', a: '1' }),
      encodeCursor({ a: '1' }),
    ]) {
      const err = refusal(cursor);
      expect(err.field).toBe('cursor');
      expect(err.message).toMatch(/not a cursor this API returned/);
    }
  });

  it("refuses a cursor of the inbox's earlier order (instant and contact id) with what to do", () => {
    const err = refusal(encodeCursor({ t: AT, c: '0b6a3f4e-8a47-4c55-9d3e-2f1c6b7a8d90' }));
    expect(err.field).toBe('cursor');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/earlier order.*first page/);
  });
});
