/**
 * The FCM HTTP v1 `SendMessageRequest` / `Message` resource as published
 * (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages and the fcm:v1
 * discovery document), as a checker: the app-push driver runs what it renders through it before a
 * request leaves (strict out), and the FCM simulator answers every request with it, in Google's
 * words. Test fixtures copied from firebase-admin-node (test/fixtures/fcm/) keep it honest.
 *
 * Protobuf JSON rules apply: each field may be spelled with its proto name (`collapse_key`) or its
 * lowerCamelCase JSON name (`collapseKey`); an unknown name is an INVALID_ARGUMENT; enum names are
 * compared without case (the Admin SDK sends `"high"` for AndroidMessagePriority and FCM takes it).
 */

type Kind =
  | { t: 'string' }
  | { t: 'bool' }
  | { t: 'int32' }
  | { t: 'float' }
  | { t: 'duration' }
  | { t: 'timestamp' }
  | { t: 'enum'; type: string; values: readonly string[] }
  /** map<string, string> */
  | { t: 'map' }
  /** google.protobuf.Struct: any JSON object */
  | { t: 'struct' }
  | { t: 'array'; of: Kind }
  | { t: 'message'; type: string; fields: Record<string, Kind> };

const S: Kind = { t: 'string' };
const B: Kind = { t: 'bool' };
const MAP: Kind = { t: 'map' };
const STRUCT: Kind = { t: 'struct' };
const DURATION: Kind = { t: 'duration' };
const message = (type: string, fields: Record<string, Kind>): Kind => ({ t: 'message', type, fields });
const enumOf = (type: string, values: readonly string[]): Kind => ({ t: 'enum', type, values });

const ANDROID_NOTIFICATION = message('AndroidNotification', {
  title: S,
  body: S,
  icon: S,
  color: S,
  sound: S,
  tag: S,
  click_action: S,
  body_loc_key: S,
  body_loc_args: { t: 'array', of: S },
  title_loc_key: S,
  title_loc_args: { t: 'array', of: S },
  channel_id: S,
  ticker: S,
  sticky: B,
  event_time: { t: 'timestamp' },
  local_only: B,
  notification_priority: enumOf('NotificationPriority', [
    'PRIORITY_UNSPECIFIED', 'PRIORITY_MIN', 'PRIORITY_LOW', 'PRIORITY_DEFAULT', 'PRIORITY_HIGH', 'PRIORITY_MAX',
  ]),
  default_sound: B,
  default_vibrate_timings: B,
  default_light_settings: B,
  vibrate_timings: { t: 'array', of: DURATION },
  visibility: enumOf('Visibility', ['VISIBILITY_UNSPECIFIED', 'PRIVATE', 'PUBLIC', 'SECRET']),
  notification_count: { t: 'int32' },
  light_settings: message('LightSettings', {
    color: message('Color', { red: { t: 'float' }, green: { t: 'float' }, blue: { t: 'float' }, alpha: { t: 'float' } }),
    light_on_duration: DURATION,
    light_off_duration: DURATION,
  }),
  image: S,
  bypass_proxy_notification: B,
  proxy: enumOf('Proxy', ['PROXY_UNSPECIFIED', 'ALLOW', 'DENY', 'IF_PRIORITY_LOWERED']),
});

const MESSAGE = message('Message', {
  name: S,
  data: MAP,
  notification: message('Notification', { title: S, body: S, image: S }),
  android: message('AndroidConfig', {
    collapse_key: S,
    priority: enumOf('AndroidMessagePriority', ['NORMAL', 'HIGH']),
    ttl: DURATION,
    restricted_package_name: S,
    data: MAP,
    notification: ANDROID_NOTIFICATION,
    fcm_options: message('AndroidFcmOptions', { analytics_label: S }),
    direct_boot_ok: B,
    bandwidth_constrained_ok: B,
    restricted_satellite_ok: B,
  }),
  webpush: message('WebpushConfig', {
    headers: MAP,
    data: MAP,
    notification: STRUCT,
    fcm_options: message('WebpushFcmOptions', { link: S, analytics_label: S }),
  }),
  apns: message('ApnsConfig', {
    headers: MAP,
    payload: STRUCT,
    fcm_options: message('ApnsFcmOptions', { analytics_label: S, image: S }),
    live_activity_token: S,
  }),
  fcm_options: message('FcmOptions', { analytics_label: S }),
  token: S,
  topic: S,
  condition: S,
});

