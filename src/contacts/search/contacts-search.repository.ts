import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import type { AttributeType } from '../index/contact-document';
import type { AttributeDefs } from './search-params';

/**
 * A search reads Postgres only through these caches, so its one round trip is to Typesense.
 * Declared attributes change rarely (a new declaration shows in search within ATTRIBUTE_DEFS_TTL_MS);
 * the index lag is a hint for the caller, fresh to about a second.
 */
export const ATTRIBUTE_DEFS_TTL_MS = 5_000;
export const INDEX_LAG_TTL_MS = 1_000;

/**
 * Values kept for `ttlMs`; concurrent misses of one key share one load. Past its TTL a value is
 * still answered, up to `maxStaleMs`, while one load refreshes it in the background, so a warm
 * caller never waits on the source (under write load, a search waited for a free Postgres
 * connection every time the lag expired). A failed load is not kept: the next call tries again.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { last?: { at: number; value: V }; loading?: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxStaleMs = 60_000,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= 10_000) this.prune();
      this.entries.set(key, (entry = {}));
    }
    const last = entry.last;
    const age = last ? this.now() - last.at : Infinity;
    if (last && age < this.ttlMs) return Promise.resolve(last.value);
    const loading = (entry.loading ??= this.load(entry, load));
    if (!last || age >= this.maxStaleMs) return loading;
    // A background refresh that fails leaves the stale value; callers see the failure once it is too old.
    loading.catch(() => undefined);
    return Promise.resolve(last.value);
  }

  private async load(entry: { last?: { at: number; value: V }; loading?: Promise<V> }, load: () => Promise<V>): Promise<V> {
    try {
      const value = await load();
      entry.last = { at: this.now(), value };
      return value;
    } finally {
      entry.loading = undefined;
    }
  }

  private prune() {
    for (const [key, entry] of this.entries) {
      if (!entry.loading && (!entry.last || this.now() - entry.last.at >= this.maxStaleMs)) this.entries.delete(key);
    }
  }
}

@Injectable()
export class ContactsSearchRepository {
  private readonly defs = new TtlCache<string, AttributeDefs>(ATTRIBUTE_DEFS_TTL_MS);
  private readonly lag = new TtlCache<string, { ms: number; at: number }>(INDEX_LAG_TTL_MS);

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The account's declared custom attributes (cached per account). */
  attributeDefinitions(accountId: string): Promise<AttributeDefs> {
    return this.defs.get(accountId, async () => {
      const { rows } = await this.pool.query<{ key: string; type: AttributeType }>(
        'SELECT key, type FROM contact_attribute_definitions WHERE account_id = $1',
        [accountId],
      );
      return new Map(rows.map((r) => [r.key, r.type]));
    });
  }

  /** How stale the account's search results may be: age of its oldest change the index does not show yet (0 when none), in ms. */
  async indexLagMs(accountId: string): Promise<number> {
    const { ms, at } = await this.lag.get(accountId, async () => {
      const { rows } = await this.pool.query<{ ms: string | null }>(
        `SELECT floor(extract(epoch FROM clock_timestamp() - min(dirty_at)) * 1000)::bigint AS ms
           FROM contact_index_outbox WHERE account_id = $1`,
        [accountId],
      );
      return { ms: Math.max(0, Number(rows[0]?.ms ?? 0)), at: Date.now() };
    });
    // A backlog served from the cache has aged meanwhile.
    return ms === 0 ? 0 : ms + (Date.now() - at);
  }
}
