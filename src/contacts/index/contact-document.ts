import { createHash } from 'node:crypto';

/**
 * A contact as Typesense holds it: the one shape the indexer writes and search reads.
 * Postgres is the truth; this document is derived from it and can always be rebuilt.
 * Only features Typesense 0.24 supports (the local stack's server) are used.
 */

export const CHANNELS = ['whatsapp', 'email', 'telegram', 'app'] as const;
export type Channel = (typeof CHANNELS)[number];

export const IDENTITY_KINDS = ['phone', 'email', 'whatsapp', 'telegram', 'app'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'string_list'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** Custom attribute keys, as declared per account. */
export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * A custom attribute's field in the document carries its type in the name, so one collection
 * serves every account: `region` (string) → `ca_region_s`, `score` (number) → `ca_score_n`.
 */
const ATTRIBUTE_SUFFIX: Record<AttributeType, string> = { string: 's', number: 'n', boolean: 'b', date: 'd', string_list: 'sl' };

export function attributeField(key: string, type: AttributeType): string {
  return `ca_${key}_${ATTRIBUTE_SUFFIX[type]}`;
}

/** Everything the document is built from: the contact row and its parts, read in one go. */
export interface ContactState {
  id: string;
  account_id: string;
  name: string | null;
  status: string | null;
  tags: string[];
  assigned_agent_id: string | null;
  involved_agent_ids: string[];
  whatsapp_reachable: boolean;
  app_installed: boolean;
  email_reachable: boolean;
  telegram_reachable: boolean;
  /** category → opted in */
  opt_ins: Record<string, boolean>;
  order_number: string | null;
  /** numeric(16,2) arrives from pg as a string */
  quote_value: string | number | null;
  quote_status: string | null;
  erp_synced_at: Date | null;
  /** key → value (dates as ISO-8601 strings) */
  attributes: Record<string, unknown>;
  revision: number | string;
  created_at: Date;
  updated_at: Date;
  identities: { kind: IdentityKind; value: string }[];
  activity: { channel: Channel; last_inbound_at: Date | null; last_outbound_at: Date | null }[];
  /** The account's declared attributes: only these are indexed. */
  attribute_types: Record<string, AttributeType>;
}

type ActivityField = `last_${'inbound' | 'outbound'}_${Channel}`;

/** Times are epoch milliseconds (int64), so they filter by range and sort. */
export type ContactDocument = ContactDocumentFields & { [field in ActivityField]?: number } & {
  /** custom attributes: ca_<key>_<s|n|b|d|sl>, and their filter aids */
  [attribute: `ca_${string}`]: unknown;
  /** filter aids (schema v4): exact keys `<field>_k`, time buckets `<field>_day` and `<field>_d32` */
  [aid: `${string}_${'k' | 'day' | 'd32'}`]: unknown;
};

interface ContactDocumentFields {
  id: string;
  account_id: string;
  name?: string;
  /** digits only, no "+": phone identities and numeric WhatsApp ids */
  phones: string[];
  /**
   * Each phone's last 8 to n-1 digits: the number as people type it without country or area code
   * ("98765-4321") is a whole token, and any start of it a prefix, so no infix scan is needed.
   */
  phone_tails: string[];
  emails: string[];
  whatsapp_ids: string[];
  telegram_ids: string[];
  app_user_ids: string[];
  /** channels that reach the customer (`app`: the app is installed) */
  reachable: Channel[];
  opt_in: string[];
  opt_out: string[];
  tags: string[];
  status?: string;
  order_number?: string;
  /** the order number as one token (letters and digits, lower-case): "PED-2024-0042" → "ped20240042" */
  order_key?: string;
  quote_value?: number;
  /**
   * The quote's whole units: a range filter walks one index key per distinct value, so a range
   * over whole units walks ~100× fewer than one over cents (search-params quoteValueRange).
   */
  quote_value_floor?: number;
  /** The quote's thousands: a wide range walks these, and units and cents only at its ends. */
  quote_value_thousands?: number;
  quote_status?: string;
  assigned_agent_id?: string;
  involved_agent_ids: string[];
  erp_synced_at?: number;
  created_at: number;
  updated_at: number;
  revision: number;
}

export function activityField(direction: 'inbound' | 'outbound', channel: Channel): ActivityField {
  return `last_${direction}_${channel}`;
}

const REACHABILITY: [Channel, keyof ContactState][] = [
  ['whatsapp', 'whatsapp_reachable'],
  ['app', 'app_installed'],
  ['email', 'email_reachable'],
  ['telegram', 'telegram_reachable'],
];

/**
 * An order number as one token, so it is found whole: split at its dashes, a common prefix
 * ("PED") would be a token shared by every order.
 */
export function orderKey(orderNumber: string): string {
  return orderNumber.normalize('NFKD').replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
}

const SHORTEST_TAIL = 8;

export function phoneTails(digits: string): string[] {
  const tails: string[] = [];
  for (let n = SHORTEST_TAIL; n < digits.length; n++) tails.push(digits.slice(-n));
  return tails;
}

export function toContactDocument(state: ContactState): ContactDocument {
  const values = (kind: IdentityKind) => state.identities.filter((i) => i.kind === kind).map((i) => i.value);
  const phones = [...new Set([...values('phone'), ...values('whatsapp')].map((v) => v.replace(/\D/g, '')).filter(Boolean))];
  const doc: ContactDocument = {
    id: state.id,
    account_id: state.account_id,
    phones,
    phone_tails: [...new Set(phones.flatMap(phoneTails))],
    emails: values('email'),
    whatsapp_ids: values('whatsapp'),
    telegram_ids: values('telegram'),
    app_user_ids: values('app'),
    reachable: REACHABILITY.filter(([, column]) => state[column] === true).map(([channel]) => channel),
    opt_in: Object.keys(state.opt_ins).filter((c) => state.opt_ins[c] === true),
    opt_out: Object.keys(state.opt_ins).filter((c) => state.opt_ins[c] === false),
    tags: state.tags,
    involved_agent_ids: state.involved_agent_ids,
    created_at: state.created_at.getTime(),
    updated_at: state.updated_at.getTime(),
    revision: Number(state.revision),
  };
  if (state.name !== null) doc.name = state.name;
  if (state.status !== null) doc.status = state.status;
  if (state.order_number !== null) {
    doc.order_number = state.order_number;
    doc.order_key = orderKey(state.order_number);
  }
  if (state.quote_value !== null) {
    doc.quote_value = Number(state.quote_value);
    doc.quote_value_floor = Math.floor(doc.quote_value);
    doc.quote_value_thousands = Math.floor(doc.quote_value / 1000);
  }
  if (state.quote_status !== null) doc.quote_status = state.quote_status;
  if (state.assigned_agent_id !== null) doc.assigned_agent_id = state.assigned_agent_id;
  if (state.erp_synced_at !== null) doc.erp_synced_at = state.erp_synced_at.getTime();
  for (const a of state.activity) {
    if (a.last_inbound_at) doc[activityField('inbound', a.channel)] = a.last_inbound_at.getTime();
    if (a.last_outbound_at) doc[activityField('outbound', a.channel)] = a.last_outbound_at.getTime();
  }
  for (const [key, value] of Object.entries(state.attributes)) {
    const type = state.attribute_types[key];
    if (type === undefined || value === null || value === undefined) continue;
    doc[attributeField(key, type) as `ca_${string}`] = type === 'date' ? Date.parse(String(value)) : value;
  }
  return withFilterAids(doc);
}

type FieldType = 'string' | 'string[]' | 'int64' | 'float' | 'bool';
export interface CollectionField {
  [option: string]: unknown;
  name: string;
  type: FieldType;
  optional?: boolean;
  facet?: boolean;
  sort?: boolean;
  infix?: boolean;
}

const optional = (name: string, type: FieldType, extra: Partial<CollectionField> = {}): CollectionField => ({
  name,
  type,
  optional: true,
  ...extra,
});

/*
 * Filter aids (schema v4): index-only fields that keep filters cheap on Typesense 0.24, which
 * materialises every clause of a filter over the whole collection before intersecting them.
 * - Exact keys: `status:=x` checks token positions in every document that has the status's
 *   words; a value's key is one token, so `status_k:<key>` only reads a posting list (about twice
 *   as fast over 1M contacts). Keys compare values ignoring case, accents and repeated spaces.
 * - Range buckets: a range walks one index key per distinct value, and times are epoch ms (nearly
 *   all distinct). A time is also indexed by its day and its 32-day block, a quote by its units and
 *   thousands, so a range walks whole buckets and goes finer only at its two ends
 *   (search-params bucketedRange): a one-year range over 1M contacts went from ~300 ms to ~40 ms.
 */

/** The one-token key of a filterable string value. */
export function exactKey(value: string): string {
  const normal = value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');
  return `k${createHash('sha256').update(normal).digest('hex').slice(0, 32)}`;
}

export const keyField = (field: string) => `${field}_k`;

/** Built-in string fields filtered by exact value, with their types (custom string and string-list attributes too). */
const KEYED_FIELDS: Record<string, FieldType> = {
  status: 'string',
  quote_status: 'string',
  assigned_agent_id: 'string',
  involved_agent_ids: 'string[]',
  tags: 'string[]',
  opt_in: 'string[]',
  opt_out: 'string[]',
};

const DAY_MS = 86_400_000;

/** A level of a bucketed number: the field holding floor(value / size), sizes in the value's finest unit. */
export interface RangeLevel {
  field: string;
  size: number;
}

/** Times (epoch ms) filtered by range: coarse to fine, the last level the field itself. */
export function timeLevels(field: string): RangeLevel[] {
  return [
    { field: `${field}_d32`, size: 32 * DAY_MS },
    { field: `${field}_day`, size: DAY_MS },
    { field, size: 1 },
  ];
}

/** quote_value in cents: thousands, units, then the cents themselves (quote_value has 2 decimals). */
export const QUOTE_LEVELS: RangeLevel[] = [
  { field: 'quote_value_thousands', size: 100_000 },
  { field: 'quote_value_floor', size: 100 },
  { field: 'quote_value', size: 1 },
];

/** Built-in time fields filtered by range (custom date attributes too). */
export const BUCKETED_TIME_FIELDS = ['created_at', 'updated_at', 'erp_synced_at', ...CHANNELS.map((c) => activityField('inbound', c))];

const KEYED_ATTRIBUTE = /^ca_[a-z0-9_]+_(s|sl)$/;
const DATE_ATTRIBUTE = /^ca_[a-z0-9_]+_d$/;

function withFilterAids(doc: ContactDocument): ContactDocument {
  const aids: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(doc)) {
    if (field in KEYED_FIELDS || KEYED_ATTRIBUTE.test(field)) {
      if (typeof value === 'string') aids[keyField(field)] = exactKey(value);
      else if (Array.isArray(value)) aids[keyField(field)] = [...new Set((value as string[]).map(exactKey))];
    } else if ((BUCKETED_TIME_FIELDS.includes(field) || DATE_ATTRIBUTE.test(field)) && typeof value === 'number' && Number.isFinite(value)) {
      for (const level of timeLevels(field).slice(0, -1)) aids[level.field] = Math.floor(value / level.size);
    }
  }
  return Object.assign(doc, aids);
}

