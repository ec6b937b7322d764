import type { Client as TypesenseClient } from 'typesense';
import { ImportError } from 'typesense/lib/Typesense/Errors';
import { toContactDocument, type ContactState } from './contact-document';
import type { ContactStateRepository } from './contact-state.repository';
import type { ContactIndexOutboxRepository } from './outbox.repository';
import { accountAlias, aliasTarget, createContactsCollection, newCollectionName, swapAlias } from './contacts-collection';

/**
 * Rebuilds an account's contacts collection behind its alias without a gap in search: every contact is
 * streamed into a new collection while the alias still points at the old one (searches and the
 * live indexer keep using it), then contacts changed meanwhile are imported again, the alias is
 * swapped, what changed around the swap is marked dirty for the live indexer (which now writes to
 * the new collection, with its claims keeping an older state from overwriting a newer one), and
 * the old collection is dropped.
 */

export interface ReindexOptions {
  states: ContactStateRepository;
  outbox: ContactIndexOutboxRepository;
  typesense: TypesenseClient;
  /** config.typesense.collection: the account's alias is accountAlias(alias, accountId) */
  alias: string;
  /** contacts per page read and per import request */
  batchSize: number;
  progress?: (p: ReindexProgress) => void;
  /** called after each page of the full pass (tests change contacts here) */
  afterPage?: (collection: string) => Promise<void>;
}

export interface ReindexProgress {
  phase: 'full' | 'catch-up';
  done: number;
  total: number;
}

export interface ReindexResult {
  accountId: string;
  collection: string;
  previous: string | undefined;
  indexed: number;
  /** documents Typesense refused (the live indexer parks them when they change) */
  rejected: number;
  caughtUp: number;
  /** contacts changed around the swap, left to the live indexer */
  markedDirty: number;
  removed: number;
}

/** Writes that landed in a transaction begun before the reindex started carry an older updated_at. */
const CATCH_UP_MARGIN_MS = 60_000;

/** Every account's collection, one after the other; progress counts over all of them. */
export async function reindexAllContacts(options: ReindexOptions): Promise<ReindexResult[]> {
  const total = await options.states.count();
  const results: ReindexResult[] = [];
  let before = 0;
  for (const accountId of await options.states.accounts()) {
    const result = await reindexContacts(accountId, {
      ...options,
      progress: (p) => options.progress?.({ ...p, done: before + p.done, total: Math.max(total, before + p.done) }),
    });
    before += result.indexed + result.rejected;
    results.push(result);
  }
  return results;
}

export async function reindexContacts(accountId: string, options: ReindexOptions): Promise<ReindexResult> {
  const { states, typesense, batchSize } = options;
  const alias = accountAlias(options.alias, accountId);
  const report = options.progress ?? (() => {});
  const startedAt = await states.now();
  const collection = newCollectionName(alias);
  await createContactsCollection(typesense, collection);
  const result: ReindexResult = { accountId, collection, previous: undefined, indexed: 0, rejected: 0, caughtUp: 0, markedDirty: 0, removed: 0 };
  try {
    const total = await states.count(accountId);
    let after: string | null = null;
    for (;;) {
      const page = await states.page(accountId, after, batchSize);
      if (page.length === 0) break;
      const { indexed, rejected } = await importStates(typesense, collection, page);
      result.indexed += indexed;
      result.rejected += rejected;
      after = page[page.length - 1].id;
      report({ phase: 'full', done: result.indexed + result.rejected, total: Math.max(total, result.indexed + result.rejected) });
      await options.afterPage?.(collection);
    }

    const swapStartedAt = await states.now();
    result.caughtUp = await catchUp(accountId, options, collection, new Date(startedAt.getTime() - CATCH_UP_MARGIN_MS));
    result.previous = await swapAlias(typesense, alias, collection);
    // Between the catch-up and the swap the live indexer still wrote to the old collection.
    result.markedDirty = await options.outbox.markChangedSince(accountId, new Date(swapStartedAt.getTime() - CATCH_UP_MARGIN_MS));
    result.removed = await removeDeleted(states, typesense, collection);
  } catch (err) {
    // Not swapped: the half-built collection goes, the alias never saw it.
    if ((await aliasTarget(typesense, alias)) !== collection) await typesense.collections(collection).delete().catch(() => {});
    throw err;
  }
  if (result.previous && result.previous !== collection) await typesense.collections(result.previous).delete();
  return result;
}

async function importStates(typesense: TypesenseClient, collection: string, page: ContactState[]) {
  try {
    await typesense.collections(collection).documents().import(page.map(toContactDocument), { action: 'upsert' });
    return { indexed: page.length, rejected: 0 };
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    const rejected = err.importResults.filter((r) => r.success === false).length;
    return { indexed: page.length - rejected, rejected };
  }
}

/** Re-imports contacts changed since `since` (deleted ones lose their document); returns how many. */
async function catchUp(accountId: string, options: ReindexOptions, collection: string, since: Date): Promise<number> {
  const { states, typesense, batchSize } = options;
  let after: string | null = null;
  let done = 0;
  for (;;) {
    const ids = await states.changedSince(accountId, since, after, batchSize);
    if (ids.length === 0) return done;
    const found = await states.read(ids);
    if (found.length) await importStates(typesense, collection, found);
    const present = new Set(found.map((s) => s.id));
    await Promise.all(ids.filter((id) => !present.has(id)).map((id) => deleteDocument(typesense, collection, id)));
    done += ids.length;
    after = ids[ids.length - 1];
    options.progress?.({ phase: 'catch-up', done, total: done });
  }
}

/** Documents of contacts deleted while the full pass ran (their delete went to the old collection). */
async function removeDeleted(states: ContactStateRepository, typesense: TypesenseClient, collection: string): Promise<number> {
  const exported = await typesense.collections(collection).documents().export({ include_fields: 'id' });
  const ids = exported.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
  let removed = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const existing = await states.existing(chunk);
    const gone = chunk.filter((id) => !existing.has(id));
    await Promise.all(gone.map((id) => deleteDocument(typesense, collection, id)));
    removed += gone.length;
  }
  return removed;
}

async function deleteDocument(typesense: TypesenseClient, collection: string, id: string): Promise<void> {
  try {
    await typesense.collections(collection).documents(id).delete();
  } catch (err) {
    if ((err as { httpStatus?: number }).httpStatus !== 404) throw err;
  }
}

/** `12000/50000  24.0%  3.1k/s  ETA 12s` — one line, rewritten in place on a terminal. */
export function progressLine(p: ReindexProgress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (p.done * 1000) / elapsedMs : 0;
  const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '100.0';
  const eta = rate > 0 ? Math.ceil((p.total - p.done) / rate) : 0;
  const rateText = rate >= 1000 ? `${(rate / 1000).toFixed(1)}k/s` : `${Math.round(rate)}/s`;
  const width = 30;
  const filled = p.total > 0 ? Math.round((width * p.done) / p.total) : width;
  return `${p.phase.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}  ${pct}%  ${rateText}  ETA ${eta}s`;
}
