import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { PoolClient } from 'pg';
import type { Config } from '../config/config';
import { CONFIG } from '../config/config.module';
import { ConflictError, InvalidFieldError, NotFoundError, PayloadTooLargeError } from '../common/errors';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { CHANNELS } from './index/contact-document';
import { identityKey, normaliseIdentity, type Identity } from './identities';
import { agentsNamed, applyContactWrite, parseContactWrite, type ContactWrite, type FieldError } from './contact-writes';
import { ContactRow, ContactsRepository } from './contacts.repository';
import {
  UpsertContactDto,
  type BulkItemResultView,
  type BulkUpsertResultView,
  type PatchContactDto,
  type ContactView,
  type ListContactsQuery,
} from './contacts.dto';

export function contactView(row: ContactRow): ContactView {
  const activity = (channel: string) => row.activity.find((a) => a.channel === channel);
  const iso = (t: string | Date | null | undefined) => (t ? new Date(t).toISOString() : null);
  return {
    id: row.id,
    name: row.name,
    identities: row.identities.map((i) => ({ type: i.kind, value: i.value })),
    wa_id: row.wa_id,
    status: row.status,
    tags: row.tags,
    assigned_agent_id: row.assigned_agent_id,
    involved_agent_ids: row.involved_agent_ids,
    reachability: {
      whatsapp: row.whatsapp_reachable,
      app: row.app_installed,
      email: row.email_reachable,
      telegram: row.telegram_reachable,
    },
    opt_ins: row.opt_ins,
    order_number: row.order_number,
    quote_value: row.quote_value === null ? null : Number(row.quote_value),
    quote_status: row.quote_status,
    erp_synced_at: iso(row.erp_synced_at),
    attributes: row.attributes,
    channels: Object.fromEntries(
      CHANNELS.map((c) => [c, { last_inbound_at: iso(activity(c)?.last_inbound_at), last_outbound_at: iso(activity(c)?.last_outbound_at) }]),
    ) as unknown as ContactView['channels'],
    revision: Number(row.revision),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** One write of a request: an upsert, or a PATCH (which must find the contact). */
interface WriteRequest {
  index: number;
  write: ContactWrite;
  mustExist: boolean;
}

type Outcome =
  | { index: number; status: 'created' | 'updated'; id: string }
  | { index: number; status: 'failed'; id: string | null; code: 404 | 409 | 422; errors: FieldError[] };

@Injectable()
export class ContactsService {
  constructor(
    private readonly repository: ContactsRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  /** POST /v1/contacts: by id, or by any identity, or new. Nothing is written when any part is wrong. */
  async upsert(accountId: string, dto: UpsertContactDto): Promise<{ created: boolean; contact: ContactView }> {
    const outcome = await this.writeOne(accountId, dto, false);
    return { created: outcome.status === 'created', contact: await this.get(accountId, outcome.id) };
  }

  /** PATCH /v1/contacts/{id}: only the given fields change. */
  async patch(accountId: string, id: string, dto: PatchContactDto): Promise<ContactView> {
    const outcome = await this.writeOne(accountId, { ...dto, id }, true);
    return this.get(accountId, outcome.id);
  }

  /** POST /v1/contacts/bulk: every valid item applied in one transaction, the others reported by index. */
  async bulk(accountId: string, items: Record<string, unknown>[]): Promise<BulkUpsertResultView> {
    const max = this.config.contacts.bulkMax;
    if (items.length > max) {
      throw new PayloadTooLargeError('contacts', `at most ${max} contacts per request (CONTACTS_BULK_MAX), got ${items.length}`);
    }
    const attributeTypes = await this.repository.attributeTypes(accountId);
    const results: BulkItemResultView[] = new Array(items.length);
    const writes: WriteRequest[] = [];
    items.forEach((item, index) => {
      const dto = plainToInstance(UpsertContactDto, item);
      const shape = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
      const errors = shape.flatMap((e) => fieldErrors(e));
      const parsed = errors.length ? undefined : parseContactWrite(dto, attributeTypes);
      errors.push(...(parsed?.errors ?? []));
      if (errors.length) results[index] = { index, status: 'failed', id: typeof item.id === 'string' ? item.id : null, errors };
      else writes.push({ index, write: parsed!.write, mustExist: false });
    });
    for (const o of await this.apply(accountId, writes)) {
      results[o.index] = { index: o.index, status: o.status, id: o.id, errors: o.status === 'failed' ? o.errors : [] };
    }
    const count = (status: string) => results.filter((r) => r.status === status).length;
    return { created: count('created'), updated: count('updated'), failed: count('failed'), results };
  }

  private async writeOne(accountId: string, dto: UpsertContactDto, mustExist: boolean) {
    const { write, errors } = parseContactWrite(dto, await this.repository.attributeTypes(accountId));
    if (errors.length) throw invalid(errors);
    const [outcome] = await this.apply(accountId, [{ index: 0, write, mustExist }]);
    if (outcome.status !== 'failed') return outcome;
    if (outcome.code === 404 && outcome.errors[0].field === 'id') throw new NotFoundError('contact', dto.id!);
    if (outcome.code === 409) throw new ConflictError(outcome.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    throw invalid(outcome.errors);
  }

  /** Applies the writes in one transaction; run again when Postgres picks it as a deadlock victim. */
  private async apply(accountId: string, writes: WriteRequest[]): Promise<Outcome[]> {
    if (writes.length === 0) return [];
    return this.repository.transaction((tx) => this.applyIn(tx, accountId, writes));
  }

  private async applyIn(tx: PoolClient, accountId: string, writes: WriteRequest[]): Promise<Outcome[]> {
    const identities = writes.flatMap((w) => w.write.identities);
    await this.repository.lock(tx, accountId, [
      ...writes.flatMap((w) => (w.write.id ? [`id:${w.write.id}`] : [])),
      ...identities.map(identityKey),
    ]);
    const owners = await this.repository.identityOwners(tx, accountId, identities);
    const candidates = new Set([...owners.values(), ...writes.flatMap((w) => (w.write.id ? [w.write.id] : []))]);
    const current = await this.repository.lockContacts(tx, accountId, [...candidates]);
    const givenIds = writes.flatMap((w) => (w.write.id && !current.has(w.write.id) ? [w.write.id] : []));
    const foreign = await this.repository.idsOfOtherAccounts(tx, accountId, givenIds);
    const agents = await this.repository.agentsOfAccount(tx, accountId, [...new Set(writes.flatMap((w) => agentsNamed(w.write)))]);

    const outcomes: Outcome[] = [];
    const created: Parameters<ContactsRepository['writeContacts']>[2] = [];
    const updated: Parameters<ContactsRepository['writeContacts']>[3] = [];
    const newIdentities: (Identity & { contactId: string })[] = [];
    /** Contacts and identities this request already writes, by the item that does. */
    const taken = new Map<string, number>();
    for (const { index, write, mustExist } of writes) {
      const fail = (code: 404 | 409 | 422, errors: FieldError[]) =>
        outcomes.push({ index, status: 'failed', id: write.id, code, errors });
      const holders = new Set(write.identities.flatMap((i) => (owners.has(identityKey(i)) ? [owners.get(identityKey(i))!] : [])));
      if (write.id) holders.add(write.id);
      const target = holders.size === 1 ? [...holders][0] : undefined;
      if (holders.size > 1) {
        fail(409, write.identities.flatMap((i) => {
          const owner = owners.get(identityKey(i));
          return owner && owner !== write.id ? [{ field: i.field, message: `${i.kind} ${i.value} belongs to contact ${owner}` }] : [];
        }));
        continue;
      }
      const exists = target !== undefined && current.has(target);
      if (mustExist && !exists) {
        fail(404, [{ field: 'id', message: `contact ${write.id} not found` }]);
        continue;
      }
      if (write.id && foreign.has(write.id)) {
        fail(409, [{ field: 'id', message: `${write.id} is already in use: choose another id, or leave it out` }]);
        continue;
      }
      const unknownAgents = agentsNamed(write).filter((a) => !agents.has(a));
      if (unknownAgents.length) {
        const field = write.set.assigned_agent_id && unknownAgents.includes(write.set.assigned_agent_id) ? 'assigned_agent_id' : 'involved_agent_ids';
        fail(422, [{ field, message: `no agent ${unknownAgents.join(', ')} in this account` }]);
        continue;
      }
      const id = target ?? randomUUID();
      const keys = [`id:${id}`, ...write.identities.map(identityKey)];
      const earlier = keys.map((k) => taken.get(k)).find((n) => n !== undefined);
      if (earlier !== undefined) {
        fail(409, [{ field: 'identities', message: `the same contact is already written by item ${earlier} of this request` }]);
        continue;
      }
      keys.forEach((k) => taken.set(k, index));
      const row = { ...applyContactWrite(exists ? current.get(id)! : null, write), id };
      (exists ? updated : created).push(row);
      for (const i of write.identities) if (!owners.has(identityKey(i))) newIdentities.push({ ...i, contactId: id });
      outcomes.push({ index, status: exists ? 'updated' : 'created', id });
    }
    await this.repository.writeContacts(tx, accountId, created, updated);
    await this.repository.addIdentities(tx, accountId, newIdentities);
    return outcomes;
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

  async list(accountId: string, query: ListContactsQuery): Promise<ContactView[]> {
    const given = ([['whatsapp', query.wa_id], ['phone', query.phone], ['email', query.email]] as const).filter(([, v]) => v !== undefined);
    if (given.length > 1) throw new InvalidFieldError(given[1][0], 'filter by one identity at a time (wa_id, phone or email)');
    let identity: Identity | undefined;
    if (given.length === 1) {
      const [kind, raw] = given[0];
      const normal = normaliseIdentity(kind, raw!);
      if (!normal.ok) throw new InvalidFieldError(kind === 'whatsapp' ? 'wa_id' : kind, normal.message);
      identity = { kind, value: normal.value };
    }
    return (await this.repository.list(accountId, { identity, limit: query.limit ?? DEFAULT_PAGE_SIZE })).map(contactView);
  }
}

/** The first field named by the error (InvalidFieldError prefixes it), the others after it. */
function invalid([first, ...others]: FieldError[]): InvalidFieldError {
  return new InvalidFieldError(first.field, [first.message, ...others.map((e) => `${e.field}: ${e.message}`)].join('; '));
}

/** class-validator's nested errors as flat `identities.0.value` fields. */
function fieldErrors(error: ValidationError, parent = ''): FieldError[] {
  const field = parent ? `${parent}.${error.property}` : error.property;
  return [
    ...Object.values(error.constraints ?? {}).map((message) => ({ field, message })),
    ...(error.children ?? []).flatMap((child) => fieldErrors(child, field)),
  ];
}
