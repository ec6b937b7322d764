import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { ContactRow, ContactsRepository } from './contacts.repository';
import type { ContactView } from './contacts.dto';

export function contactView(row: ContactRow): ContactView {
  return {
    id: row.id,
    wa_id: row.wa_id,
    name: row.name,
    last_inbound_at: row.last_inbound_at,
    assigned_agent_id: row.assigned_agent_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

@Injectable()
export class ContactsService {
  constructor(private readonly repository: ContactsRepository) {}

  async upsert(accountId: string, waId: string, name?: string): Promise<ContactView> {
    return contactView(await this.repository.upsertByWaId(accountId, waId, name ?? null));
  }

  async get(accountId: string, id: string): Promise<ContactView> {
    const row = await this.repository.findById(accountId, id);
    if (!row) throw new NotFoundError('contact', id);
    return contactView(row);
  }

  async assignAgent(accountId: string, id: string, agentId: string | null): Promise<ContactView> {
    const row = await this.repository.assignAgent(accountId, id, agentId);
    if (!row) {
      if (await this.repository.findById(accountId, id)) throw new NotFoundError('agent', agentId!);
      throw new NotFoundError('contact', id);
    }
    return contactView(row);
  }

  async list(accountId: string, waId: string | undefined, limit = DEFAULT_PAGE_SIZE): Promise<ContactView[]> {
    return (await this.repository.list(accountId, { waId, limit })).map(contactView);
  }
}
