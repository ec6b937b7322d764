import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { loadSpec, resolveSpecPath, type LoadedSpec, type OpenApiDocument } from './spec-document';
import type { SpecFixReport } from './spec-fixes';
import { toValidationDocument } from './spec-transforms';

/**
 * Validates request bodies and webhook payloads against Meta's OpenAPI description
 * (with the fixes of spec-fixes.ts). The YAML is parsed once per process; each schema is
 * compiled on first use, so a caller pays only for the schemas it touches.
 */

export type ValidationResult = { ok: true } | { ok: false; errors: string[] };

/** Path templates of the endpoints recado uses, exactly as the spec spells them. */
export const META_PATHS = {
  messages: '/{Version}/{Phone-Number-ID}/messages',
  media: '/{Version}/{Phone-Number-ID}/media',
  calls: '/{Version}/{Phone-Number-ID}/calls',
  callPermissions: '/{Version}/{Phone-Number-ID}/call_permissions',
  settings: '/{Version}/{Phone-Number-ID}/settings',
  messageTemplates: '/{Version}/{WABA-ID}/message_templates',
  webhooks: '/whatsapp/webhooks',
} as const;

const MAX_ERRORS = 5;
const DOC_KEY = 'meta';

export class MetaSpec {
  readonly path: string;
  /** The fixed document (what the generated types describe). Treat as read-only. */
  readonly document: OpenApiDocument;
  readonly fixes: SpecFixReport[];
  readonly timings: LoadedSpec['timings'] & { prepareMs: number; compileMs: Record<string, number> };
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(loaded: LoadedSpec) {
    this.path = loaded.path;
    this.document = loaded.document;
    this.fixes = loaded.fixes;
    const t0 = performance.now();
    const validationDoc = toValidationDocument(loaded.document);
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    this.ajv.addSchema(validationDoc as object, DOC_KEY);
    this.timings = { ...loaded.timings, prepareMs: Math.round(performance.now() - t0), compileMs: {} };
  }

  static load(specPath: string = resolveSpecPath()): MetaSpec {
    return new MetaSpec(loadSpec(specPath));
  }

  validateSchema(componentName: string, data: unknown): ValidationResult {
    if (!this.document.components.schemas[componentName]) {
      throw new Error(`Meta spec has no schema components.schemas.${componentName}`);
    }
    return this.run(`#/components/schemas/${componentName}`, data);
  }

  validateRequestBody(method: string, pathTemplate: string, body: unknown): ValidationResult {
    const pointer = this.operationPointer(method, pathTemplate);
    const content = this.at(`${pointer}/requestBody/content`);
    if (!content || !('application/json' in content)) {
      throw new Error(`Meta spec has no JSON request body for ${method.toUpperCase()} ${pathTemplate}`);
    }
    return this.run(`${pointer}/requestBody/content/application~1json/schema`, body);
  }

  validateResponseBody(method: string, pathTemplate: string, status: number, body: unknown): ValidationResult {
    const pointer = `${this.operationPointer(method, pathTemplate)}/responses/${status}/content/application~1json/schema`;
    if (!this.at(pointer)) {
      throw new Error(`Meta spec has no JSON ${status} response for ${method.toUpperCase()} ${pathTemplate}`);
    }
    return this.run(pointer, body);
  }

  validateWebhookPayload(payload: unknown): ValidationResult {
    return this.validateSchema('WebhookPayload', payload);
  }

  /** One `entry[].changes[]` item. */
  validateWebhookChange(change: unknown): ValidationResult {
    return this.validateSchema('Change', change);
  }

  /** The `field` values the (fixed) spec describes. */
  webhookFields(): string[] {
    const field = (this.document.components.schemas.Change?.properties as Record<string, { enum?: string[] }>)?.field;
    return [...(field?.enum ?? [])];
  }

  /** Named examples of a request body, straight from the spec. */
  requestExamples(method: string, pathTemplate: string): Record<string, unknown> {
    const examples = this.at(`${this.operationPointer(method, pathTemplate)}/requestBody/content/application~1json/examples`);
    return Object.fromEntries(
      Object.entries((examples ?? {}) as Record<string, { value?: unknown }>).map(([k, v]) => [k, v.value]),
    );
  }

  private operationPointer(method: string, pathTemplate: string): string {
    const op = method.toLowerCase();
    if (!this.document.paths[pathTemplate]?.[op]) {
      throw new Error(`Meta spec has no operation ${method.toUpperCase()} ${pathTemplate}`);
    }
    return `#/paths/${escapePointer(pathTemplate)}/${op}`;
  }

  private at(pointer: string): Record<string, unknown> | undefined {
    let node: unknown = this.document;
    for (const raw of pointer.replace(/^#\//, '').split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!node || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
  }

  private run(pointer: string, data: unknown): ValidationResult {
    let validate = this.validators.get(pointer);
    if (!validate) {
      const t0 = performance.now();
      const uriPointer = pointer.split('/').map(encodeURIComponent).join('/').replace(/^%23/, '#');
      validate = this.ajv.getSchema(DOC_KEY + uriPointer);
      if (!validate) throw new Error(`cannot compile Meta spec schema ${pointer}`);
      this.validators.set(pointer, validate);
      this.timings.compileMs[pointer] = Math.round(performance.now() - t0);
    }
    if (validate(data)) return { ok: true };
    return { ok: false, errors: formatErrors(validate.errors ?? []) };
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface FieldError {
  path: string;
  depth: number;
  message: string;
}

/**
 * Ajv reports every failing branch of every oneOf/if. The most specific errors (deepest in
 * the data) are almost always the real ones — the shallower ones come from alternatives the
 * data was never meant to match — so only the deepest are kept, each naming its field.
 */
export function formatErrors(errors: ErrorObject[]): string[] {
  const relevant = errors.filter(
    (e) =>
      !['if', 'anyOf', 'allOf', 'not'].includes(e.keyword) &&
      !(e.keyword === 'oneOf' && !(e.params as { passingSchemas?: unknown }).passingSchemas),
  );
  const fieldErrors = (relevant.length ? relevant : errors).map(toFieldError);
  const deepest = Math.max(...fieldErrors.map((e) => e.depth));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of fieldErrors) {
    if (e.depth !== deepest) continue;
    const line = `${e.path}: ${e.message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out.slice(0, MAX_ERRORS);
}

function toFieldError(e: ErrorObject): FieldError {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as Record<string, unknown>;
  const extra =
    (params.missingProperty as string | undefined) ??
    (params.additionalProperty as string | undefined) ??
    (params.unevaluatedProperty as string | undefined);
  if (extra !== undefined) segments.push(extra);
  return { path: fieldPath(segments), depth: segments.length, message: describe(e) };
}

export function fieldPath(segments: string[]): string {
  if (segments.length === 0) return '(root)';
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describe(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'is not allowed here';
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'type':
      return `must be ${String(params.type)}`;
    default:
      return e.message ?? e.keyword;
  }
}

let shared: MetaSpec | undefined;

/** The process-wide spec (META_SPEC_PATH or the default path), loaded on first use. */
export function getMetaSpec(): MetaSpec {
  shared ??= MetaSpec.load();
  return shared;
}

export function validateRequestBody(method: string, pathTemplate: string, body: unknown): ValidationResult {
  return getMetaSpec().validateRequestBody(method, pathTemplate, body);
}

export function validateWebhookPayload(payload: unknown): ValidationResult {
  return getMetaSpec().validateWebhookPayload(payload);
}
