import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * The request bodies recado sends to Pipedrive, as JSON Schema transcribed from the official SDK's
 * generated models (github.com/pipedrive/client-nodejs v32: src/versions/v2/models/add-person-request.ts,
 * add-deal-request.ts, update-deal-request.ts, add-activity-request.ts; src/versions/v1/models/
 * add-note-request-all-of*.ts). Only the properties recado may send are listed: the driver checks
 * its bodies strictly (nothing unknown leaves), the simulator checks types and required fields and
 * lets unknown properties through, as Pipedrive does.
 */

type Schema = Record<string, unknown>;

const int = { type: 'integer' };
const str = { type: 'string' };
const bool = { type: 'boolean' };
const contactEntry = {
  type: 'object',
  required: ['value'],
  properties: { value: { type: 'string', minLength: 1 }, primary: bool, label: str },
  additionalProperties: false,
};
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };

export const PIPEDRIVE_REQUEST_SCHEMAS = {
  /** POST /api/v2/persons and PATCH /api/v2/persons/{id} (the SDK uses AddPersonRequest for both). */
  person: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      owner_id: int,
      org_id: int,
      emails: { type: 'array', items: contactEntry },
      phones: { type: 'array', items: contactEntry },
      visible_to: int,
      label_ids: { type: 'array', items: int },
      custom_fields: { type: 'object' },
    },
    additionalProperties: false,
  },
  /** POST /api/v2/deals: title is required. */
  addDeal: {
    type: 'object',
    required: ['title'],
    properties: {
      title: { type: 'string', minLength: 1 },
      owner_id: int,
      person_id: int,
      org_id: int,
      pipeline_id: int,
      stage_id: int,
      // v2 takes numbers only ("numeric fields do not convert strings").
      value: { type: 'number', minimum: 0 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      status: { enum: ['open', 'won', 'lost'] },
      expected_close_date: DATE,
      label_ids: { type: 'array', items: int },
      custom_fields: { type: 'object' },
    },
    additionalProperties: false,
  },
  /** PATCH /api/v2/deals/{id}. */
  updateDeal: {
    type: 'object',
    minProperties: 1,
    properties: {
      title: { type: 'string', minLength: 1 },
      owner_id: int,
      person_id: int,
      pipeline_id: int,
      stage_id: int,
      value: { type: 'number', minimum: 0 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      status: { enum: ['open', 'won', 'lost'] },
      lost_reason: { type: ['string', 'null'] },
    },
    additionalProperties: false,
  },
  /** POST /api/v2/activities: the SDK marks nothing required; the assignee is owner_id. */
  addActivity: {
    type: 'object',
    properties: {
      subject: { type: 'string', minLength: 1 },
      type: { type: 'string', minLength: 1 },
      owner_id: int,
      deal_id: int,
      lead_id: str,
      org_id: int,
      due_date: DATE,
      due_time: { type: 'string', pattern: '^\\d{2}:\\d{2}(:\\d{2})?$' },
      duration: { type: 'string', pattern: '^\\d{2}:\\d{2}(:\\d{2})?$' },
      busy: bool,
      done: bool,
      participants: {
        type: 'array',
        items: { type: 'object', required: ['person_id'], properties: { person_id: int, primary: bool }, additionalProperties: false },
      },
      note: str,
    },
    additionalProperties: false,
  },
  /** POST /v1/notes: content plus one of the items it is attached to; pinned flags are 0 or 1. */
  addNote: {
    type: 'object',
    required: ['content'],
    properties: {
      content: { type: 'string', minLength: 1 },
      deal_id: int,
      person_id: int,
      org_id: int,
      lead_id: str,
      user_id: int,
      pinned_to_deal_flag: { enum: [0, 1] },
    },
    anyOf: [{ required: ['deal_id'] }, { required: ['person_id'] }, { required: ['org_id'] }, { required: ['lead_id'] }],
    additionalProperties: false,
  },
} as const satisfies Record<string, Schema>;

export type PipedriveRequestKind = keyof typeof PIPEDRIVE_REQUEST_SCHEMAS;

/** The same schema without `additionalProperties: false`, at every level. */
function lenient(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lenient);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k, v]) => !(k === 'additionalProperties' && v === false)).map(([k, v]) => [k, lenient(v)]));
}

/** `body.emails[0].value must be string`: the first problem, naming the field. */
function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid body';
  const at = `body${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
  if (e.keyword === 'additionalProperties') return `${at}.${String(e.params.additionalProperty)} is not a documented field`;
  if (e.keyword === 'required') return `${at}.${String(e.params.missingProperty)} is required`;
  if (e.keyword === 'anyOf') return `${at} must name the item it is attached to (deal_id, person_id, org_id or lead_id)`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

export type BodyCheck = (kind: PipedriveRequestKind, body: unknown) => string | null;

/** A checker: null when `body` is valid for `kind`, else a message naming the field. */
export function pipedriveBodyChecker(mode: 'strict' | 'lenient'): BodyCheck {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const compiled = new Map<PipedriveRequestKind, ValidateFunction>();
  for (const [kind, schema] of Object.entries(PIPEDRIVE_REQUEST_SCHEMAS) as [PipedriveRequestKind, Schema][]) {
    compiled.set(kind, ajv.compile(mode === 'strict' ? schema : (lenient(schema) as Schema)));
  }
  return (kind, body) => {
    const validate = compiled.get(kind)!;
    return validate(body) ? null : describe(validate.errors);
  };
}
