import { PipedrivePacer } from './pacer';
import type { PipedriveConfig } from '../crm.config';
import {
  CrmRejectedError,
  type CreateActivityInput,
  type CreateDealInput,
  type CreateDealResult,
  type CrmDriver,
  type CrmId,
  type UpsertPersonInput,
  type UpsertPersonResult,
} from '../driver';
import { PipedriveClient } from './pipedrive.client';

/**
 * recado's CRM driver for Pipedrive, on API v2 for persons, deals and activities (v1's versions of
 * those went out of support in 2026) and v1 for notes (which have no v2). One instance per
 * account: the API token comes from the account's sealed settings.
 */

interface ContactEntry {
  value: string;
  primary?: boolean;
  label?: string;
}

interface PersonV2 {
  id: number;
  name: string;
  emails?: ContactEntry[];
  phones?: ContactEntry[];
}

interface PersonSearchItem {
  result_score?: number;
  item: { id: number; emails?: string[]; phones?: string[] };
}

interface DealV2 {
  id: number;
  owner_id: number;
  pipeline_id: number;
  stage_id: number;
  status: string;
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
// Pipedrive keeps phones as typed ("+55 11 9…", "(11) 9…"): compare digits.
const digits = (s: string) => s.replace(/\D/g, '');
const samePhone = (a: string, b: string) => digits(a) !== '' && digits(a) === digits(b);

function pipedriveId(id: CrmId, field: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CrmRejectedError(`Pipedrive ${field} must be a positive whole number, got "${id}"`, 0);
  return n;
}

export interface PipedriveDriverDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  pacer?: PipedrivePacer;
}

export class PipedriveDriver implements CrmDriver {
  private readonly client: PipedriveClient;

  constructor(config: PipedriveConfig, apiToken: string, deps: PipedriveDriverDeps = {}) {
    this.client = new PipedriveClient({
      apiUrl: config.apiUrl,
      apiToken,
      timeoutMs: config.requestTimeoutMs,
      rateLimitMaxWaitMs: config.rateLimitMaxWaitMs,
      rateLimitRetries: config.rateLimitRetries,
      queueMaxWaitMs: config.queueMaxWaitMs,
      ...deps,
    });
  }

  async upsertPerson(input: UpsertPersonInput): Promise<UpsertPersonResult> {
    const email = input.email?.trim() || undefined;
    const phone = input.phone?.trim() || undefined;
    // E-mail first: it identifies a person better than a phone shared by a household.
    let found = email ? await this.findPerson(email, 'email') : null;
    if (!found && phone) found = await this.findPerson(phone, 'phone');

    if (!found) {
      const body = {
        name: input.name,
        ...(email ? { emails: [{ value: email, primary: true, label: 'work' }] } : {}),
        ...(phone ? { phones: [{ value: phone, primary: true, label: 'mobile' }] } : {}),
      };
      const { data } = await this.client.request<PersonV2>('POST', '/api/v2/persons', { body, kind: 'person' });
      return { personId: String(data.id), created: true, updated: false };
    }

    const lacksEmail = email !== undefined && !(found.item.emails ?? []).some((e) => sameEmail(e, email));
    const lacksPhone = phone !== undefined && !(found.item.phones ?? []).some((p) => samePhone(p, phone));
    if (!lacksEmail && !lacksPhone) return { personId: String(found.item.id), created: false, updated: false };

    // PATCH replaces the whole list: read the person for its entries with their labels and primary flags.
    const { data: person } = await this.client.request<PersonV2>('GET', `/api/v2/persons/${found.item.id}`);
    const keep = (entries: ContactEntry[] | undefined) =>
      (entries ?? []).filter((e) => e.value).map((e) => ({ value: e.value, primary: e.primary === true, ...(e.label ? { label: e.label } : {}) }));
    const body: Record<string, unknown> = {};
    if (lacksEmail) {
      const emails = keep(person.emails);
      body.emails = [...emails, { value: email, primary: emails.length === 0, label: 'work' }];
    }
    if (lacksPhone) {
      const phones = keep(person.phones);
      body.phones = [...phones, { value: phone, primary: phones.length === 0, label: 'mobile' }];
    }
    await this.client.request<PersonV2>('PATCH', `/api/v2/persons/${found.item.id}`, { body, kind: 'person' });
    return { personId: String(found.item.id), created: false, updated: true };
  }

  async createDeal(input: CreateDealInput): Promise<CreateDealResult> {
    const body = {
      title: input.title,
      value: input.value,
      currency: input.currency,
      person_id: pipedriveId(input.personId, 'personId'),
      // Both when both are known: a stage of another pipeline is refused instead of guessed.
      ...(input.pipelineId !== undefined ? { pipeline_id: pipedriveId(input.pipelineId, 'pipelineId') } : {}),
      ...(input.stageId !== undefined ? { stage_id: pipedriveId(input.stageId, 'stageId') } : {}),
    };
    const { data } = await this.client.request<DealV2>('POST', '/api/v2/deals', { body, kind: 'addDeal' });
    return { dealId: String(data.id), ownerId: String(data.owner_id), pipelineId: String(data.pipeline_id), stageId: String(data.stage_id) };
  }

  async markDealWon(dealId: CrmId): Promise<void> {
    await this.client.request<DealV2>('PATCH', `/api/v2/deals/${pipedriveId(dealId, 'dealId')}`, { body: { status: 'won' }, kind: 'updateDeal' });
  }

  async createActivity(input: CreateActivityInput): Promise<{ activityId: CrmId; ownerId: CrmId }> {
    const dealId = pipedriveId(input.dealId, 'dealId');
    // Without owner_id Pipedrive assigns the token's user, who is rarely the salesperson.
    const ownerId = input.ownerId !== undefined ? pipedriveId(input.ownerId, 'ownerId') : Number(await this.dealOwner(input.dealId));
    const body = {
      subject: input.subject,
      deal_id: dealId,
      due_date: input.dueDate,
      owner_id: ownerId,
      ...(input.type ? { type: input.type } : {}),
    };
    const { data } = await this.client.request<{ id: number; owner_id: number }>('POST', '/api/v2/activities', { body, kind: 'addActivity' });
    return { activityId: String(data.id), ownerId: String(data.owner_id) };
  }

  async addNote(input: { dealId: CrmId; content: string }): Promise<{ noteId: CrmId }> {
    const body = { content: input.content, deal_id: pipedriveId(input.dealId, 'dealId') };
    const { data } = await this.client.request<{ id: number }>('POST', '/v1/notes', { body, kind: 'addNote' });
    return { noteId: String(data.id) };
  }

  async dealOwner(dealId: CrmId): Promise<CrmId> {
    const { data } = await this.client.request<DealV2>('GET', `/api/v2/deals/${pipedriveId(dealId, 'dealId')}`);
    return String(data.owner_id);
  }

  /** The best exact match on one field, or null. */
  private async findPerson(term: string, field: 'email' | 'phone'): Promise<PersonSearchItem | null> {
    const { data } = await this.client.request<{ items?: PersonSearchItem[] }>('GET', '/api/v2/persons/search', {
      query: { term, fields: field, exact_match: true, limit: 1 },
    });
    return data?.items?.[0] ?? null;
  }
}
