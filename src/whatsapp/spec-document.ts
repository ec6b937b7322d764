import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { applySpecFixes, type SpecFixReport } from './spec-fixes';
import { findRepoRoot } from '../common/repo-root';

/**
 * Loads Meta's OpenAPI description of the WhatsApp Business Platform and applies the
 * documented fixes in spec-fixes.ts. The result feeds both the generated types
 * (scripts/gen-meta-types.mjs) and the runtime validators (spec.ts), so the two never
 * disagree. Only Node built-ins and `yaml` are imported here: the generator script loads
 * this file through a bare TypeScript transpile.
 */

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> } & Record<string, unknown>;
  [key: string]: unknown;
}

export interface LoadedSpec {
  path: string;
  document: OpenApiDocument;
  fixes: SpecFixReport[];
  timings: { readMs: number; parseMs: number; fixMs: number };
}

export const SPEC_FILE_NAME = 'whatsapp-business-messaging-api_v23.0.yaml';

/** META_SPEC_PATH, else the copy of Meta's spec vendored in `<repo>/vendor/meta/` (MIT, see its LICENSE). */
export function resolveSpecPath(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.META_SPEC_PATH;
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(findRepoRoot(), 'vendor', 'meta', SPEC_FILE_NAME);
}

export function loadSpec(specPath: string = resolveSpecPath()): LoadedSpec {
  const t0 = performance.now();
  let text: string;
  try {
    text = readFileSync(specPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read Meta OpenAPI spec at ${specPath} (set META_SPEC_PATH): ${(err as Error).message}`);
  }
  const t1 = performance.now();
  const document = parse(text, { maxAliasCount: -1 }) as OpenApiDocument;
  if (!document || typeof document !== 'object' || !document.paths || !document.components?.schemas) {
    throw new Error(`${specPath} is not an OpenAPI document with paths and components.schemas`);
  }
  const t2 = performance.now();
  const fixes = applySpecFixes(document);
  const t3 = performance.now();
  return {
    path: specPath,
    document,
    fixes,
    timings: { readMs: round(t1 - t0), parseMs: round(t2 - t1), fixMs: round(t3 - t2) },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
