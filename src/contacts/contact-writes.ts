import type { AttributeType, ContactState, IdentityKind } from './index/contact-document';
import { identityKey, normaliseIdentity, type Identity } from './identities';
import type { PatchContactDto, UpsertContactDto } from './contacts.dto';

/**
 * What one contact write means, checked beyond what the request schema can say (identities in
 * their canonical form, declared attributes of their type), and how it merges into the row:
 * absent fields stay as they are, null clears, opt-ins and attributes change key by key.
 */

export interface FieldError {
  field: string;
  message: string;
}

/** The contacts columns a write sets: the contact's own fields, as the search document is built from them. */
export type ContactColumns = Omit<
  ContactState,
  'id' | 'account_id' | 'revision' | 'created_at' | 'updated_at' | 'identities' | 'activity' | 'attribute_types' | 'erp_synced_at'
> & { erp_synced_at: string | Date | null };

type Replaced = 'name' | 'status' | 'tags' | 'assigned_agent_id' | 'involved_agent_ids' | 'order_number' | 'quote_value' | 'quote_status' | 'erp_synced_at';
type ReachabilityColumn = 'whatsapp_reachable' | 'app_installed' | 'email_reachable' | 'telegram_reachable';

export interface ContactWrite {
  /** Upsert by id; otherwise matched by any identity, or created. */
  id: string | null;
  /** Canonical, each with the request field it came from. */
  identities: (Identity & { field: string })[];
  set: Partial<Pick<ContactColumns, Replaced>>;
  reachability: Partial<Record<ReachabilityColumn, boolean>>;
  optIns: Record<string, boolean | null>;
  attributes: Record<string, unknown>;
}

const REACHABILITY: Record<'whatsapp' | 'app' | 'email' | 'telegram', ReachabilityColumn> = {
  whatsapp: 'whatsapp_reachable',
  app: 'app_installed',
  email: 'email_reachable',
  telegram: 'telegram_reachable',
};

/** A new contact is reachable on the channels it gave an identity for, unless the write says otherwise. */
const REACHED_THROUGH: Partial<Record<IdentityKind, ReachabilityColumn>> = {
  whatsapp: 'whatsapp_reachable',
  email: 'email_reachable',
  telegram: 'telegram_reachable',
  app: 'app_installed',
};

const TAG_MAX = 64;
const CATEGORY = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const STRING_ATTRIBUTE_MAX = 1000;
const LIST_ATTRIBUTE_ITEMS = 100;

