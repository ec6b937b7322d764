import { Injectable } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE } from '../../common/page.dto';
import type { ContactIndexStatusView, ParkedContactsView } from './contact-index.dto';
import { ContactIndexOutboxRepository } from './outbox.repository';

/** How far search lags behind Postgres for an account, and what it left out. */
@Injectable()
export class ContactIndexService {
  constructor(private readonly outbox: ContactIndexOutboxRepository) {}

  async status(accountId: string): Promise<ContactIndexStatusView> {
    const [account, all] = await Promise.all([this.outbox.accountBacklog(accountId), this.outbox.backlog()]);
    return { backlog: account.backlog, lag_ms: account.oldestDirtyMs, parked: account.parked, drains_running: all.drainsRunning };
  }

  async parked(accountId: string, limit = DEFAULT_PAGE_SIZE): Promise<ParkedContactsView> {
    return { items: await this.outbox.parked(accountId, limit) };
  }
}
