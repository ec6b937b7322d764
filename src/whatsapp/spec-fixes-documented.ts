import type { OpenApiDocument } from './spec-document';
import type { SpecFix } from './spec-fixes';

type Schema = Record<string, unknown>;
const obj = (v: unknown): Schema | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : undefined);
const props = (s: unknown) => obj(obj(s)?.properties) as Record<string, Schema> | undefined;

function dropRequired(schema: Schema | undefined, field: string): number {
  const required = schema?.required;
  if (!Array.isArray(required) || !required.includes(field)) return 0;
  schema!.required = required.filter((f) => f !== field);
  return 1;
}

function addProperty(schema: Schema | undefined, name: string, definition: Schema): number {
  const p = props(schema);
  if (!p || p[name]) return 0;
  p[name] = definition;
  return 1;
}

/**
 * Webhook shapes Meta documents outside this file (v23.0): the `played` status of voice
 * messages and the `deleted` status; users who adopted a username are named by their
 * business-scoped user id (`recipient_user_id`, `user_id`) with no wa_id; the business-initiated
 * calling reference sends `contacts[]` without `profile`; the call-permission reference types
 * `expiration_timestamp` as a string while other samples send a number. recado reads webhooks
 * liberally whatever the schema says; this keeps the schema — and so the warnings and the
 * simulator's strict check — in step with what Meta documents.
 */
export const webhookDocumentedVariants: SpecFix = {
  id: 'webhook-documented-variants',
  description:
    'webhooks: statuses played/deleted, recipient_user_id and user_id (usernames), contacts without profile, interactive replies without context',
  apply(doc: OpenApiDocument) {
    const s = doc.components.schemas as Record<string, Schema>;
    let changes = 0;
    const status = props(s.Statuses)?.status;
    const values = status?.enum;
    if (Array.isArray(values)) {
      for (const v of ['played', 'deleted']) {
        if (values.includes(v)) continue;
        values.push(v);
        changes++;
      }
    }
    changes += dropRequired(s.Statuses, 'recipient_id');
    changes += addProperty(s.Statuses, 'recipient_user_id', { type: 'string', description: 'Business-scoped user id (users with a username).' });
    changes += dropRequired(s.ContactProfile, 'profile');
    // A permanent grant from the business profile, a callback grant and the automatic revocation quote no request.
    changes += dropRequired(obj((s.InteractiveMessageReply?.allOf as unknown[] | undefined)?.[1]), 'context');
    changes += addProperty(s.ContactProfile, 'user_id', { type: 'string', description: 'Business-scoped user id (users with a username).' });
    return changes;
  },
};

/**
 * GET /{phone-number-id}/call_permissions: Meta's call-permission reference answers
 * `permission.status` as `no_permission`, `temporary` or `permanent` (this file lists only
 * granted / pending / denied / expired).
 */
export const callPermissionLiveStatuses: SpecFix = {
  id: 'call-permission-live-statuses',
  description: 'call_permissions: permission.status no_permission, temporary, permanent',
  apply(doc: OpenApiDocument) {
    const s = doc.components.schemas as Record<string, Schema>;
    const status = props(props(s.CallPermissionCheckResponsePayload)?.permission)?.status;
    const values = status?.enum;
    if (!Array.isArray(values)) return 0;
    let changes = 0;
    for (const v of ['no_permission', 'temporary', 'permanent']) {
      if (values.includes(v)) continue;
      values.push(v);
      changes++;
    }
    return changes;
  },
};
