import type { Client as TypesenseClient } from 'typesense';
import { ImportError } from 'typesense/lib/Typesense/Errors';
import type { ImportResponse } from 'typesense/lib/Typesense/Documents';
import { toContactDocument, type ContactDocument } from './contact-document';
import { accountAlias, ensureContactsCollection } from './contacts-collection';
import type { ContactStateRepository } from './contact-state.repository';
import type { ClaimedContact, ContactIndexOutboxRepository, IndexOutcome, RetryPolicy } from './outbox.repository';

export interface ContactIndexerOptions {
  outbox: ContactIndexOutboxRepository;
  states: ContactStateRepository;
  typesense: TypesenseClient;
  /** config.typesense.collection: each account's documents go behind accountAlias(collection, account) */
  collection: string;
  batchSize: number;
  leaseMs: number;
  retry: RetryPolicy;
  /** told about every claim and finalize, for metrics and tests */
  observer?: IndexObserver;
}

export interface IndexObserver {
  claimed?(owner: string, contactIds: string[]): void;
  finalized?(owner: string, outcomes: IndexOutcome[]): void;
}

export interface BatchResult {
  claimed: number;
  indexed: number;
  deleted: number;
  /** rejected by Typesense this time (retried later or parked) */
  failed: number;
  parked: number;
}

export interface DrainResult extends Omit<BatchResult, 'claimed'> {
  batches: number;
  /** true when the drain stopped because the outbox had nothing ready, false when the budget ran out */
  empty: boolean;
}

/** Typesense could not be reached or answered for the whole request: the claimed batch was released. */
export class TypesenseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Typesense unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'TypesenseUnavailableError';
  }
}

const isNotFound = (err: unknown) => (err as { httpStatus?: number })?.httpStatus === 404;

/**
 * Drains the contact index outbox into Typesense: claim a batch, read the contacts' latest
 * committed state (after the claim, so a burst collapses into one write and an older state
 * can never overwrite a newer one), upsert or delete their documents, finalize.
 */
export class ContactIndexer {
  constructor(private readonly options: ContactIndexerOptions) {}

  async drainBatch(owner: string): Promise<BatchResult> {
    const { outbox, batchSize, leaseMs, retry, observer } = this.options;
    const claimed = await outbox.claim(owner, batchSize, leaseMs);
    const result: BatchResult = { claimed: claimed.length, indexed: 0, deleted: 0, failed: 0, parked: 0 };
    if (claimed.length === 0) return result;
    observer?.claimed?.(owner, claimed.map((c) => c.contact_id));
    let outcomes: IndexOutcome[];
    try {
      outcomes = await this.index(claimed);
    } catch (err) {
      // Nothing reached the index, or we cannot tell what did: hand the batch back untouched.
      await outbox.release(owner, claimed.map((c) => c.contact_id));
      observer?.finalized?.(owner, []);
      throw err instanceof TypesenseUnavailableError ? err : new TypesenseUnavailableError(err);
    }
    observer?.finalized?.(owner, outcomes);
    const summary = await outbox.finalize(owner, outcomes, retry);
    for (const o of outcomes) {
      if (o.result === 'indexed') result.indexed++;
      else if (o.result === 'deleted') result.deleted++;
      else result.failed++;
    }
    result.parked = summary.parked;
    return result;
  }

  /** Batches until nothing is ready or `budgetMs` is spent; `beat` is called after every batch. */
  async drain(owner: string, budgetMs: number, beat: (total: DrainResult, batch: BatchResult) => void = () => {}): Promise<DrainResult> {
    const deadline = Date.now() + budgetMs;
    const total: DrainResult = { indexed: 0, deleted: 0, failed: 0, parked: 0, batches: 0, empty: false };
    for (;;) {
      const batch = await this.drainBatch(owner);
      if (batch.claimed === 0) {
        total.empty = true;
        return total;
      }
      total.batches++;
      total.indexed += batch.indexed;
      total.deleted += batch.deleted;
      total.failed += batch.failed;
      total.parked += batch.parked;
      beat(total, batch);
      if (Date.now() >= deadline) return total;
    }
  }

  /** Writes the claimed contacts' documents; per-document rejections come back as outcomes. */
  private async index(claimed: ClaimedContact[]): Promise<IndexOutcome[]> {
    const found = await this.options.states.read(claimed.map((c) => c.contact_id));
    const present = new Set(found.map((s) => s.id));
    const missing = claimed.filter((c) => !present.has(c.contact_id));
    const outcomes: IndexOutcome[] = [];
    const byAccount = new Map<string, ContactDocument[]>();
    for (const doc of found.map(toContactDocument)) byAccount.set(doc.account_id, [...(byAccount.get(doc.account_id) ?? []), doc]);
    for (const [accountId, docs] of byAccount) {
      const results = await this.importDocuments(accountId, docs);
      docs.forEach((doc, i) => {
        const r = results[i];
        const ids = { contactId: doc.id, accountId: doc.account_id };
        outcomes.push(
          r?.success === false
            ? { ...ids, result: 'rejected', error: `${r.code ?? ''} ${r.error}`.trim() }
            : { ...ids, result: 'indexed' },
        );
      });
    }
    await Promise.all(missing.map((c) => this.deleteDocument(c.account_id, c.contact_id)));
    for (const c of missing) outcomes.push({ contactId: c.contact_id, accountId: c.account_id, result: 'deleted' });
    return outcomes;
  }

  /** Accounts whose collection is known to exist (created on an account's first document). */
  private readonly collections = new Set<string>();

  private async importDocuments(accountId: string, docs: ContactDocument[]): Promise<ImportResponse[]> {
    const alias = accountAlias(this.options.collection, accountId);
    try {
      if (!this.collections.has(alias)) {
        await ensureContactsCollection(this.options.typesense, alias);
        this.collections.add(alias);
      }
      return await this.options.typesense.collections(alias).documents().import(docs, { action: 'upsert' });
    } catch (err) {
      // Some documents were refused: the others are in. Each result line is one document, in order.
      if (err instanceof ImportError) return err.importResults;
      // Dropped behind our back (an erased account, an operator): created again next time.
      if (isNotFound(err)) this.collections.delete(alias);
      throw new TypesenseUnavailableError(err);
    }
  }

  private async deleteDocument(accountId: string, id: string): Promise<void> {
    try {
      await this.options.typesense.collections(accountAlias(this.options.collection, accountId)).documents(id).delete();
    } catch (err) {
      if (!isNotFound(err)) throw new TypesenseUnavailableError(err);
    }
  }
}
