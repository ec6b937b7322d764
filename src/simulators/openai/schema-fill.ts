/**
 * Builds a value that validates against a JSON schema (the subset Structured Outputs allows, plus
 * the common keywords around it), filling properties from `hints` by name when the hint fits and
 * generically otherwise: strings from the conversation's sentences, enums' first value, numbers at
 * their minimum, booleans false, arrays with their minimum count of items (at least one).
 */

type Schema = Record<string, unknown>;

export interface FillContext {
  /** Values by property name (e.g. the call summary's fields). */
  hints: Record<string, unknown>;
  /** Text to draw strings from, in order. */
  sentences: string[];
  today: Date;
}

const MAX_DEPTH = 12;

export function fillSchema(schema: unknown, context: FillContext): unknown {
  let next = 0;
  const nextSentence = () => {
    const s = context.sentences.length ? context.sentences[next % context.sentences.length] : 'recado OpenAI simulator';
    next += 1;
    return s;
  };
  const root = asSchema(schema);

  const resolve = (s: Schema): Schema => {
    const ref = typeof s.$ref === 'string' ? s.$ref : null;
    if (!ref || !ref.startsWith('#')) return s;
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      target = (target as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return asSchema(target);
  };

  const fill = (raw: Schema, name: string | null, depth: number): unknown => {
    const s = resolve(raw);
    const hint = name !== null ? context.hints[name] : undefined;
    if (hint !== undefined && fits(hint, s, resolve)) return hint;
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
    const branches = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null) as Schema[] | null;
    if (branches?.length) {
      const usable = branches.map(resolve).find((b) => b.type !== 'null') ?? branches[0];
      return fill(usable, name, depth + 1);
    }
    if (Array.isArray(s.allOf) && s.allOf.length > 0) return fill(Object.assign({}, ...(s.allOf as Schema[]).map(resolve)), name, depth + 1);
    const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
    const type = types.find((t) => t !== 'null') ?? types[0] ?? (s.properties ? 'object' : s.items ? 'array' : 'string');
    if (depth > MAX_DEPTH) return type === 'null' ? null : type === 'object' ? {} : type === 'array' ? [] : '';
    switch (type) {
      case 'null':
        return null;
      case 'boolean':
        return false;
      case 'integer':
      case 'number':
        return numberFor(s, type === 'integer');
      case 'array': {
        const min = typeof s.minItems === 'number' ? s.minItems : 0;
        const max = typeof s.maxItems === 'number' ? s.maxItems : Infinity;
        const count = Math.min(Math.max(min, 1), max);
        const items = asSchema(s.items);
        return Array.from({ length: count }, () => fill(items, null, depth + 1));
      }
      case 'object': {
        const properties = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [key, sub] of Object.entries(properties)) out[key] = fill(asSchema(sub), key, depth + 1);
        return out;
      }
      default:
        return stringFor(s, nextSentence, context.today);
    }
  };

  return fill(root, null, 0);
}

function asSchema(value: unknown): Schema {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : {};
}

function numberFor(s: Schema, integer: boolean): number {
  let n = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + (integer ? 1 : 0.5) : 0;
  if (typeof s.maximum === 'number' && n > s.maximum) n = s.maximum;
  if (typeof s.exclusiveMaximum === 'number' && n >= s.exclusiveMaximum) n = s.exclusiveMaximum - (integer ? 1 : 0.5);
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) n = Math.ceil(n / s.multipleOf) * s.multipleOf;
  return integer ? Math.ceil(n) : n;
}

function stringFor(s: Schema, nextSentence: () => string, today: Date): string {
  const iso = today.toISOString();
  const byFormat: Record<string, string> = {
    date: iso.slice(0, 10),
    'date-time': iso,
    time: iso.slice(11, 19),
    email: 'simulator@example.com',
    uri: 'https://example.com/',
    uuid: '00000000-0000-4000-8000-000000000000',
    duration: 'PT0S',
  };
  let value = (typeof s.format === 'string' && byFormat[s.format]) || nextSentence();
  if (typeof s.pattern === 'string' && !safeTest(s.pattern, value)) {
    const pattern = s.pattern;
    value = [sampleOf(pattern), 'x', '0', value.replace(/[^A-Za-z0-9]/g, '')].find((c) => c !== null && safeTest(pattern, c)) ?? value;
  }
  if (typeof s.maxLength === 'number' && value.length > s.maxLength) value = value.slice(0, s.maxLength);
  if (typeof s.minLength === 'number' && value.length < s.minLength) value = value.padEnd(s.minLength, '.');
  return value;
}

/**
 * A string for a simple pattern: a run of literals, `\d`, `\w`, `.`, `[...]` classes with
 * `{n}`, `{n,m}`, `+`, `*`, `?`. Null for anything with groups or alternation.
 */
function sampleOf(pattern: string): string | null {
  const body = pattern.replace(/^\^/, '').replace(/\$$/, '');
  if (/[()|]/.test(body)) return null;
  let out = '';
  for (let i = 0; i < body.length; ) {
    let unit: string;
    if (body[i] === '\\') {
      const c = body[i + 1] ?? '';
      unit = c === 'd' ? '0' : c === 'w' ? 'a' : c === 's' ? ' ' : c;
      i += 2;
    } else if (body[i] === '[') {
      const end = body.indexOf(']', i + 2);
      if (end === -1 || body[i + 1] === '^') return null;
      const inner = body.slice(i + 1, end);
      unit = inner[0] === '\\' ? (inner[1] === 'd' ? '0' : inner[1] === 'w' ? 'a' : inner[1]) : inner[0];
      i = end + 1;
    } else {
      unit = body[i] === '.' ? 'a' : body[i];
      i += 1;
    }
    let count = 1;
    const quantifier = /^(?:\{(\d+)(?:,\d*)?\}|[+*?])/.exec(body.slice(i));
    if (quantifier) {
      count = quantifier[1] !== undefined ? Number(quantifier[1]) : quantifier[0] === '+' ? 1 : 0;
      i += quantifier[0].length;
    }
    out += unit.repeat(count);
  }
  return out;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}

/** Whether a hint can stand for the property as it is (type, enum, null, array of strings…). */
function fits(value: unknown, raw: Schema, resolve: (s: Schema) => Schema): boolean {
  const s = resolve(raw);
  if (Array.isArray(s.enum)) return s.enum.includes(value);
  const branches = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null) as Schema[] | null;
  if (branches) return branches.some((b) => fits(value, b, resolve));
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length === 0) return true;
  return types.some((type) => {
    switch (type) {
      case 'null':
        return value === null;
      case 'string':
        return typeof value === 'string' && (typeof s.maxLength !== 'number' || value.length <= s.maxLength) && (typeof s.minLength !== 'number' || value.length >= s.minLength) && (typeof s.pattern !== 'string' || safeTest(s.pattern, value));
      case 'integer':
        return Number.isInteger(value);
      case 'number':
        return typeof value === 'number';
      case 'boolean':
        return typeof value === 'boolean';
      case 'array':
        return Array.isArray(value) && (typeof s.minItems !== 'number' || value.length >= s.minItems) && (typeof s.maxItems !== 'number' || value.length <= s.maxItems) && value.every((v) => fits(v, asSchema(s.items), resolve));
      case 'object':
        return false; // objects are always built from their own properties
      default:
        return false;
    }
  });
}
