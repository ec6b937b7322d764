import { Pool, PoolClient } from 'pg';

export const PG_POOL = Symbol('PG_POOL');

export function createPool(databaseUrl: string, max = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Postgres picked the transaction as a deadlock victim, or a serialization failure: running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * A transaction that is run again (up to `attempts` times) when Postgres aborts it as a deadlock
 * victim: for writers that lock many rows in an order they cannot fully control.
 */
export async function inRetryingTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(pool, work);
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}
