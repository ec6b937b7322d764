import type { JsonSchema } from './spec-document';

/**
 * Schemas Meta's OpenAPI file (v23.0) lacks although the Cloud API sends or accepts them.
 * Each one is transcribed from Meta's calling guides and kept as small and permissive as
 * those guides allow; they are merged into components.schemas by spec-fixes.ts, so types
 * and validators are still generated from one document.
 *
 * Sources:
 *  - https://developers.facebook.com/docs/whatsapp/cloud-api/calling/user-initiated-calls
 *  - https://developers.facebook.com/docs/whatsapp/cloud-api/calling/business-initiated-calls
 *  - https://developers.facebook.com/docs/whatsapp/cloud-api/calling/reference (settings)
 *  - https://developers.facebook.com/docs/whatsapp/cloud-api/calling/user-call-permission-request
 *  - https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates (button `action` parameters)
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const SessionDescription: JsonSchema = {
  type: 'object',
  description: 'SDP offer or answer (RFC 8866).',
  required: ['sdp_type', 'sdp'],
  properties: {
    sdp_type: { type: 'string', enum: ['offer', 'answer'] },
    sdp: { type: 'string' },
  },
};

/** One item of `value.calls` on the `calls` webhook field: a connect or terminate event. */
const CallWebhookCall: JsonSchema = {
  type: 'object',
  // `to` is left out for users who adopted a username (to_user_id) and by some call events.
  required: ['id', 'from', 'event', 'timestamp'],
  properties: {
    id: { type: 'string', description: 'WhatsApp call ID (wacid.…).' },
    from: { type: 'string' },
    to: { type: 'string' },
    from_user_id: { type: 'string', description: 'Business-scoped user id (users with a username).' },
    to_user_id: { type: 'string', description: 'Business-scoped user id (users with a username).' },
    event: { type: 'string', description: 'connect | terminate', examples: ['connect', 'terminate'] },
    timestamp: { type: 'string' },
    direction: { type: 'string', enum: ['BUSINESS_INITIATED', 'USER_INITIATED'] },
    session: ref('CallSessionDescription'),
    connection: {
      type: 'object',
      properties: { webrtc: { type: 'object', properties: { sdp: { type: 'string' } } } },
    },
    biz_opaque_callback_data: { type: 'string', maxLength: 512 },
    status: { type: 'string', description: 'On terminate: COMPLETED or FAILED.' },
    start_time: { type: 'string' },
    end_time: { type: 'string' },
    duration: { type: 'integer', minimum: 0 },
    errors: { type: 'array', items: ref('StatusError') },
  },
};

/** One item of `value.statuses` on the `calls` field: progress of a business-initiated call. */
const CallWebhookStatus: JsonSchema = {
  type: 'object',
  required: ['id', 'type', 'status', 'timestamp'],
  properties: {
    id: { type: 'string', description: 'WhatsApp call ID (wacid.…).' },
    type: { type: 'string', enum: ['call'] },
    status: { type: 'string', enum: ['RINGING', 'ACCEPTED', 'REJECTED'] },
    timestamp: { type: 'string' },
    recipient_id: { type: 'string' },
    recipient_user_id: { type: 'string', description: 'Business-scoped user id (users with a username).' },
    biz_opaque_callback_data: { type: 'string', maxLength: 512 },
    errors: { type: 'array', items: ref('StatusError') },
  },
};

const CallsWebhookValue: JsonSchema = {
  type: 'object',
  required: ['messaging_product', 'metadata'],
  // `calls` or `statuses` (a conditional, so generated types keep the object shape).
  if: { not: { required: ['calls'] } },
  then: { required: ['statuses'] },
  properties: {
    messaging_product: { type: 'string' },
    metadata: ref('Metadata'),
    contacts: { type: 'array', items: ref('ContactProfile') },
    calls: { type: 'array', items: ref('CallWebhookCall') },
    statuses: { type: 'array', items: ref('CallWebhookStatus') },
    errors: { type: 'array', items: ref('StatusError') },
  },
};

/** `interactive` content of the customer's answer to a call permission request. */
const InteractiveCallPermissionReplyContent: JsonSchema = {
  type: 'object',
  required: ['call_permission_reply'],
  properties: {
    call_permission_reply: {
      type: 'object',
      required: ['response'],
      properties: {
        response: { type: 'string', enum: ['accept', 'reject'] },
        is_permanent: { type: 'boolean' },
        // Meta's reference types it as a string and its samples send one; other samples send a number.
        expiration_timestamp: { type: ['integer', 'string'], description: 'Unix seconds; absent when permanent or rejected.' },
        response_source: { type: 'string', enum: ['user_action', 'automatic'] },
      },
    },
  },
};

/** `interactive` content of a WhatsApp Flows completion (https://developers.facebook.com/docs/whatsapp/flows). */
const InteractiveNfmReplyContent: JsonSchema = {
  type: 'object',
  required: ['nfm_reply'],
  properties: {
    nfm_reply: {
      type: 'object',
      required: ['response_json'],
      properties: {
        response_json: { type: 'string', description: 'JSON string with the Flow response and flow_token.' },
        body: { type: 'string' },
        name: { type: 'string' },
      },
    },
  },
};

/** `calling.call_hours` as POST /{phone-number-id}/settings accepts it. */
const CallingHoursRequest: JsonSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ENABLED', 'DISABLED', 'enabled', 'disabled'] },
    timezone_id: { type: 'string', description: 'IANA time zone, e.g. America/Sao_Paulo.' },
    weekly_operating_hours: {
      type: 'array',
      description: 'At most 2 ranges per day of week, open_time before close_time, no overlaps.',
      maxItems: 14,
      items: {
        type: 'object',
        required: ['day_of_week', 'open_time', 'close_time'],
        properties: {
          day_of_week: {
            type: 'string',
            enum: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'],
          },
          open_time: { type: 'string', pattern: '^([01][0-9]|2[0-3])[0-5][0-9]$' },
          close_time: { type: 'string', pattern: '^([01][0-9]|2[0-3])[0-5][0-9]$' },
        },
      },
    },
    holiday_schedule: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['date', 'start_time', 'end_time'],
        properties: {
          date: { type: 'string', format: 'date' },
          start_time: { type: 'string', pattern: '^([01][0-9]|2[0-3])[0-5][0-9]$' },
          end_time: { type: 'string', pattern: '^([01][0-9]|2[0-3])[0-5][0-9]$' },
        },
      },
    },
  },
};

/** Template button parameter of type `action` (catalog, multi-product and flow buttons), used by the spec's own examples. */
const ButtonActionParameter: JsonSchema = {
  allOf: [
    ref('ButtonParameterObject'),
    {
      type: 'object',
      required: ['action'],
      properties: {
        type: { enum: ['action'] },
        action: { type: 'object', description: 'e.g. { thumbnail_product_retailer_id } or { flow_token, flow_action_data }' },
      },
    },
  ],
};

export const SUPPLEMENT_SCHEMAS: Record<string, JsonSchema> = {
  CallSessionDescription: SessionDescription,
  CallWebhookCall,
  CallWebhookStatus,
  CallsWebhookValue,
  InteractiveCallPermissionReplyContent,
  InteractiveNfmReplyContent,
  CallingHoursRequest,
  ButtonActionParameter,
};