const SEND_MESSAGE_REQUEST = message('SendMessageRequest', { validate_only: B, message: MESSAGE });

/** The union `target` of Message: exactly one is required. */
export const MESSAGE_TARGETS = ['token', 'topic', 'condition'] as const;

/** FCM's limit on the payload of a message to a token (keys and values), per the ErrorCode reference. */
export const FCM_MAX_PAYLOAD_BYTES = 4096;
/** Data keys FCM reserves for itself. */
const RESERVED_DATA_KEYS = ['from', 'message_type'];
const RESERVED_DATA_PREFIXES = ['google.', 'gcm.'];
const TOPIC = /^[a-zA-Z0-9-_.~%]+$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;

export interface FieldViolation {
  /** As Google names it: `message.data[0].value`, `message.android`. */
  field: string;
  description: string;
}

export interface MessageProblem {
  /** What FCM puts in error.message. */
  message: string;
  violations: FieldViolation[];
}

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));
const DURATION_TEXT = /^-?\d+(\.\d{1,9})?s$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Reads one value against its kind, the way Google's JSON parser does; returns the value with proto field names. */
function read(kind: Kind, value: unknown, at: string, out: FieldViolation[]): unknown {
  const invalid = (type: string): undefined => {
    out.push({ field: at, description: `Invalid value at '${at}' (${type}), ${show(value)}` });
    return undefined;
  };
  switch (kind.t) {
    case 'string':
      if (typeof value !== 'string') return invalid('TYPE_STRING');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') return invalid('TYPE_BOOL');
      return value;
    case 'int32':
      if (!Number.isInteger(Number(value)) || (typeof value !== 'number' && typeof value !== 'string') || Math.abs(Number(value)) > 2 ** 31) {
        return invalid('TYPE_INT32');
      }
      return Number(value);
    case 'float':
      if (typeof value !== 'number') return invalid('TYPE_FLOAT');
      return value;
    case 'duration':
      if (typeof value !== 'string' || !DURATION_TEXT.test(value)) return invalid('type.googleapis.com/google.protobuf.Duration');
      return value;
    case 'timestamp':
      if (typeof value !== 'string' || !RFC3339.test(value)) return invalid('type.googleapis.com/google.protobuf.Timestamp');
      return value;
    case 'enum': {
      const name = typeof value === 'string' ? kind.values.find((v) => v === value.toUpperCase()) : undefined;
      if (!name) return invalid(`type.googleapis.com/google.firebase.fcm.v1.${kind.type}`);
      return name;
    }
    case 'map': {
      if (!isObject(value)) return invalid('TYPE_MESSAGE');
      // Google numbers map entries in the order they came: `message.data[0].value`.
      Object.values(value).forEach((v, i) => {
        if (typeof v !== 'string') out.push({ field: `${at}[${i}].value`, description: `Invalid value at '${at}[${i}].value' (TYPE_STRING), ${show(v)}` });
      });
      return value;
    }
    case 'struct':
      if (!isObject(value)) return invalid('type.googleapis.com/google.protobuf.Struct');
      return value;
    case 'array':
      if (!Array.isArray(value)) return invalid('TYPE_MESSAGE');
      return value.map((item, i) => read(kind.of, item, `${at}[${i}]`, out));
    case 'message': {
      if (!isObject(value)) return invalid(`type.googleapis.com/google.firebase.fcm.v1.${kind.type}`);
      const result: Record<string, unknown> = {};
      const setTarget: string[] = [];
      for (const [name, v] of Object.entries(value)) {
        const proto = Object.keys(kind.fields).find((f) => f === name || camel(f) === name);
        const where = at ? ` at '${at}'` : '';
        if (!proto) {
          out.push({ field: at, description: `Invalid JSON payload received. Unknown name ${JSON.stringify(name)}${where}: Cannot find field.` });
          continue;
        }
        if (proto in result) {
          out.push({ field: at, description: `Invalid JSON payload received. Duplicate field ${JSON.stringify(name)}${where}.` });
          continue;
        }
        if (v === null) continue; // JSON null means "not set" for every field type but Value
        if (kind.type === 'Message' && (MESSAGE_TARGETS as readonly string[]).includes(proto)) {
          if (setTarget.length) {
            out.push({ field: at, description: `Invalid JSON payload received. Oneof field 'target' is already set. Cannot set '${name}'` });
            continue;
          }
          setTarget.push(proto);
        }
        result[proto] = read(kind.fields[proto], v, at ? `${at}.${proto}` : proto, out);
      }
      return result;
    }
  }
}

