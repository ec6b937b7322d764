import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdapterResult, CanonicalEvent, CanonicalEventType, StorePlatform } from '../canonical-event';
import { header } from './read';

/** A canonical event with every optional part empty; adapters fill in what the payload has. */
export function canonicalEvent(
  platform: StorePlatform,
  type: CanonicalEventType,
  platformEventType: string,
  parts: Partial<Omit<CanonicalEvent, 'type' | 'platform' | 'platformEventType'>> = {},
): CanonicalEvent {
  return {
    type,
    platform,
    platformEventType,
    platformEventId: null,
    occurredAt: null,
    customer: { phone: null, email: null, name: null },
    orderId: null,
    cartId: null,
    amount: null,
    product: null,
    artefacts: {},
    ...parts,
  };
}

/**
 * What a body maps to. `events: []` with nothing unmapped means a known event type that asks for
 * no message (a checkout already completed, an order still authorising): the pipeline records it
 * as ignored.
 */
export function result(warnings: string[], events: CanonicalEvent[] = [], unmapped: AdapterResult['unmapped'] = []): AdapterResult {
  return { events, unmapped, warnings };
}

/** Compares two secrets in constant time, whatever their lengths (both are hashed first). */
export function secretsEqual(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && Buffer.byteLength(given) === Buffer.byteLength(expected);
}

/** Drops artefacts the payload did not have, so events compare and store without `undefined` keys. */
/** A platform that authenticates with a shared token in a header (Hotmart's hottok, Asaas's access token). */
export function headerTokenMatches(headers: Record<string, string | undefined>, name: string, expected: string | undefined): boolean {
  const given = header(headers, name);
  return !!expected && !!given && secretsEqual(given.trim(), expected);
}

export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')) as T;
}
