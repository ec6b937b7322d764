import { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ContactIndexer } from '../src/contacts/index/contact-indexer';
import type { ContactIndexOutboxRepository, OutboxBacklog } from '../src/contacts/index/outbox.repository';

export interface ContactIndexActivityDeps {
  indexer: ContactIndexer;
  outbox: ContactIndexOutboxRepository;
}

export interface DrainContactIndexResult {
  indexed: number;
  deleted: number;
  failed: number;
  parked: number;
  /** contacts ready to be drained when this drain stopped */
  remaining: number;
}

/** Drains the contact index outbox into Typesense (workflows/contact-indexer.workflow.ts runs them). */
export function createContactIndexActivities({ indexer, outbox }: ContactIndexActivityDeps) {
  return {
    /** Claim → index → finalize until nothing is ready or the budget is spent; heartbeats after every batch. */
    async drainContactIndex({ budgetMs }: { budgetMs: number }): Promise<DrainContactIndexResult> {
      const ctx = Context.current();
      // Unique per attempt: a retried drain must not finalize what its dead predecessor claimed.
      const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
      const documents = ctx.metricMeter.createCounter('recado_contact_index_documents_total', 'documents', 'Contact documents written to Typesense, by result');
      const result = await indexer.drain(owner, budgetMs, (total, batch) => {
        documents.add(batch.indexed, { result: 'indexed' });
        documents.add(batch.deleted, { result: 'deleted' });
        documents.add(batch.failed, { result: 'rejected' });
        documents.add(batch.parked, { result: 'parked' });
        ctx.heartbeat(total);
      });
      const { readyBacklog } = await outbox.backlog();
      return { indexed: result.indexed, deleted: result.deleted, failed: result.failed, parked: result.parked, remaining: readyBacklog };
    },

    async contactIndexBacklog(): Promise<OutboxBacklog> {
      return outbox.backlog();
    },
  };
}

export type ContactIndexActivities = ReturnType<typeof createContactIndexActivities>;
