import type { Client as TypesenseClient } from 'typesense';
import { ImportError } from 'typesense/lib/Typesense/Errors';
import type { ImportResponse } from 'typesense/lib/Typesense/Documents';
import { toContactDocument, type ContactDocument } from './contact-document';
import type { ContactStateRepository } from './contact-state.repository';
import type { ClaimedContact, ContactIndexOutboxRepository, IndexOutcome, RetryPolicy } from './outbox.repository';

export interface ContactIndexerOptions {
  outbox: ContactIndexOutboxRepository;
  states: ContactStateRepository;
  typesense: TypesenseClient;
  /** the alias (config.typesense.collection): a reindex swaps what it points at */
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
    const accountOf = new Map(claimed.map((c) => [c.contact_id, c.account_id]));
    const missing = claimed.map((c) => c.contact_id).filter((id) => !present.has(id));
    const outcomes: IndexOutcome[] = [];
    if (found.length) {
      const docs = found.map(toContactDocument);
      const results = await this.importDocuments(docs);
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
    await Promise.all(missing.map((id) => this.deleteDocument(id)));
    for (const id of missing) outcomes.push({ contactId: id, accountId: accountOf.get(id)!, result: 'deleted' });
    return outcomes;
  }

  private async importDocuments(docs: ContactDocument[]): Promise<ImportResponse[]> {
    try {
      return await this.options.typesense.collections(this.options.collection).documents().import(docs, { action: 'upsert' });
    } catch (err) {
      // Some documents were refused: the others are in. Each result line is one document, in order.
      if (err instanceof ImportError) return err.importResults;
      throw new TypesenseUnavailableError(err);
    }
  }

  private async deleteDocument(id: string): Promise<void> {
    try {
      await this.options.typesense.collections(this.options.collection).documents(id).delete();
    } catch (err) {
      if (!isNotFound(err)) throw new TypesenseUnavailableError(err);
    }
  }
}