/** The aids' schema fields: index-only, never shown in a hit. */
export const FILTER_AID_FIELDS: CollectionField[] = [
  ...Object.entries(KEYED_FIELDS).map(([field, type]) => optional(keyField(field), type)),
  optional(keyField('ca_.*_s'), 'string'),
  optional(keyField('ca_.*_sl'), 'string[]'),
  optional('quote_value_thousands', 'int64'),
  ...[...BUCKETED_TIME_FIELDS, 'ca_.*_d'].flatMap((f) => timeLevels(f).slice(0, -1).map((l) => optional(l.field, 'int64'))),
];

/** The collection's schema. A change here needs `npm run contacts:reindex` (new collection, alias swap). */
export const CONTACT_COLLECTION_FIELDS: CollectionField[] = [
  { name: 'account_id', type: 'string' },
  optional('name', 'string', { sort: true }),
  optional('phones', 'string[]'),
  optional('phone_tails', 'string[]'),
  optional('emails', 'string[]'),
  optional('whatsapp_ids', 'string[]'),
  optional('telegram_ids', 'string[]'),
  optional('app_user_ids', 'string[]'),
  optional('reachable', 'string[]', { facet: true }),
  optional('opt_in', 'string[]', { facet: true }),
  optional('opt_out', 'string[]', { facet: true }),
  optional('tags', 'string[]', { facet: true }),
  optional('status', 'string', { facet: true, sort: true }),
  optional('order_number', 'string'),
  optional('order_key', 'string'),
  optional('quote_value', 'float'),
  optional('quote_value_floor', 'int64'),
  optional('quote_status', 'string', { facet: true, sort: true }),
  optional('assigned_agent_id', 'string', { facet: true }),
  optional('involved_agent_ids', 'string[]', { facet: true }),
  optional('erp_synced_at', 'int64'),
  ...CHANNELS.flatMap((c) => [optional(activityField('inbound', c), 'int64'), optional(activityField('outbound', c), 'int64')]),
  optional('ca_.*_s', 'string', { facet: true, sort: true }),
  optional('ca_.*_n', 'float'),
  optional('ca_.*_b', 'bool', { facet: true }),
  optional('ca_.*_d', 'int64'),
  optional('ca_.*_sl', 'string[]', { facet: true }),
  { name: 'created_at', type: 'int64' },
  { name: 'updated_at', type: 'int64' },
  { name: 'revision', type: 'int64' },
  ...FILTER_AID_FIELDS,
];

/** Fields free-text search looks for words in, in order of weight (phones hold digits only: a number is searched on its own). */
export const CONTACT_TEXT_FIELDS = ['name', 'emails', 'order_number', 'tags'] as const;

/** Bump when CONTACT_COLLECTION_FIELDS changes: collections are named `<alias>_v<version>_<timestamp>`. */
export const CONTACT_SCHEMA_VERSION = 4;