export function parseContactWrite(
  dto: UpsertContactDto | PatchContactDto,
  attributeTypes: Record<string, AttributeType>,
): { write: ContactWrite; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const upsert = dto as UpsertContactDto;
  const write: ContactWrite = { id: upsert.id ?? null, identities: [], set: {}, reachability: {}, optIns: {}, attributes: {} };

  const given = [...(dto.identities ?? []).map((i, n) => ({ ...i, field: `identities.${n}.value` }))];
  if (upsert.wa_id) given.push({ type: 'whatsapp', value: upsert.wa_id, field: 'wa_id' });
  if (!write.id && given.length === 0) {
    errors.push({ field: 'identities', message: 'give the contact an id or at least one identity (or wa_id) to find it by' });
  }
  const seen = new Set<string>();
  for (const g of given) {
    const normal = normaliseIdentity(g.type, g.value);
    if (!normal.ok) {
      errors.push({ field: g.field, message: normal.message });
      continue;
    }
    const identity = { kind: g.type, value: normal.value, field: g.field };
    if (seen.has(identityKey(identity))) continue;
    seen.add(identityKey(identity));
    write.identities.push(identity);
  }

  for (const field of ['name', 'status', 'assigned_agent_id', 'order_number', 'quote_status'] as const) {
    if (dto[field] !== undefined) write.set[field] = dto[field];
  }
  if (dto.tags !== undefined) {
    const tags = [...new Set((dto.tags ?? []).map((t) => t.trim()))];
    const bad = tags.findIndex((t) => t.length === 0 || t.length > TAG_MAX);
    if (bad >= 0) errors.push({ field: `tags.${bad}`, message: `must be 1 to ${TAG_MAX} characters` });
    write.set.tags = tags;
  }
  if (dto.involved_agent_ids !== undefined) write.set.involved_agent_ids = [...new Set(dto.involved_agent_ids ?? [])];
  if (dto.quote_value !== undefined) write.set.quote_value = dto.quote_value === null ? null : Math.round(dto.quote_value * 100) / 100;
  if (dto.erp_synced_at !== undefined) {
    const at = dto.erp_synced_at === null ? null : parseTime(dto.erp_synced_at);
    if (at === undefined) errors.push({ field: 'erp_synced_at', message: 'must be a date-time (ISO 8601, e.g. 2026-12-01T10:00:00Z)' });
    else write.set.erp_synced_at = at;
  }
  for (const [channel, column] of Object.entries(REACHABILITY) as [keyof typeof REACHABILITY, ReachabilityColumn][]) {
    const value = dto.reachability?.[channel];
    if (value !== undefined) write.reachability[column] = value === true;
  }
  for (const [category, value] of Object.entries(dto.opt_ins ?? {})) {
    if (!CATEGORY.test(category)) errors.push({ field: `opt_ins.${category}`, message: 'category must be 1 to 64 lower-case letters, digits, ".", "_" or "-"' });
    else if (value !== null && typeof value !== 'boolean') errors.push({ field: `opt_ins.${category}`, message: 'must be true, false or null' });
    else write.optIns[category] = value;
  }
  for (const [key, value] of Object.entries(dto.attributes ?? {})) {
    const type = attributeTypes[key];
    if (type === undefined) {
      errors.push({ field: `attributes.${key}`, message: 'is not a declared custom attribute of this account (PUT /v1/contact-attributes/{key} declares it)' });
      continue;
    }
    const checked = checkAttribute(type, value);
    if ('error' in checked) errors.push({ field: `attributes.${key}`, message: checked.error });
    else write.attributes[key] = checked.value;
  }
  return { write, errors };
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date or date-time as an ISO instant; days that do not exist (2027-02-30) are refused. */
function parseTime(value: string): string | undefined {
  const match = ISO_8601.exec(value.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function checkAttribute(type: AttributeType, value: unknown): { value: unknown } | { error: string } {
  if (value === null) return { value: null };
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.length >= 1 && value.length <= STRING_ATTRIBUTE_MAX
        ? { value }
        : { error: `must be a string of 1 to ${STRING_ATTRIBUTE_MAX} characters (declared string)` };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { value } : { error: 'must be a number (declared number)' };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { error: 'must be true or false (declared boolean)' };
    case 'date': {
      const at = typeof value === 'string' ? parseTime(value) : undefined;
      return at === undefined ? { error: 'must be a date or date-time in ISO 8601 (declared date)' } : { value: at };
    }
    case 'string_list':
      return Array.isArray(value) &&
        value.length <= LIST_ATTRIBUTE_ITEMS &&
        value.every((v) => typeof v === 'string' && v.length >= 1 && v.length <= STRING_ATTRIBUTE_MAX)
        ? { value: [...new Set(value as string[])] }
        : { error: `must be a list of at most ${LIST_ATTRIBUTE_ITEMS} non-empty strings (declared string_list)` };
  }
}

export const NEW_CONTACT: ContactColumns = {
  name: null,
  status: null,
  tags: [],
  assigned_agent_id: null,
  involved_agent_ids: [],
  whatsapp_reachable: false,
  app_installed: false,
  email_reachable: false,
  telegram_reachable: false,
  opt_ins: {},
  order_number: null,
  quote_value: null,
  quote_status: null,
  erp_synced_at: null,
  attributes: {},
};

/** The row after the write: `current` is null for a new contact. */
export function applyContactWrite(current: ContactColumns | null, write: ContactWrite): ContactColumns {
  const next: ContactColumns = { ...(current ?? NEW_CONTACT) };
  if (current === null) {
    for (const identity of write.identities) {
      const column = REACHED_THROUGH[identity.kind];
      if (column) next[column] = true;
    }
  }
  Object.assign(next, write.set, write.reachability);
  next.tags = next.tags ?? [];
  next.involved_agent_ids = next.involved_agent_ids ?? [];
  next.opt_ins = withoutNulls({ ...next.opt_ins, ...write.optIns }) as Record<string, boolean>;
  next.attributes = withoutNulls({ ...next.attributes, ...write.attributes });
  return next;
}

function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined));
}

/** Agents a write names, to check they belong to the account. */
export function agentsNamed(write: ContactWrite): string[] {
  return [...(write.set.assigned_agent_id ? [write.set.assigned_agent_id] : []), ...(write.set.involved_agent_ids ?? [])];
}
