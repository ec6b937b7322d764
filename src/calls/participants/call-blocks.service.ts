import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth';
import { NotFoundError } from '../../common/errors';
import { ContactsRepository } from '../../contacts/contacts.repository';
import type { CallBlockView } from './call-participants.dto';
import { BlockedCallersRepository, type CallBlockRow } from './blocked-callers.repository';

function blockView(contactId: string, row: CallBlockRow | undefined): CallBlockView {
  return { contact_id: contactId, blocked: row !== undefined, blocked_at: row?.blocked_at ?? null, blocked_by: row?.blocked_by ?? null };
}

/**
 * A customer blocked from calling (spam): their calls are rejected by the inbound-call flow.
 * Any agent may block or unblock — it is a decision taken on the call, reversible, and
 * recorded with its author.
 */
@Injectable()
export class CallBlocksService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly blocked: BlockedCallersRepository,
  ) {}

  async get(principal: Principal, contactId: string): Promise<CallBlockView> {
    await this.assertContact(principal.accountId, contactId);
    return blockView(contactId, await this.blocked.find(principal.accountId, contactId));
  }

  async block(principal: Principal, contactId: string): Promise<CallBlockView> {
    await this.assertContact(principal.accountId, contactId);
    return blockView(contactId, await this.blocked.block(principal.accountId, contactId, principal.agentId));
  }

  async unblock(principal: Principal, contactId: string): Promise<CallBlockView> {
    await this.assertContact(principal.accountId, contactId);
    await this.blocked.unblock(principal.accountId, contactId);
    return blockView(contactId, undefined);
  }

  private async assertContact(accountId: string, contactId: string): Promise<void> {
    if (!(await this.contacts.findById(accountId, contactId))) throw new NotFoundError('contact', contactId);
  }
}