/**
 * Checks a `messages:send` request body. Returns null when FCM would accept it, else the problem
 * as FCM reports it (always an INVALID_ARGUMENT, HTTP 400).
 */
export function checkSendRequest(body: unknown): MessageProblem | null {
  const violations: FieldViolation[] = [];
  const request = read(SEND_MESSAGE_REQUEST, body, '', violations) as Record<string, unknown> | undefined;
  if (violations.length) return { message: violations.map((v) => v.description).join('\n'), violations };
  const msg = request?.message as Record<string, unknown> | undefined;
  if (!msg) return problem('message', 'Message must be specified.');
  return checkMessageRules(msg);
}

/** A Message alone (what the driver renders), checked as if it were sent. */
export function checkMessage(msg: unknown): MessageProblem | null {
  return checkSendRequest({ message: msg });
}

function problem(field: string, description: string): MessageProblem {
  return { message: description, violations: [{ field, description }] };
}

/** FCM's rules beyond the JSON shape (proto field names here: `read` normalised them). */
function checkMessageRules(msg: Record<string, unknown>): MessageProblem | null {
  const targets = MESSAGE_TARGETS.filter((t) => msg[t] !== undefined);
  if (targets.length === 0) return problem('message', 'Recipient of the message is not set.');
  if (msg.token !== undefined && (typeof msg.token !== 'string' || !/^\S+$/.test(msg.token))) {
    return problem('message.token', 'The registration token is not a valid FCM registration token');
  }
  if (msg.topic !== undefined && !TOPIC.test(String(msg.topic))) {
    return problem('message.topic', `Invalid topic name: ${show(msg.topic)}. Topic names match [a-zA-Z0-9-_.~%]+ (without "/topics/").`);
  }
  if (msg.condition !== undefined && String(msg.condition).trim() === '') return problem('message.condition', 'Invalid condition expression provided.');

  const dataMaps: Array<[string, unknown]> = [
    ['message.data', msg.data],
    ['message.android.data', (msg.android as Record<string, unknown> | undefined)?.data],
    ['message.webpush.data', (msg.webpush as Record<string, unknown> | undefined)?.data],
  ];
  for (const [at, data] of dataMaps) {
    for (const key of Object.keys((data as Record<string, string> | undefined) ?? {})) {
      if (RESERVED_DATA_KEYS.includes(key) || RESERVED_DATA_PREFIXES.some((p) => key.startsWith(p))) {
        return problem(at, `Invalid data payload key: ${key}. The key must not be a reserved word ("from", "message_type", or start with "google." or "gcm.").`);
      }
    }
  }
  const android = msg.android as Record<string, unknown> | undefined;
  const androidNotification = android?.notification as Record<string, unknown> | undefined;
  if (androidNotification?.color !== undefined && !COLOR.test(String(androidNotification.color))) {
    return problem('message.android.notification.color', 'Invalid color format: expected #rrggbb.');
  }
  const link = ((msg.webpush as Record<string, unknown> | undefined)?.fcm_options as Record<string, unknown> | undefined)?.link;
  if (link !== undefined && !String(link).startsWith('https://')) {
    return problem('message.webpush.fcm_options.link', 'The link to open when the user clicks on the notification must be an HTTPS URL.');
  }
  if (payloadBytes(msg) > FCM_MAX_PAYLOAD_BYTES) {
    return problem('message', `Message is too big: the payload (notification and data) exceeds ${FCM_MAX_PAYLOAD_BYTES} bytes.`);
  }
  return null;
}

/** What counts against the 4096-byte limit: data keys and values, and the notification's texts. */
export function payloadBytes(msg: Record<string, unknown>): number {
  let bytes = 0;
  for (const [k, v] of Object.entries((msg.data as Record<string, string> | undefined) ?? {})) bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  const n = (msg.notification as Record<string, string> | undefined) ?? {};
  for (const v of [n.title, n.body, n.image]) if (typeof v === 'string') bytes += Buffer.byteLength(v);
  return bytes;
}
