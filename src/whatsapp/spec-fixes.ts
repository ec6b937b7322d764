import type { JsonSchema, OpenApiDocument } from './spec-document';
import { SUPPLEMENT_SCHEMAS } from './spec-supplement';
import { callPermissionLiveStatuses, webhookDocumentedVariants } from './spec-fixes-documented';

/**
 * Targeted corrections to Meta's OpenAPI file, applied in memory (the file itself is never
 * edited). Each fix says what is wrong and returns how many places it changed; a fix that
 * changes nothing is reported as not applied, which is the signal that Meta fixed (or moved)
 * the defect and the fix can go. Fixes that only matter to a JSON Schema validator (not to
 * types) live in spec-transforms.ts instead.
 */

export interface SpecFix {
  id: string;
  description: string;
  apply(doc: OpenApiDocument): number;
}

export interface SpecFixReport {
  id: string;
  description: string;
  changes: number;
}

const SCHEMA_REF = '#/components/schemas/';

function schemas(doc: OpenApiDocument): Record<string, JsonSchema> {
  return doc.components.schemas;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Walks every object below `node`, parents first. */
function walk(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  const o = obj(node);
  if (!o) return;
  visit(o);
  for (const value of Object.values(o)) walk(value, visit);
}

function addEnumValues(schema: Record<string, unknown> | undefined, values: string[]): number {
  const list = schema?.enum;
  if (!Array.isArray(list)) return 0;
  let added = 0;
  for (const v of values) {
    if (!list.includes(v)) {
      list.push(v);
      added++;
    }
  }
  return added;
}

function props(schema: unknown): Record<string, Record<string, unknown>> | undefined {
  return obj(obj(schema)?.properties) as Record<string, Record<string, unknown>> | undefined;
}

/**
 * The file was merged from per-endpoint files: colliding schema names got `_1`, `_2`…
 * suffixes but the `$ref`s (and discriminator mappings) were left pointing at the unsuffixed
 * name. E.g. the webhook's IncomingMessage refers to TextMessage (the *outbound* send
 * schema, which requires `to` and `recipient_type`) instead of TextMessage_2. Each source
 * file's schemas are contiguous, so a ref resolves to the same-named variant nearest in
 * document order to the schema that holds it.
 */
const refNameCollisions: SpecFix = {
  id: 'ref-name-collisions',
  description: 'resolve $ref/discriminator targets to the nearest `Name_N` variant of a colliding schema name',
  apply(doc) {
    const names = Object.keys(schemas(doc));
    const position = new Map(names.map((n, i) => [n, i]));
    const variants = new Map<string, string[]>();
    for (const name of names) {
      const base = name.replace(/_\d+$/, '');
      if (!position.has(base)) continue;
      variants.set(base, [...(variants.get(base) ?? []), name]);
    }
    const nearest = (target: string, holderIndex: number): string => {
      const options = variants.get(target);
      if (!options || options.length < 2) return target;
      let best = target;
      let bestDistance = Infinity;
      for (const option of options) {
        if (option === names[holderIndex]) continue; // `X_1: {$ref: X}` is an alias of X, never of itself
        const d = Math.abs((position.get(option) ?? 0) - holderIndex);
        if (d < bestDistance) {
          best = option;
          bestDistance = d;
        }
      }
      return best;
    };
    const rewrite = (value: unknown, holderIndex: number): string | undefined => {
      if (typeof value !== 'string' || !value.startsWith(SCHEMA_REF)) return undefined;
      const target = value.slice(SCHEMA_REF.length);
      const resolved = nearest(target, holderIndex);
      return resolved === target ? undefined : SCHEMA_REF + resolved;
    };
    let changes = 0;
    names.forEach((name, index) => {
      walk(schemas(doc)[name], (o) => {
        const r = rewrite(o.$ref, index);
        if (r) {
          o.$ref = r;
          changes++;
        }
        const mapping = obj(obj(o.discriminator)?.mapping);
        if (mapping) {
          for (const [key, target] of Object.entries(mapping)) {
            const m = rewrite(target, index);
            if (m) {
              mapping[key] = m;
              changes++;
            }
          }
        }
      });
    });
    return changes;
  },
};

/** Schemas the spec lacks (calls webhooks, call permission reply, call hours): see spec-supplement.ts. */
const supplementSchemas: SpecFix = {
  id: 'supplement-schemas',
  description: `add ${Object.keys(SUPPLEMENT_SCHEMAS).join(', ')} from Meta's calling guides`,
  apply(doc) {
    let changes = 0;
    for (const [name, schema] of Object.entries(SUPPLEMENT_SCHEMAS)) {
      if (!schemas(doc)[name]) {
        schemas(doc)[name] = structuredClone(schema);
        changes++;
      }
    }
    return changes;
  },
};

/** Meta's send-message docs accept `biz_opaque_callback_data` (≤ 512 chars) and echo it in status webhooks; the spec lists it only for calls. */
const bizOpaqueCallbackData: SpecFix = {
  id: 'biz-opaque-callback-data',
  description: 'add biz_opaque_callback_data to outbound messages (BaseMessageProperties) and to webhook Statuses',
  apply(doc) {
    let changes = 0;
    for (const name of ['BaseMessageProperties', 'Statuses']) {
      const p = props(schemas(doc)[name]);
      if (p && !p.biz_opaque_callback_data) {
        p.biz_opaque_callback_data = {
          type: 'string',
          maxLength: 512,
          description: 'Arbitrary tracking string; Cloud API echoes it in the status webhooks of this message.',
        };
        changes++;
      }
    }
    return changes;
  },
};

/** `^[2-6, 11-14]$` is a one-character class, so the spec's own example index "0" fails. Meta: index 0-9. */
const templateButtonIndexPattern: SpecFix = {
  id: 'template-button-index-pattern',
  description: 'replace the broken template button `index` pattern ^[2-6, 11-14]$ by ^[0-9]$',
  apply(doc) {
    let changes = 0;
    walk(schemas(doc), (o) => {
      if (o.pattern === '^[2-6, 11-14]$') {
        o.pattern = '^[0-9]$';
        changes++;
      }
    });
    return changes;
  },
};

/**
 * CallRequestPayload requires `to`, but Meta's calling guides address pre_accept / accept /
 * reject / terminate by `call_id` (the spec's own examples use `to`). Accept either for those
 * actions, require `to` + `session` for connect, and let the request body be anyOf (a
 * terminate with call_id now matches both alternatives, which oneOf would reject).
 */
const callActionsByCallId: SpecFix = {
  id: 'call-actions-by-call-id',
  description: 'CallRequestPayload: add call_id; connect needs to+session, other actions need call_id or to; /calls body oneOf → anyOf',
  apply(doc) {
    let changes = 0;
    const call = schemas(doc).CallRequestPayload;
    const p = props(call);
    if (call && p && !p.call_id) {
      p.call_id = { type: 'string', description: 'WhatsApp call ID (wacid.…) for pre_accept, accept, reject, terminate.' };
      call.required = ['messaging_product', 'action'];
      // Conditionals, not anyOf: openapi-typescript turns `anyOf: [{required}]` into `| unknown`.
      call.allOf = [
        { if: { properties: { action: { const: 'connect' } }, required: ['action'] }, then: { required: ['to', 'session'] } },
        { if: { not: { required: ['to'] } }, then: { required: ['call_id'] } },
      ];
      changes++;
    }
    const body = obj(
      obj(obj(obj(obj(doc.paths['/{Version}/{Phone-Number-ID}/calls']?.post)?.requestBody)?.content)?.['application/json'])
        ?.schema,
    );
    if (body && Array.isArray(body.oneOf)) {
      body.anyOf = body.oneOf;
      delete body.oneOf;
      changes++;
    }
    return changes;
  },
};

/**
 * Calling settings: the spec's enums are lowercase (enabled / visible) while Meta's calling
 * reference uses ENABLED / DISABLED and DEFAULT / DISABLE_ALL; the request schema also lacks
 * call_hours and callback_permission_status. Accept both spellings and add the missing fields.
 */
const callingSettings: SpecFix = {
  id: 'calling-settings',
  description: 'calling settings: accept ENABLED/DISABLED and DEFAULT/DISABLE_ALL, add call_hours and callback_permission_status to the request',
  apply(doc) {
    let changes = 0;
    const s = schemas(doc);
    for (const name of ['CallingSettings', 'CallingSettings_1', 'CallingSettingsResponse']) {
      const p = props(s[name]);
      if (!p) continue;
      changes += addEnumValues(p.status, ['ENABLED', 'DISABLED']);
      changes += addEnumValues(p.call_icon_visibility, ['DEFAULT', 'DISABLE_ALL']);
      changes += addEnumValues(p.callback_permission_status, ['ENABLED', 'DISABLED']);
    }
    for (const name of ['VideoSettings', 'SipSettings', 'CallHoursSettings']) {
      changes += addEnumValues(props(s[name])?.status, ['ENABLED', 'DISABLED']);
    }
    const request = props(s.CallingSettings_1);
    if (request && !request.call_hours) {
      request.call_hours = { $ref: `${SCHEMA_REF}CallingHoursRequest` };
      request.callback_permission_status = { type: 'string', enum: ['ENABLED', 'DISABLED', 'enabled', 'disabled'] };
      changes++;
    }
    return changes;
  },
};

/**
 * Webhooks: the spec has no `calls` field at all (connect / terminate events and call
 * statuses), and its Change.field enum says
 * `group_participant_update` while its own example (and Meta's groups docs) use
 * `group_participants_update`.
 */
const webhookCalls: SpecFix = {
  id: 'webhook-calls-field',
  description: 'webhooks: add the `calls` field (CallsWebhookValue) and group_participants_update',
  apply(doc) {
    let changes = 0;
    const s = schemas(doc);
    const change = s.Change;
    const p = props(change);
    if (change && p) {
      changes += addEnumValues(p.field, ['calls', 'group_participants_update']);
      const oneOf = p.value?.oneOf;
      const callsRef = { $ref: `${SCHEMA_REF}CallsWebhookValue` };
      if (Array.isArray(oneOf) && !oneOf.some((o) => obj(o)?.$ref === callsRef.$ref)) {
        oneOf.push(callsRef);
        changes++;
      }
      if (!change.if) {
        // A `calls` change must carry a calls value (statuses of calls are not message statuses).
        change.if = { properties: { field: { const: 'calls' } }, required: ['field'] };
        change.then = { properties: { value: callsRef } };
        changes++;
      }
    }
    return changes;
  },
};

/**
 * Webhook message shapes the spec gets wrong for real traffic: a customer's reply quoting a
 * business message carries `context: {from, id}` but ContextObject requires
 * `referred_product` (only present for product inquiries); and the interactive reply lacks
 * `call_permission_reply` (calling) and `nfm_reply` (Flows).
 */
const webhookMessageReplies: SpecFix = {
  id: 'webhook-message-replies',
  description: 'webhooks: context.referred_product optional; interactive replies call_permission_reply and nfm_reply',
  apply(doc) {
    let changes = 0;
    const s = schemas(doc);
    const context = s.ContextObject;
    if (context && Array.isArray(context.required) && context.required.includes('referred_product')) {
      context.required = context.required.filter((f) => f !== 'referred_product');
      changes++;
    }
    const interactive = obj(props(obj((s.InteractiveMessageReply?.allOf as unknown[] | undefined)?.[1]))?.interactive);
    if (interactive) {
      changes += addEnumValues(props(interactive)?.type, ['call_permission_reply', 'nfm_reply']);
      const mapping = obj(obj(interactive.discriminator)?.mapping);
      for (const [type, target] of [
        ['call_permission_reply', 'InteractiveCallPermissionReplyContent'],
        ['nfm_reply', 'InteractiveNfmReplyContent'],
      ]) {
        if (mapping && !mapping[type]) {
          mapping[type] = SCHEMA_REF + target;
          changes++;
        }
      }
    }
    return changes;
  },
};

/**
 * The webhook's interactive reply names its variants only in a discriminator mapping, with
 * no oneOf, so the list_reply / button_reply content is invisible to generators. The mapped
 * schemas do not inherit from the holder (no allOf back-reference), so a oneOf is what the
 * mapping means.
 */
const interactiveReplyVariants: SpecFix = {
  id: 'interactive-reply-variants',
  description: 'webhook interactive reply: list the discriminator mapping targets as oneOf',
  apply(doc) {
    const interactive = obj(
      props(obj((schemas(doc).InteractiveMessageReply?.allOf as unknown[] | undefined)?.[1]))?.interactive,
    );
    const mapping = obj(obj(interactive?.discriminator)?.mapping);
    if (!interactive || !mapping || interactive.oneOf) return 0;
    interactive.oneOf = Object.values(mapping).map(($ref) => ({ $ref }));
    return 1;
  },
};

/**
 * Outbound message schemas stricter than Meta's API and than the spec's own examples:
 * recipient_type (defaults to individual) and template language.policy (defaults to
 * deterministic) are optional; location coordinates are numbers in Meta's docs (strings in
 * the spec); documents take a `filename`; template buttons take `action` parameters, the
 * `flow` / `copy_code` sub_types (the examples also write them uppercase) and a numeric index.
 */
const outboundMessageLeniency: SpecFix = {
  id: 'outbound-message-leniency',
  description:
    'messages: recipient_type and template language.policy optional, numeric location coordinates, document filename, template button `action` parameter, sub_type flow/copy_code in either case, numeric button index',
  apply(doc) {
    const s = schemas(doc);
    let changes = 0;
    const dropRequired = (schema: JsonSchema | undefined, field: string) => {
      if (schema && Array.isArray(schema.required) && schema.required.includes(field)) {
        schema.required = schema.required.filter((f) => f !== field);
        changes++;
      }
    };
    dropRequired(s.BaseMessageProperties, 'recipient_type');
    dropRequired(s.LanguageObject, 'policy');
    const location = props(props(obj((s.LocationMessage?.allOf as unknown[] | undefined)?.[1]))?.location);
    for (const coordinate of ['latitude', 'longitude']) {
      if (location?.[coordinate]?.type === 'string') {
        location[coordinate].type = ['number', 'string'];
        changes++;
      }
    }
    for (const variant of (s.MediaObject_1?.oneOf as unknown[] | undefined) ?? []) {
      const p = props(variant);
      if (p && !p.filename) {
        p.filename = { type: 'string', description: 'Document file name shown to the user (documents only).' };
        changes++;
      }
    }
    for (const name of ['TemplateComponent', 'ButtonComponent']) {
      const holder = name === 'TemplateComponent' ? s[name] : obj((s[name]?.allOf as unknown[] | undefined)?.[1]);
      const p = props(holder);
      changes += addEnumValues(p?.sub_type, ['flow', 'copy_code', 'QUICK_REPLY', 'URL', 'CATALOG', 'FLOW', 'COPY_CODE']);
      if (p?.index && p.index.type === 'string') {
        p.index.type = ['string', 'integer'];
        p.index.minimum = 0;
        p.index.maximum = 9;
        changes++;
      }
    }
    const button = s.ButtonParameterObject;
    changes += addEnumValues(props(button)?.type, ['action']);
    const mapping = obj(obj(button?.discriminator)?.mapping);
    if (mapping && !mapping.action) {
      mapping.action = `${SCHEMA_REF}ButtonActionParameter`;
      changes++;
    }
    return changes;
  },
};

export const SPEC_FIXES: readonly SpecFix[] = [
  refNameCollisions,
  supplementSchemas,
  bizOpaqueCallbackData,
  templateButtonIndexPattern,
  callActionsByCallId,
  callingSettings,
  webhookCalls,
  webhookMessageReplies,
  interactiveReplyVariants,
  outboundMessageLeniency,
  webhookDocumentedVariants,
  callPermissionLiveStatuses,
];

export function applySpecFixes(doc: OpenApiDocument): SpecFixReport[] {
  return SPEC_FIXES.map((fix) => ({ id: fix.id, description: fix.description, changes: fix.apply(doc) }));
}
