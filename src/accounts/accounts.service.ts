import { Injectable } from '@nestjs/common';
import { generateApiKey } from '../common/auth';
import { ConflictError, NotFoundError } from '../common/errors';
import { AccountsRepository } from './accounts.repository';
import type { CreateAgentDto } from './accounts.dto';

@Injectable()
export class AccountsService {
  constructor(private readonly repository: AccountsRepository) {}

  async createAccount(name: string) {
    const generated = generateApiKey();
    const { account, apiKey } = await this.repository.createAccountWithKey(name, { name: 'default', ...generated });
    return { account, api_key: { ...apiKey, key: generated.key } };
  }

  async getAccount(accountId: string) {
    const account = await this.repository.findAccount(accountId);
    if (!account) throw new NotFoundError('account', accountId);
    return account;
  }

  async createAgent(accountId: string, dto: CreateAgentDto) {
    const generated = generateApiKey();
    const created = await this.repository.createAgentWithKey(
      accountId,
      { name: dto.name, email: dto.email.toLowerCase(), role: dto.role ?? 'agent' },
      { name: `agent ${dto.email.toLowerCase()}`, ...generated },
    );
    if (created === 'email-taken') throw new ConflictError(`email: an agent with ${dto.email} already exists`);
    return { agent: created.agent, api_key: { ...created.apiKey, key: generated.key } };
  }

  listAgents(accountId: string) {
    return this.repository.listAgents(accountId);
  }

  async createApiKey(accountId: string, name: string) {
    const generated = generateApiKey();
    const apiKey = await this.repository.createApiKey(accountId, { name, ...generated });
    return { ...apiKey, key: generated.key };
  }

  listApiKeys(accountId: string) {
    return this.repository.listApiKeys(accountId);
  }

  async revokeApiKey(accountId: string, keyId: string) {
    if (!(await this.repository.revokeApiKey(accountId, keyId))) throw new NotFoundError('api key', keyId);
  }
}
