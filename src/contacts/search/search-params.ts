import {
  activityField,
  attributeField,
  CHANNELS,
  CONTACT_SCHEMA_VERSION,
  CONTACT_TEXT_FIELDS,
  exactKey,
  keyField,
  orderKey,
  QUOTE_LEVELS,
  timeLevels,
  type AttributeType,
  type Channel,
  type RangeLevel,
} from '../index/contact-document';

/**
 * Turns a validated GET /v1/contacts/search query into one Typesense search. Every user value is
 * checked against its type here and string values are backtick-quoted, so nothing the caller sends
 * can leave its clause; and the search runs in the caller's account's own collection.
 */

/** The account's declared custom attributes: key → type. */
export type AttributeDefs = ReadonlyMap<string, AttributeType>;

/**
 * `syntax`: the value breaks the documented grammar (400). `account`: well-formed, but does not fit
 * the account's declared attributes (unknown key, wrong type for the key): 422, since the published
 * document cannot know what an account declared.
 */
export class SearchParamError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly kind: 'syntax' | 'account',
  ) {
    super(`${field}: ${reason}`);
    this.name = 'SearchParamError';
  }
}

export interface ContactSearchParams {
  q?: string;
  status?: string[];
  tag?: string[];
  assigned_agent_id?: string;
  involved_agent_id?: string;
  reachable?: Channel[];
  opted_in?: string;
  opted_out?: string;
  quote_status?: string;
  quote_value_min?: number;
  quote_value_max?: number;
  order_number?: string;
  created_after?: string;
  created_before?: string;
  updated_after?: string;
  updated_before?: string;
  erp_synced_after?: string;
  erp_synced_before?: string;
  last_inbound_after?: string;
  last_inbound_before?: string;
  channel?: Channel;
  identity?: string;
  attr?: string[];
  sort?: string;
  page?: number;
  per_page?: number;
  facet_by?: string;
}

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
/** Typesense keeps page × per_page hits in memory: deeper than this, narrow the filters instead. */
export const MAX_PAGE = 1000;
export const MAX_FACET_VALUES = 20;

