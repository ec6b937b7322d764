import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/**
 * Makes /docs/openapi.json say exactly what the API accepts and answers, from the same source the
 * API validates with: every class-validator rule on a DTO (uuid, integer, bounds, lengths,
 * patterns, enums, not-empty, no unknown properties) becomes the schema's constraint, and every
 * operation documents the errors it can answer, with one shared error schema. So the document
 * and the validation cannot drift apart, and an endpoint added later is described the same way.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenAPI documents are untyped JSON here
type Schema = Record<string, any>;
type Class = abstract new (...args: never[]) => unknown;
type Operation = { parameters?: Schema[]; requestBody?: Schema; responses: Record<string, Schema>; security?: unknown[]; operationId?: string };

export const ERROR_SCHEMA = 'ErrorBody';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: the message names each offending field',
  401: 'Missing or unknown API key',
  403: "The key's role may not do this",
  404: "Unknown id, or another account's",
  405: 'Method not allowed on this path',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  422: "Well-formed, but breaks a rule checked beyond this document (Meta's spec for message content, overlapping opening hours, a NUL character); the message names the field",
  429: 'A limit was reached; Retry-After and next_allowed_at say when to try again',
  502: 'The provider (Meta, LiveKit) refused or failed',
  503: 'A dependency (LiveKit) is unavailable; try again',
};

/**
 * The errors a controller's operations answer beyond the ones every operation documents
 * (400, 401/403 and 404 are added by completeContract). Each with the shared error schema.
 */
export function ApiErrors(...statuses: Array<keyof typeof ERROR_DESCRIPTIONS>) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] })));
}

/** Python's (schemathesis') `\d` is any Unicode digit, JavaScript's is 0-9: spell it out. */
function portablePattern(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && source[i + 1] === 'd') {
      out += inClass ? '0-9' : '[0-9]';
      i++;
    } else if (c === '\\') {
      out += c + (source[i + 1] ?? '');
      i++;
    } else {
      if (c === '[') inClass = true;
      if (c === ']') inClass = false;
      out += c;
    }
  }
  return out;
}

const storage = () => getMetadataStorage() as unknown as { validationMetadatas: Map<Class, ValidationMetadata[]> };
const validatedClasses = () => new Map([...storage().validationMetadatas.keys()].map((c) => [c.name, c]));

/**
 * A rule across properties that no property decorator can state (e.g. "`to` or `contact_id`"),
 * declared on the DTO next to its validators as `static readonly schemaRules`.
 */
export interface WithSchemaRules {
  schemaRules?: Schema;
}

/** Rules of one DTO class, parents' included (list queries extend PageQuery). */
function rulesByClass(): Map<string, Map<string, ValidationMetadata[]>> {
  const byClass = new Map<string, Map<string, ValidationMetadata[]>>();
  for (const target of validatedClasses().values()) {
    const rules = new Map<string, ValidationMetadata[]>();
    for (let t: Class | null = target; t && t !== Object && t !== Function.prototype; t = Object.getPrototypeOf(t) as Class | null) {
      for (const m of storage().validationMetadatas.get(t) ?? []) rules.set(m.propertyName, [...(rules.get(m.propertyName) ?? []), m]);
    }
    byClass.set(target.name, rules);
  }
  return byClass;
}

/** Applies one property's validation rules to its schema. */
function constrain(schema: Schema, rules: ValidationMetadata[]): void {
  if (schema.$ref || schema.allOf) return;
  for (const rule of rules) {
    // `{ each: true }` checks every item of an array (a repeatable query parameter).
    if (rule.each) {
      if (schema.type === 'array' && schema.items && !schema.items.$ref) constrain(schema.items, [{ ...rule, each: false }]);
      continue;
    }
    const [first, second] = rule.constraints ?? [];
    switch (rule.name) {
      case 'isUuid':
        schema.type = 'string';
        schema.format = 'uuid';
        break;
      case 'isInt':
        schema.type = 'integer';
        break;
      case 'min':
        schema.minimum = first;
        break;
      case 'max':
        schema.maximum = first;
        break;
      case 'isNotEmpty':
        if (schema.type === 'string' || schema.type === undefined) schema.minLength = Math.max(schema.minLength ?? 0, 1);
        if (schema.type === 'array') schema.minItems = Math.max(schema.minItems ?? 0, 1);
        break;
      case 'minLength':
        schema.minLength = first;
        break;
      case 'maxLength':
        schema.maxLength = first;
        break;
      case 'length':
        schema.minLength = first;
        if (second !== undefined) schema.maxLength = second;
        break;
      case 'matches':
        if (first instanceof RegExp && !first.flags) schema.pattern = portablePattern(first.source);
        break;
      case 'isIn':
        if (Array.isArray(first)) schema.enum = first;
        break;
      case 'isBoolean':
        schema.type = 'boolean';
        break;
      case 'isEmail':
        schema.format = 'email';
        break;
      case 'arrayMaxSize':
        schema.maxItems = first;
        break;
      case 'arrayMinSize':
        schema.minItems = first;
        break;
    }
  }
}

function constrainObject(schema: Schema, rules: Map<string, ValidationMetadata[]>): void {
  for (const [property, propertySchema] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const own = rules.get(property);
    if (!own) continue;
    constrain(propertySchema, own);
    // @IsOptional lets null through as well as a missing property.
    if (own.some((r) => r.name === 'isOptional') && !propertySchema.$ref) propertySchema.nullable = true;
  }
  // The ValidationPipe runs with forbidNonWhitelisted: an unknown property is a 400.
  schema.additionalProperties = false;
}

