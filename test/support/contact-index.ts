import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Pool } from 'pg';
import type { Client as TypesenseClient } from 'typesense';
import type { Config } from '../../src/config/config';
import { durationMs } from '../../src/config/config';
import { ContactIndexer, type IndexObserver } from '../../src/contacts/index/contact-indexer';
import { accountAlias } from '../../src/contacts/index/contacts-collection';
import { ContactStateRepository } from '../../src/contacts/index/contact-state.repository';
import { ContactIndexOutboxRepository } from '../../src/contacts/index/outbox.repository';

/** An account made by SQL, for tests that need contacts but no API key. */
export async function insertAccount(pool: Pool, name = 'Loja Índice'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('INSERT INTO accounts (name) VALUES ($1) RETURNING id', [name]);
  return rows[0].id;
}

/** `n` contacts with a phone identity each, by SQL in one statement (the triggers mark them dirty). */
export async function insertContacts(pool: Pool, accountId: string, n: number, name = 'Cliente'): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await pool.query(
    `WITH c AS (
       INSERT INTO contacts (account_id, id, name, tags, whatsapp_reachable)
       SELECT $1, id, $3 || ' ' || ord, ARRAY['lote'], true FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, ord)
       RETURNING id)
     INSERT INTO contact_identities (account_id, contact_id, kind, value)
     SELECT $1, id, 'phone', '+55' || (11900000000 + (random() * 99999999)::bigint) || substr(id::text, 1, 4) FROM c`,
    [accountId, ids, name],
  );
  return ids;
}

export function indexerFor(
  config: Config,
  pool: Pool,
  typesense: TypesenseClient,
  options: { observer?: IndexObserver; leaseMs?: number; states?: ContactStateRepository } = {},
): ContactIndexer {
  return new ContactIndexer({
    outbox: new ContactIndexOutboxRepository(pool),
    states: options.states ?? new ContactStateRepository(pool),
    typesense,
    collection: config.typesense.collection,
    batchSize: config.contactIndex.batchSize,
    leaseMs: options.leaseMs ?? durationMs(config.contactIndex.lease),
    retry: { maxAttempts: config.contactIndex.maxAttempts, backoffMs: durationMs(config.contactIndex.retryBackoff) },
    observer: options.observer,
  });
}

/** A document as Typesense holds it (in its account's collection), or undefined when it has none. */
export async function readDocument(typesense: TypesenseClient, alias: string, accountId: string, id: string): Promise<Record<string, any> | undefined> {
  try {
    return (await typesense.collections(accountAlias(alias, accountId)).documents(id).retrieve()) as Record<string, any>;
  } catch (err) {
    if ((err as { httpStatus?: number }).httpStatus === 404) return undefined;
    throw err;
  }
}

/** Which of `ids` have a document, with its revision. */
export async function indexedRevisions(typesense: TypesenseClient, alias: string, accountId: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const exported = await typesense
    .collections(accountAlias(alias, accountId))
    .documents()
    .export({ include_fields: 'id,revision' })
    .catch((err: { httpStatus?: number }) => {
      if (err.httpStatus === 404) return ''; // the account has no collection yet
      throw err;
    });
  for (const line of exported.split('\n').filter(Boolean)) {
    const doc = JSON.parse(line) as { id: string; revision: number };
    found.set(doc.id, doc.revision);
  }
  return found;
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function outboxCount(pool: Pool, accountId?: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM contact_index_outbox WHERE $1::uuid IS NULL OR account_id = $1',
    [accountId ?? null],
  );
  return Number(rows[0].n);
}

/** Removes the test's aliases and collections (`<alias>_…`: its accounts'), so runs leave nothing in Typesense. */
export async function dropTestCollections(typesense: TypesenseClient, alias: string): Promise<void> {
  for (const a of (await typesense.aliases().retrieve()).aliases) {
    if (a.name === alias || a.name.startsWith(`${alias}_`)) await typesense.aliases(a.name).delete().catch(() => {});
  }
  for (const c of await typesense.collections().retrieve()) {
    if (c.name.startsWith(`${alias}_`)) await typesense.collections(c.name).delete().catch(() => {});
  }
}