const KEY = '[a-z][a-z0-9_]{0,39}';
const NUMBER = '-?[0-9]{1,15}(\\.[0-9]{1,6})?';
const DATE = '[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?';
/** A filter value: anything but a backtick (it would end the quoted value). */
export const FILTER_VALUE = /^[^`]+$/;
/** `status=a,b`: any of. */
export const STATUS_LIST = /^[^`,]+(,[^`,]+)*$/;
/** `key:value`, `key:a|b`, `key:a..b`, `key>=n`, `key<=n`, `key>n`, `key<n` (n: a number or an ISO date). */
export const ATTR_FILTER = new RegExp(`^${KEY}(:[^\`]+|(>=|<=|>|<)(${NUMBER}|${DATE}))$`);
const NUMBER_VALUE = new RegExp(`^${NUMBER}$`);
const DATE_VALUE = new RegExp(`^${DATE}$`);

/** Sortable fields by API name → document field. */
const SORT_FIELDS: Record<string, string> = {
  name: 'name',
  created_at: 'created_at',
  updated_at: 'updated_at',
  quote_value: 'quote_value',
  erp_synced_at: 'erp_synced_at',
  status: 'status',
  ...Object.fromEntries(CHANNELS.flatMap((c) => [activityField('inbound', c), activityField('outbound', c)]).map((f) => [f, f])),
};
/** Facetable fields by API name → document field (the schema has `facet: true` on each). */
export const FACET_FIELDS: Record<string, string> = {
  status: 'status',
  tags: 'tags',
  reachable: 'reachable',
  opt_in: 'opt_in',
  opt_out: 'opt_out',
  quote_status: 'quote_status',
  assigned_agent_id: 'assigned_agent_id',
  involved_agent_ids: 'involved_agent_ids',
};
const alternatives = (names: string[]) => `(${names.join('|')}|attr\\.${KEY})`;
const SORT_ITEM = `${alternatives(Object.keys(SORT_FIELDS))}:(asc|desc)`;
export const SORT = new RegExp(`^${SORT_ITEM}(,${SORT_ITEM}){0,2}$`);
const FACET_ITEM = alternatives(Object.keys(FACET_FIELDS));
export const FACET_BY = new RegExp(`^${FACET_ITEM}(,${FACET_ITEM}){0,9}$`);
/** Attribute types the collection schema can sort by / facet on (`ca_.*_n` and `_d` have no facet). */
const SORTABLE_TYPES: AttributeType[] = ['string', 'number', 'date', 'boolean'];
const FACETABLE_TYPES: AttributeType[] = ['string', 'boolean', 'string_list'];

/** A value inside backticks; a backtick would end it, so it is refused. */
export function quote(value: string, field: string): string {
  if (value.includes('`')) throw new SearchParamError(field, 'must not contain a backtick (`)', 'syntax');
  return `\`${value}\``;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms of an RFC 3339 date-time (or a bare date, midnight UTC). A leap second counts as :59.999. */
export function parseTimestamp(value: string, field: string): number {
  const m = RFC3339.exec(value);
  const bad = () => new SearchParamError(field, `must be an RFC 3339 date-time (2024-05-01T12:00:00Z), got "${value}"`, 'syntax');
  if (!m) throw bad();
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const [month, day, hour, minute, second] = [mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) throw bad();
  const ms = second === 60 ? 999 : Math.floor(Number(`0${frac || '.0'}`) * 1000);
  let at = Date.UTC(Number(y), month - 1, day, hour, minute, Math.min(second, 59), ms);
  // Date.UTC maps years 0-99 to 1900-1999.
  if (Number(y) < 100) at = new Date(at).setUTCFullYear(Number(y));
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [zh, zm] = zone.slice(1).split(':').map(Number);
    if (zh > 23 || zm > 59) throw bad();
    at -= sign * (zh * 60 + zm) * 60_000;
  }
  return at;
}

/** A q that looks like an order number (letters and digits in one word: PED-2024-0042), as its key. */
export function orderNumberKey(q: string): string | undefined {
  if (!/^[\p{L}\p{N}][\p{L}\p{N}._/-]*$/u.test(q) || !/\p{N}/u.test(q) || !/\p{L}/u.test(q)) return undefined;
  const key = orderKey(q);
  return key.length >= 3 ? key : undefined;
}

/** Digits of a q that looks like a phone number (+55 11 98765-4321, (11) 98765-4321, 987654321), else undefined. */
export function phoneDigits(q: string): string | undefined {
  if (!/^[+\d\s().-]+$/.test(q)) return undefined;
  const digits = q.replace(/\D/g, '');
  if (digits.length < 4) return undefined;
  const formatted = /[+(\s]/.test(q) || digits.length >= 8 || digits === q;
  return formatted ? digits : undefined;
}

function attributeClause(raw: string, defs: AttributeDefs, version: number): string {
  const param = 'attr';
  const match = /^([a-z][a-z0-9_]{0,39})(>=|<=|>|<|:)(.*)$/s.exec(raw);
  if (!match || !ATTR_FILTER.test(raw)) {
    throw new SearchParamError(param, `"${raw}" must look like key:value, key:a|b, key:a..b, key>=n, key<=n, key>n or key<n`, 'syntax');
  }
  const [, key, op, value] = match;
  const type = defs.get(key);
  if (!type) throw new SearchParamError(param, `unknown attribute "${key}": declare it with PUT /v1/contact-attributes/${key}`, 'account');
  const field = attributeField(key, type);
  const wrongType = (what: string) =>
    new SearchParamError(param, `attribute "${key}" is of type ${type}: ${what}`, 'account');
  const scalar = (v: string): string => {
    if (type === 'number') {
      if (!NUMBER_VALUE.test(v)) throw wrongType(`"${v}" is not a number`);
      return String(Number(v));
    }
    if (type === 'date') {
      if (NUMBER_VALUE.test(v) && !v.includes('.')) return String(Number(v)); // epoch ms, as in the document
      if (!DATE_VALUE.test(v)) throw wrongType(`"${v}" is not an ISO date`);
      return String(parseTimestamp(v, param));
    }
    if (type === 'boolean') {
      if (v !== 'true' && v !== 'false') throw wrongType(`"${v}" is not true or false`);
      return v;
    }
    return quote(v, param);
  };
  if (op !== ':') {
    if (type === 'date') {
      // Epoch ms are whole numbers: > x is >= x + 1.
      const at = Number(scalar(value));
      const [lo, hi] = op === '>' ? [at + 1, undefined] : op === '>=' ? [at, undefined] : op === '<' ? [undefined, at - 1] : [undefined, at];
      return anyOf(bucketedRange(lo, hi, timeLevelsOf(field, version)));
    }
    if (type !== 'number') throw wrongType(`${op} compares numbers and dates only`);
    return `${field}:${op}${scalar(value)}`;
  }
  const range = /^(.+?)\.\.(.+)$/.exec(value);
  if (range && (type === 'number' || type === 'date')) {
    const [from, to] = [scalar(range[1]), scalar(range[2])];
    if (Number(from) > Number(to)) throw new SearchParamError(param, `range ${value} of "${key}" ends before it starts`, 'syntax');
    if (type === 'date') return anyOf(bucketedRange(Number(from), Number(to), timeLevelsOf(field, version)));
    return `${field}:[${from}..${to}]`;
  }
  const values = [...new Set(value.split('|').filter((v) => v !== ''))];
  if (values.length === 0) throw wrongType('give a value after "key:"');
  if (type === 'boolean') return values.length === 1 ? `${field}:=${scalar(values[0])}` : `(${values.map((v) => `${field}:=${scalar(v)}`).join(' || ')})`;
  if (type === 'string' || type === 'string_list') return exactlyAnyOf(field, values, param, version);
  return `${field}:=[${values.map(scalar).join(',')}]`;
}

function sortBy(raw: string, defs: AttributeDefs): string {
  if (!SORT.test(raw)) {
    throw new SearchParamError('sort', `"${raw}" must be up to 3 comma-separated field:asc|desc over ${Object.keys(SORT_FIELDS).join(', ')}, attr.<key>`, 'syntax');
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of raw.split(',')) {
    const [name, direction] = item.split(':');
    let field = SORT_FIELDS[name];
    if (name.startsWith('attr.')) {
      const key = name.slice(5);
      const type = defs.get(key);
      if (!type) throw new SearchParamError('sort', `unknown attribute "${key}"`, 'account');
      if (!SORTABLE_TYPES.includes(type)) throw new SearchParamError('sort', `attribute "${key}" is a ${type}: it cannot be sorted by`, 'account');
      field = attributeField(key, type);
    }
    if (seen.has(field)) continue;
    seen.add(field);
    out.push(`${field}:${direction}`);
  }
  return out.join(',');
}

/** The facets asked for: API name → document field. */
export function facetFields(raw: string | undefined, defs: AttributeDefs): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined) return out;
  if (!FACET_BY.test(raw)) {
    throw new SearchParamError('facet_by', `"${raw}" must be a comma list of ${Object.keys(FACET_FIELDS).join(', ')}, attr.<key>`, 'syntax');
  }
  for (const name of raw.split(',')) {
    if (!name.startsWith('attr.')) {
      out.set(name, FACET_FIELDS[name]);
      continue;
    }
    const key = name.slice(5);
    const type = defs.get(key);
    if (!type) throw new SearchParamError('facet_by', `unknown attribute "${key}"`, 'account');
    if (!FACETABLE_TYPES.includes(type)) {
      throw new SearchParamError('facet_by', `attribute "${key}" is a ${type}: only ${FACETABLE_TYPES.join(', ')} attributes have facets`, 'account');
    }
    out.set(name, attributeField(key, type));
  }
  return out;
}

/**
 * from ≤ v ≤ to as one clause: Typesense 0.24 materialises each clause over the whole collection,
 * so `v:>=a && v:<=b` collects two large sets where `v:[a..b]` collects one (3× faster at 1M).
 */
function numberRange(field: string, from: string | undefined, to: string | undefined): string[] {
  if (from !== undefined && to !== undefined) return [`${field}:[${from}..${to}]`];
  if (from !== undefined) return [`${field}:>=${from}`];
  if (to !== undefined) return [`${field}:<=${to}`];
  return [];
}

/**
 * lo ≤ v ≤ hi over a value indexed at several granularities (levels, coarse to fine, the last of size 1;
 * bounds in that finest unit): whole buckets of the coarsest level that fit, then finer levels only for
 * what is left at either end. Typesense 0.24 walks one index key per distinct value of a range, so a
 * year of epoch-ms times walks ~12 blocks and two days' worth of ms instead of every instant.
 */
export function bucketedRange(
  lo: number | undefined,
  hi: number | undefined,
  levels: RangeLevel[],
  finest: (value: number) => string = String,
): string[] {
  const [level, ...finer] = levels;
  if (finer.length === 0) return numberRange(level.field, lo === undefined ? undefined : finest(lo), hi === undefined ? undefined : finest(hi));
  const size = level.size;
  const first = lo === undefined ? undefined : Math.ceil(lo / size);
  const last = hi === undefined ? undefined : Math.floor((hi + 1) / size) - 1;
  if (first !== undefined && last !== undefined && first > last) return bucketedRange(lo, hi, finer, finest);
  const clauses = numberRange(level.field, first?.toString(), last?.toString());
  if (lo !== undefined && lo < first! * size) clauses.push(...bucketedRange(lo, first! * size - 1, finer, finest));
  if (hi !== undefined && (last! + 1) * size <= hi) clauses.push(...bucketedRange((last! + 1) * size, hi, finer, finest));
  return clauses;
}

/** Clauses of which any may match, as one clause. */
const anyOf = (clauses: string[]): string => (clauses.length === 1 ? clauses[0] : `(${clauses.join(' || ')})`);

/** A time field's levels in a collection of `version` (day and 32-day buckets since schema v4). */
function timeLevelsOf(field: string, version: number): RangeLevel[] {
  return version >= 4 ? timeLevels(field) : [{ field, size: 1 }];
}

/** A string field equal to any of `values` (case, accents and repeated spaces aside): by the values' keys since schema v4. */
function exactlyAnyOf(field: string, values: string[], param: string, version: number): string {
  const quoted = values.map((v) => quote(v, param));
  if (version < 4) return `${field}:=[${quoted.join(',')}]`;
  // A key is one token: a token match is an exact match, without the position checks of `:=`.
  const keys = [...new Set(values.map(exactKey))];
  return keys.length === 1 ? `${keyField(field)}:${keys[0]}` : `${keyField(field)}:[${keys.join(',')}]`;
}

/** after ≤ t < before, over one field (epoch ms: before - 1 is the last instant before it). */
function timeRange(field: string, after: string | undefined, before: string | undefined, params: [string, string], version: number): string[] {
  const from = after === undefined ? undefined : parseTimestamp(after, params[0]);
  const to = before === undefined ? undefined : parseTimestamp(before, params[1]) - 1;
  const clauses = bucketedRange(from, to, timeLevelsOf(field, version));
  return clauses.length ? [anyOf(clauses)] : [];
}

function lastInboundClause(p: ContactSearchParams, version: number): string[] {
  const params: [string, string] = ['last_inbound_after', 'last_inbound_before'];
  if (p.channel !== undefined) {
    const field = activityField('inbound', p.channel);
    const range = timeRange(field, p.last_inbound_after, p.last_inbound_before, params, version);
    // channel alone: the customer has written on that channel.
    return range.length ? range : [anyOf(bucketedRange(0, undefined, timeLevelsOf(field, version)))];
  }
  if (p.last_inbound_after === undefined && p.last_inbound_before === undefined) return [];
  const perChannel = CHANNELS.map((c) => timeRange(activityField('inbound', c), p.last_inbound_after, p.last_inbound_before, params, version)[0]);
  return [anyOf(perChannel)];
}

function identityClause(value: string): string {
  const field = 'identity';
  const q = (v: string) => quote(v, field);
  const options = [`whatsapp_ids:=${q(value)}`, `telegram_ids:=${q(value)}`, `app_user_ids:=${q(value)}`];
  if (value.includes('@')) options.unshift(`emails:=${q(value.toLowerCase())}`);
  const digits = value.replace(/\D/g, '');
  if (/^[+\d\s().-]+$/.test(value) && digits) options.unshift(`phones:=${q(digits)}`);
  return `(${options.join(' || ')})`;
}

/** Every structured filter of the query, ANDed (without the account). */
export function filterClauses(p: ContactSearchParams, defs: AttributeDefs, options: PlanOptions = {}): string[] {
  const version = options.schemaVersion ?? CONTACT_SCHEMA_VERSION;
  const exactly = (field: string, value: string, param: string) => exactlyAnyOf(field, [value], param, version);
  const clauses: string[] = [];
  const statuses = (p.status ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  if (statuses.length) clauses.push(exactlyAnyOf('status', [...new Set(statuses)], 'status', version));
  for (const tag of new Set(p.tag ?? [])) clauses.push(exactly('tags', tag, 'tag'));
  if (p.assigned_agent_id !== undefined) clauses.push(exactly('assigned_agent_id', p.assigned_agent_id, 'assigned_agent_id'));
  if (p.involved_agent_id !== undefined) clauses.push(exactly('involved_agent_ids', p.involved_agent_id, 'involved_agent_id'));
  for (const channel of new Set(p.reachable ?? [])) {
    if (!CHANNELS.includes(channel)) throw new SearchParamError('reachable', `must be one of ${CHANNELS.join(', ')}`, 'syntax');
    // Channel names are single tokens: a token match is exact here, and twice as fast as `:=`.
    clauses.push(`reachable:${quote(channel, 'reachable')}`);
  }
  if (p.opted_in !== undefined) clauses.push(exactly('opt_in', p.opted_in, 'opted_in'));
  if (p.opted_out !== undefined) clauses.push(exactly('opt_out', p.opted_out, 'opted_out'));
  if (p.quote_status !== undefined) clauses.push(exactly('quote_status', p.quote_status, 'quote_status'));
  clauses.push(...quoteValueRange(p.quote_value_min, p.quote_value_max, version));
  if (p.order_number !== undefined) clauses.push(`order_number:=${quote(p.order_number, 'order_number')}`);
  clauses.push(...timeRange('created_at', p.created_after, p.created_before, ['created_after', 'created_before'], version));
  clauses.push(...timeRange('updated_at', p.updated_after, p.updated_before, ['updated_after', 'updated_before'], version));
  clauses.push(...timeRange('erp_synced_at', p.erp_synced_after, p.erp_synced_before, ['erp_synced_after', 'erp_synced_before'], version));
  clauses.push(...lastInboundClause(p, version));
  if (p.identity !== undefined) clauses.push(identityClause(p.identity));
  for (const raw of p.attr ?? []) clauses.push(attributeClause(raw, defs, version));
  return clauses;
}

/** A bound in whole cents, rounded inwards (quote_value has 2 decimals, so the comparison stays exact). */
function cents(n: number, round: 'ceil' | 'floor', field: string): number {
  if (!Number.isFinite(n)) throw new SearchParamError(field, 'must be a finite number', 'syntax');
  // 0.07 * 100 is 7.000000000000001: drop the binary noise before rounding.
  return Math[round](Number((n * 100).toFixed(6)));
}

const money = (c: number) => (c / 100).toFixed(2);

/**
 * min ≤ quote_value ≤ max, exact to the cent: whole thousands, then whole units, then cents only at
 * the two ends (a 1,000–20,000 range over 1M contacts walks 19 keys and a few hundred, not ~190k).
 * Collections before schema v4 have no thousands, before v3 no units either.
 */
function quoteValueRange(min: number | undefined, max: number | undefined, version: number): string[] {
  const lo = min === undefined ? undefined : cents(min, 'ceil', 'quote_value_min');
  const hi = max === undefined ? undefined : cents(max, 'floor', 'quote_value_max');
  if (lo === undefined && hi === undefined) return [];
  const levels = QUOTE_LEVELS.slice(version >= 4 ? 0 : version === 3 ? 1 : 2);
  return [anyOf(bucketedRange(lo, hi, levels, money))];
}

/** The Typesense search parameters (multi_search body entry, without the collection). */
export interface TypesenseSearch {
  q: string;
  query_by: string;
  num_typos?: string;
  /** per query_by field: whether the last word may be the start of a longer one */
  prefix?: string;
  filter_by?: string;
  sort_by: string;
  facet_by?: string;
  max_facet_values?: number;
  page: number;
  per_page: number;
  exhaustive_search: false;
}

export interface PlannedSearch {
  search: TypesenseSearch;
  /** API facet name → document field */
  facets: Map<string, string>;
}

export interface PlanOptions {
  /** The schema version of the collection searched (default: the current one); older ones lack some filter aids. */
  schemaVersion?: number;
}

/**
 * Words: the last one is completed as typed in names only (search as you type). E-mails, order
 * numbers and tags match whole words: completing a word there walks every e-mail token it starts
 * (`silva` → `silva1`, `silva2`, …), which tripled a name search over 1M contacts.
 */
const TEXT_PREFIX = CONTACT_TEXT_FIELDS.map((f) => String(f === 'name')).join(',');

/**
 * The search within one account's collection (accountAlias): tenants are apart by construction,
 * so no filter has to pick the account's documents out of everyone's.
 */
export function planSearch(p: ContactSearchParams, defs: AttributeDefs, options: PlanOptions = {}): PlannedSearch {
  const clauses = filterClauses(p, defs, options);
  const q = p.q?.trim() ?? '';
  const digits = q === '' ? undefined : phoneDigits(q);
  const order = q === '' || digits ? undefined : orderNumberKey(q);
  const text = q === '' ? '*' : (digits ?? order ?? q);
  const facets = facetFields(p.facet_by, defs);
  const search: TypesenseSearch = {
    q: text,
    // A phone number by its digits, without typos: whole (with country code) or as typed locally (a
    // tail), or the start of either.
    // An order number whole, as one token (its prefix alone would match every order).
    query_by: digits
      ? 'phones,phone_tails,order_key'
      : order
        ? 'order_key'
        : CONTACT_TEXT_FIELDS.join(','),
    ...(digits ? { num_typos: '0,0,0' } : order ? { num_typos: '0' } : { prefix: TEXT_PREFIX }),
    ...(clauses.length ? { filter_by: clauses.join(' && ') } : {}),
    sort_by: p.sort !== undefined ? sortBy(p.sort, defs) : text === '*' ? 'updated_at:desc' : '_text_match:desc,updated_at:desc',
    page: p.page ?? 1,
    per_page: p.per_page ?? DEFAULT_PER_PAGE,
    exhaustive_search: false,
  };
  if (facets.size) {
    search.facet_by = [...facets.values()].join(',');
    search.max_facet_values = MAX_FACET_VALUES;
  }
  return { search, facets };
}