/** The query DTO of an operation: the validated class whose properties are exactly its query parameters. */
function queryRules(params: Schema[], byClass: Map<string, Map<string, ValidationMetadata[]>>) {
  const names = params.map((p) => p.name as string).sort().join(',');
  const candidates = [...byClass.values()].filter((rules) => [...rules.keys()].sort().join(',') === names);
  // Two query DTOs with the same parameter names (limit + status): the one whose enums are the documented ones.
  const sameEnums = (rules: Map<string, ValidationMetadata[]>) =>
    params.every((p) => {
      const documented = (p.schema as Schema | undefined)?.enum as unknown[] | undefined;
      if (!documented) return true;
      const isIn = rules.get(p.name as string)?.find((r) => r.name === 'isIn')?.constraints?.[0] as unknown[] | undefined;
      return !isIn || (isIn.length === documented.length && isIn.every((v) => documented.includes(v)));
    });
  return candidates.find(sameEnums) ?? candidates[0];
}

export function completeContract(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components ??= {}).schemas ??= {};
  const byClass = rulesByClass();
  const classes = validatedClasses();
  const requestBodies = new Set<string>();

  schemas[ERROR_SCHEMA] = {
    type: 'object',
    required: ['statusCode', 'message'],
    properties: {
      statusCode: { type: 'integer', minimum: 400, maximum: 599 },
      message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      error: { type: 'string' },
      field: { type: 'string', description: 'The offending field, when one is' },
      limit: { type: 'string', description: 'Which limit was reached (429)' },
      next_allowed_at: { type: 'string', format: 'date-time', description: 'When the limit allows the next try (429)' },
      errorId: { type: 'string', format: 'uuid', description: 'Logged with the details (500)' },
    },
  };

  for (const op of operations(document)) {
    const ref = bodyRef(op);
    if (ref) requestBodies.add(ref);
  }
  // Request bodies and every DTO they nest.
  const pending = [...requestBodies];
  const seen = new Set<string>();
  while (pending.length) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const schema = schemas[name] as Schema | undefined;
    const rules = byClass.get(name);
    if (!schema || !rules) continue;
    constrainObject(schema, rules);
    Object.assign(schema, (classes.get(name) as WithSchemaRules | undefined)?.schemaRules);
    for (const ref of JSON.stringify(schema.properties ?? {}).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? []) {
      pending.push(ref.split('/').pop()!);
    }
  }

  for (const op of operations(document)) documentOperation(op, schemas, byClass);
  return document;
}

/** Path parameters that are recado ids besides `*_id` (an `orderId` is the platform's, any text). */
const UUID_PATH_PARAMS = new Set(['id', 'storeId']);

/** Exact ids and query types, the errors the operation can answer, each with the shared schema. */
function documentOperation(op: Operation, schemas: Record<string, Schema>, byClass: Map<string, Map<string, ValidationMetadata[]>>) {
  // A header read with @Headers() is documented again, required, under its lower-case name: keep the explicit one.
  const explicitHeaders = new Set((op.parameters ?? []).filter((p) => p.in === 'header' && p.description).map((p) => String(p.name).toLowerCase()));
  op.parameters = (op.parameters ?? []).filter(
    (p) => !(p.in === 'header' && !p.description && explicitHeaders.has(String(p.name).toLowerCase())),
  );
  const params = op.parameters;
  for (const p of params) {
    // Path ids are parsed with ParseUUIDPipe (or a DTO with @IsUUID).
    if (p.in === 'path' && (UUID_PATH_PARAMS.has(String(p.name)) || String(p.name).endsWith('_id'))) p.schema = { type: 'string', format: 'uuid' };
  }
  const query = params.filter((p) => p.in === 'query');
  const rules = query.length ? queryRules(query, byClass) : undefined;
  for (const p of query) {
    const own = rules?.get(p.name);
    if (own && p.schema) constrain(p.schema, own);
  }
  const ref = bodyRef(op);

  const statuses = new Set<number>([400]);
  if (op.security === undefined || op.security.length > 0) statuses.add(401).add(403);
  // An id in the path, the query or the body may name nothing of this account's.
  const bodySchema = ref ? schemas[ref] : undefined;
  const namesAnId = params.some((p) => p.in === 'path' || p.schema?.format === 'uuid') || JSON.stringify(bodySchema ?? {}).includes('"uuid"');
  if (namesAnId) statuses.add(404);
  // Any JSON body: too large (413), or a string holding U+0000, which Postgres cannot store (422).
  if (op.requestBody) statuses.add(413).add(422);
  for (const status of statuses) {
    op.responses[status] ??= { description: ERROR_DESCRIPTIONS[status] };
  }
  for (const [status, response] of Object.entries(op.responses)) {
    if (Number(status) >= 400 && !response.content) {
      response.content = { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } } };
    }
  }
}

function operations(document: OpenAPIObject): Operation[] {
  return Object.values(document.paths).flatMap((item) =>
    METHODS.flatMap((m) => ((item as Record<string, Operation | undefined>)[m] ? [(item as Record<string, Operation>)[m]] : [])),
  );
}

/** The component name of an operation's JSON body, if it has one. */
function bodyRef(op: Operation): string | undefined {
  const ref: string | undefined = op.requestBody?.content?.['application/json']?.schema?.$ref;
  return ref?.split('/').pop();
}

/** Each documented path as a matcher with the methods it has, for answering others with 405. */
export function documentedMethods(document: OpenAPIObject): Array<{ pattern: RegExp; allow: string[]; params: number }> {
  return Object.entries(document.paths).map(([path, item]) => ({
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    params: (path.match(/\{/g) ?? []).length,
    allow: METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => m.toUpperCase()),
  }));
}
