/**
 * The errors the Connector simulator answers with, following LiveKit's own definitions:
 * livekit/protocol `connector/errors.go` declares them as psrpc errors, which LiveKit's Twirp
 * server turns into Twirp codes (livekit/psrpc `errors.go`, ErrorCode.ToTwirp):
 * InvalidArgument → invalid_argument, NotFound → not_found, DeadlineExceeded →
 * deadline_exceeded, UpstreamClientError (a Graph API call that failed) → invalid_argument,
 * UpstreamServerError → internal.
 */

/** Twirp error codes (https://twitchtv.github.io/twirp/docs/spec_v7.html#error-codes) and their HTTP statuses. */
export const TWIRP_HTTP_STATUS = {
  canceled: 408,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  dataloss: 500,
  unknown: 500,
} as const;

export type TwirpCode = keyof typeof TWIRP_HTTP_STATUS;

/** An error the Connector API answers with: `{ code, msg, meta }` and the code's HTTP status. */
export class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
    readonly meta: Record<string, string> = {},
  ) {
    super(message);
  }

  get httpStatus(): number {
    return TWIRP_HTTP_STATUS[this.code];
  }

  toBody(): { code: TwirpCode; msg: string; meta?: Record<string, string> } {
    return { code: this.code, msg: this.message, ...(Object.keys(this.meta).length ? { meta: this.meta } : {}) };
  }
}

/** The messages of connector/errors.go; a detail may follow after ": ". */
export const CONNECTOR_ERRORS = {
  missingPhoneNumberId: 'whatsapp phone number id is required',
  missingToNumber: 'whatsapp to_phone_number is required',
  missingCallId: 'whatsapp call id is required',
  missingApiKey: 'whatsapp api key is required',
  callNotFound: 'whatsapp call not found',
  versionNotSupported: 'whatsapp cloud api version not supported',
  missingCallIdInResponse: 'missing call id in initiate response',
  incorrectSdpType: 'incorrect sdp type',
} as const;

export const invalid = (message: string, meta?: Record<string, string>) => new TwirpError('invalid_argument', message, meta);
export const callNotFound = (callId: string) => new TwirpError('not_found', `${CONNECTOR_ERRORS.callNotFound}: ${callId}`);

/** Meta's error object, as the Graph API answers it. */
export interface MetaErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

/**
 * A Graph API error as the Connector reports it: Meta refused (4xx) → invalid_argument
 * (UpstreamClientError), Meta failed (5xx) → internal (UpstreamServerError); `msg` carries
 * Meta's `(#code) message` and `meta` the details (`whatsapp_error_code`,
 * `whatsapp_error_message`, `whatsapp_http_status`, …).
 */
export function metaTwirpError(action: string, httpStatus: number, error: MetaErrorBody | undefined, rawBody = ''): TwirpError {
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const twirp: TwirpCode = httpStatus >= 500 ? 'internal' : 'invalid_argument';
  const message = error?.message ?? (rawBody.slice(0, 200) || `HTTP ${httpStatus}`);
  const meta: Record<string, string> = { whatsapp_action: action, whatsapp_http_status: String(httpStatus) };
  if (code !== undefined) meta.whatsapp_error_code = String(code);
  if (error?.error_subcode !== undefined) meta.whatsapp_error_subcode = String(error.error_subcode);
  meta.whatsapp_error_message = message;
  if (error?.type) meta.whatsapp_error_type = error.type;
  if (error?.error_data?.details) meta.whatsapp_error_details = error.error_data.details;
  if (error?.fbtrace_id) meta.whatsapp_fbtrace_id = error.fbtrace_id;
  const prefix = code !== undefined && !message.startsWith(`(#${code})`) ? `(#${code}) ` : '';
  return new TwirpError(twirp, `whatsapp: ${action} failed: ${prefix}${message}`, meta);
}
