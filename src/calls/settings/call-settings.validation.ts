import { getMetaSpec, META_PATHS, validateRequestBody } from '../../whatsapp/spec';
import type { CallingSettings } from '../../whatsapp/types';
import { validateCallSettings } from '../policy';

/** One thing wrong with a call-settings body, the field named as in the body (`call_hours.timezone_id`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Meta's schema of the `calling` object of POST /{phone-number-id}/settings (see whatsapp/types CallingSettings). */
const CALLING_SCHEMA = 'CallingSettings_1';

/**
 * What is wrong with a `calling` object before it is saved and pushed to Meta, in three passes,
 * each only when the previous one found nothing: Meta's spec (shapes, enums, HHMM, ≤ 20
 * holidays), fields the spec does not know (it allows them; Meta's API refuses them), then the
 * rules a schema cannot say (≤ 2 non-overlapping ranges a day, opening before closing, an IANA
 * time zone, real dates).
 */
export function callSettingsProblems(body: unknown): FieldProblem[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return [{ field: 'body', message: "must be a JSON object: Meta's `calling` settings" }];
  }
  const spec = validateRequestBody('post', META_PATHS.settings, { calling: body });
  if (!spec.ok) return spec.errors.map(parseLine);
  const unknown = unknownFields(getMetaSpec().document.components.schemas[CALLING_SCHEMA] as Schema, body, '');
  if (unknown.length > 0) return unknown.map((field) => ({ field, message: "is not a field of Meta's calling settings" }));
  return validateCallSettings(body as CallingSettings).map(parseLine);
}

/** "calling.call_hours.status: must be …" → field relative to the body the client sent. */
function parseLine(line: string): FieldProblem {
  const at = line.indexOf(': ');
  const path = at < 0 ? '' : line.slice(0, at);
  const message = at < 0 ? line : line.slice(at + 2);
  const field = path.replace(/^calling\.?/, '').replace(/^\(root\)$/, '');
  return { field: field === '' ? 'body' : field, message };
}

type Schema = { $ref?: string; properties?: Record<string, Schema>; additionalProperties?: unknown; items?: Schema };

/** Properties in `data` that `schema` (with $refs into components.schemas) does not declare. */
function unknownFields(schema: Schema | undefined, data: unknown, path: string): string[] {
  const resolved = resolve(schema);
  if (!resolved || data === null || typeof data !== 'object') return [];
  if (Array.isArray(data)) {
    return resolved.items ? data.flatMap((item, i) => unknownFields(resolved.items, item, `${path}[${i}]`)) : [];
  }
  const properties = resolved.properties;
  if (!properties || resolved.additionalProperties !== undefined) return [];
  return Object.entries(data as Record<string, unknown>).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    return key in properties ? unknownFields(properties[key], value, at) : [at];
  });
}

function resolve(schema: Schema | undefined): Schema | undefined {
  const ref = schema?.$ref;
  if (!ref) return schema;
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  return name ? resolve(getMetaSpec().document.components.schemas[name] as Schema | undefined) : undefined;
}
