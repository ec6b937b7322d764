import type { JsonSchema, OpenApiDocument } from './spec-document';

/**
 * Rewrites of the (fixed) spec that only a JSON Schema validator needs. They keep the
 * meaning of the OpenAPI text but express it in keywords Ajv evaluates:
 *
 *  1. `allOf: [{$ref: Base}, {additionalProperties: false, …}]` — the inner
 *     additionalProperties rejects every property of Base (Text/Audio/…Message all fail on
 *     `messaging_product`). The intent is "no properties beyond the union", which is
 *     `unevaluatedProperties: false` on the allOf holder.
 *  2. `discriminator.mapping` — Ajv ignores OpenAPI discriminators, so a oneOf reports every
 *     branch's errors and a mapping-only discriminator (TemplateComponent, ParameterObject)
 *     checks nothing. Each mapping becomes `if {tag: const} then {$ref: target}`, so the
 *     tagged variant alone is validated and errors name its fields. Variants that inherit
 *     from the holder (`allOf: [{$ref: Holder}]`) get a discriminator-free copy of the holder
 *     to inherit from, or validation would recurse forever.
 */
export function toValidationDocument(fixed: OpenApiDocument): OpenApiDocument {
  const doc = structuredClone(fixed);
  const schemas = doc.components.schemas;
  for (const [name, schema] of Object.entries(schemas)) {
    walk(schema, (node) => dispatchDiscriminator(node, node === schema ? name : undefined, schemas));
  }
  walk(doc.paths, (node) => dispatchDiscriminator(node, undefined, schemas));
  walk(doc, allOfUnevaluated);
  return doc;
}

type Node = Record<string, unknown>;
const SCHEMA_REF = '#/components/schemas/';

function isNode(value: unknown): value is Node {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function walk(node: unknown, visit: (o: Node) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!isNode(node)) return;
  visit(node);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'example' && key !== 'examples') walk(value, visit);
  }
}

function allOfUnevaluated(node: Node): void {
  if (!Array.isArray(node.allOf)) return;
  let closed = false;
  for (const member of node.allOf) {
    if (isNode(member) && member.additionalProperties === false && member.$ref === undefined) {
      delete member.additionalProperties;
      closed = true;
    }
  }
  if (closed) node.unevaluatedProperties = false;
}

function dispatchDiscriminator(node: Node, holderName: string | undefined, schemas: Record<string, JsonSchema>): void {
  const discriminator = node.discriminator;
  if (!isNode(discriminator)) return;
  delete node.discriminator;
  const tag = discriminator.propertyName;
  const mapping = discriminator.mapping;
  if (typeof tag !== 'string' || !isNode(mapping)) return;
  const entries = Object.entries(mapping).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) return;

  if (holderName) {
    const holderRef = SCHEMA_REF + holderName;
    const baseName = `${holderName}__base`;
    for (const [, target] of entries) {
      const variant = schemas[target.slice(SCHEMA_REF.length)];
      if (!variant || !Array.isArray(variant.allOf)) continue;
      for (const member of variant.allOf) {
        if (isNode(member) && member.$ref === holderRef) {
          if (!schemas[baseName]) schemas[baseName] = structuredClone(node);
          member.$ref = SCHEMA_REF + baseName;
        }
      }
    }
  }

  const targets = new Set(entries.map(([, target]) => target));
  if (Array.isArray(node.oneOf) && node.oneOf.every((m) => isNode(m) && typeof m.$ref === 'string' && targets.has(m.$ref))) {
    delete node.oneOf;
  }
  const properties = isNode(node.properties) ? node.properties : {};
  if (!properties[tag]) properties[tag] = { type: 'string', enum: entries.map(([value]) => value) };
  node.properties = properties;
  const required = Array.isArray(node.required) ? node.required : [];
  if (!required.includes(tag)) node.required = [...required, tag];
  const dispatch = entries.map(([value, target]) => ({
    if: { properties: { [tag]: { const: value } }, required: [tag] },
    then: { $ref: target },
  }));
  node.allOf = [...(Array.isArray(node.allOf) ? node.allOf : []), ...dispatch];
}
