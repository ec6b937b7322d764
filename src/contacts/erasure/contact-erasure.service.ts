import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Principal } from '../../common/auth';
import { NotFoundError } from '../../common/errors';
import { LOGGER } from '../../common/logger.module';
import { DEFAULT_PAGE_SIZE } from '../../common/page.dto';
import { ContactErasers } from './contact-eraser';
import { ContactErasureRepository, type ContactErasureRow, type ErasedBy } from './contact-erasure.repository';
import { ErasureSearchIndex, ErasureWorkflows } from './contact-erasure.outside';
import type { ContactErasureResult, ContactErasureView } from './contact-erasure.dto';

/**
 * The erasure's steps outside Postgres failed (Typesense or Temporal unreachable, too slow): the
 * data in Postgres is gone and the audit row stays incomplete; the same DELETE again finishes it.
 */
export class ErasureIncompleteError extends Error {
  constructor(
    readonly erasureId: string,
    readonly contactId: string,
    readonly step: 'search_document' | 'workflows' | 'recording_files',
  ) {
    super(`contact ${contactId} is erased from the database, but its ${step.replace('_', ' ')} could not be removed yet: repeat the DELETE to finish (erasure ${erasureId})`);
    this.name = 'ErasureIncompleteError';
  }
}

export function erasureView(row: ContactErasureRow): ContactErasureView {
  return {
    id: row.id,
    contact_id: row.contact_id,
    erased_by: row.erased_by,
    erased_at: row.erased_at,
    completed_at: row.completed_at,
    summary: row.summary,
  };
}

function erasedBy(principal: Principal): ErasedBy {
  return { role: principal.role, agent_id: principal.agentId };
}

/**
 * LGPD erasure of one contact. One transaction writes the audit row, runs every registered
 * eraser and deletes the contact; then, outside it, the search document and the contact's
 * Temporal workflows go, and the audit row is completed. A retry of an incomplete erasure
 * (the contact is gone, its audit row is not completed) runs only the outside steps again.
 */
@Injectable()
export class ContactErasureService {
  constructor(
    private readonly repository: ContactErasureRepository,
    private readonly erasers: ContactErasers,
    private readonly index: ErasureSearchIndex,
    private readonly workflows: ErasureWorkflows,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async erase(principal: Principal, contactId: string): Promise<ContactErasureResult> {
    const started = await this.repository.transaction(async (tx) => {
      const contact = await this.repository.lockContact(tx, principal.accountId, contactId);
      if (!contact) return undefined;
      const audit = await this.repository.insertErasure(tx, principal.accountId, contactId, erasedBy(principal));
      const refs = await this.repository.workflowRefs(tx, contact);
      const summary: Record<string, number> = {};
      for (const eraser of this.erasers.all()) summary[eraser.name] = await eraser.erase(tx, contact);
      summary.contacts = await this.repository.deleteContact(tx, contact);
      return { erasure: await this.repository.setSummary(tx, audit.id, summary), workflowIds: ErasureWorkflows.workflowIds(refs, contactId) };
    });
    const erasure = started?.erasure ?? (await this.repository.findIncomplete(principal.accountId, contactId));
    if (!erasure) throw new NotFoundError('contact', contactId);
    const done = await this.finishOutside(erasure, started?.workflowIds ?? []);
    return { erasure_id: done.id, contact_id: done.contact_id, summary: done.summary };
  }

  async list(accountId: string, limit = DEFAULT_PAGE_SIZE): Promise<ContactErasureView[]> {
    return (await this.repository.list(accountId, limit)).map(erasureView);
  }

  private async finishOutside(erasure: ContactErasureRow, knownWorkflowIds: string[]): Promise<ContactErasureRow> {
    const { account_id: accountId, contact_id: contactId } = erasure;
    try {
      let searchDocuments = 0;
      const outbox = await this.repository.releaseIndexEntry(accountId, contactId, async () => {
        searchDocuments = await this.index.deleteDocument(accountId, contactId);
      });
      this.logger.debug({ erasureId: erasure.id, outbox }, 'erased contact left the search index');
      await this.repository.addOutsideCounts(erasure.id, { search_documents: searchDocuments }, false);
    } catch (err) {
      this.logger.warn({ erasureId: erasure.id, err: (err as Error).message }, 'erasure: search document not deleted; incomplete');
      throw new ErasureIncompleteError(erasure.id, contactId, 'search_document');
    }
    for (const eraser of this.erasers.all()) {
      if (!eraser.eraseOutside) continue;
      try {
        await this.repository.addOutsideCounts(erasure.id, await eraser.eraseOutside(accountId, contactId), false);
      } catch (err) {
        this.logger.warn({ erasureId: erasure.id, eraser: eraser.name, err: (err as Error).message }, 'erasure: files not deleted; incomplete');
        throw new ErasureIncompleteError(erasure.id, contactId, 'recording_files');
      }
    }
    let workflows;
    try {
      workflows = await this.workflows.erase(accountId, contactId, knownWorkflowIds);
    } catch (err) {
      this.logger.warn({ erasureId: erasure.id, err: (err as Error).message }, 'erasure: workflows not ended; incomplete');
      throw new ErasureIncompleteError(erasure.id, contactId, 'workflows');
    }
    return this.repository.addOutsideCounts(erasure.id, { ...workflows }, true);
  }
}
