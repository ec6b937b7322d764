/**
 * Graph API failures as named classes, classified at the adapter: `retryable` says whether
 * sending the same request again later can succeed. Each class has a stable `name`, which
 * Temporal uses as the ApplicationFailure type (see NON_RETRYABLE_WHATSAPP_ERRORS).
 * Messages carry Meta's error text and codes only — never tokens or message bodies.
 */

export interface WhatsAppErrorDetails {
  /** Meta's error code; undefined only for transport failures without a Graph error body. */
  code?: number;
  subcode?: number;
  httpStatus?: number;
  fbtraceId?: string;
  /** Meta's error `type`, e.g. OAuthException. */
  type?: string;
  /** `error_data.details`: Meta's explanation, often naming the offending parameter. */
  details?: string;
  /** Meta's `error.message` as sent. */
  metaMessage?: string;
}

export class WhatsAppApiError extends Error {
  override readonly name: string = 'WhatsAppApiError';
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  readonly httpStatus: number | undefined;
  readonly fbtraceId: string | undefined;
  readonly type: string | undefined;
  readonly details: string | undefined;
  readonly metaMessage: string | undefined;
  /** True when the same request may succeed if sent again later. */
  readonly retryable: boolean = false;

  constructor(message: string, details: WhatsAppErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = details.code;
    this.subcode = details.subcode;
    this.httpStatus = details.httpStatus;
    this.fbtraceId = details.fbtraceId;
    this.type = details.type;
    this.details = details.details;
    this.metaMessage = details.metaMessage;
  }

  /** Plain data for logs, stores and ApplicationFailure details. */
  toJSON() {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      subcode: this.subcode,
      httpStatus: this.httpStatus,
      fbtraceId: this.fbtraceId,
      retryable: this.retryable,
    };
  }
}

/** Throughput or API rate limits (130429, 80007, 4, 613): back off and retry. */
export class RateLimitError extends WhatsAppApiError {
  override readonly name = 'RateLimitError';
  override readonly retryable = true;
}

/** 131056: too many messages to the same user in a short time (~1 per 6 s): retry later. */
export class PairRateLimitError extends WhatsAppApiError {
  override readonly name = 'PairRateLimitError';
  override readonly retryable = true;
}

/** 138006: the user has not granted (or has revoked) permission for business-initiated calls. */
export class NoCallPermissionError extends WhatsAppApiError {
  override readonly name = 'NoCallPermissionError';
}

/**
 * 138000: calling is not enabled on the business number (settings `calling.status`). Meta answers
 * it with HTTP 401, but the token is fine: enabling calling is what fixes it.
 */
export class CallingNotEnabledError extends WhatsAppApiError {
  override readonly name = 'CallingNotEnabledError';
}

/** 131047: more than 24 h since the user's last message; only templates may be sent. */
export class WindowClosedError extends WhatsAppApiError {
  override readonly name = 'WindowClosedError';
}

/** 100, 131008, 131009, 131026, 132xxx …: the request itself is wrong; resending it cannot help. */
export class InvalidParameterError extends WhatsAppApiError {
  override readonly name = 'InvalidParameterError';
}

/** 190 and other OAuth / permission errors: the token is expired, invalid or lacks a permission. */
export class AuthError extends WhatsAppApiError {
  override readonly name = 'AuthError';
}

/** Network failure, timeout, or a 5xx / temporary Graph error: the request may not have reached Meta. */
export class TransportError extends WhatsAppApiError {
  override readonly name = 'TransportError';
  override readonly retryable = true;
}

/** Class names (= ApplicationFailure types) Temporal must not retry. */
export const NON_RETRYABLE_WHATSAPP_ERRORS: string[] = [
  'WhatsAppApiError',
  'NoCallPermissionError',
  'CallingNotEnabledError',
  'WindowClosedError',
  'InvalidParameterError',
  'AuthError',
];

const RATE_LIMIT_CODES = new Set([4, 613, 80007, 130429]);
const AUTH_CODES = new Set([0, 3, 10, 102, 190]);
const INVALID_PARAMETER_CODES = new Set([
  100, 131008, 131009, 131021, 131026, 131051, 131052, 131053, 132000, 132001, 132005, 132007, 132012, 132015, 132016,
  132068, 132069, 133010, 135000,
]);
/** Meta's "something went wrong / service unavailable" codes: temporary by definition. */
const TEMPORARY_CODES = new Set([1, 2, 131000, 131016, 133004]);

type ErrorClass = new (message: string, details?: WhatsAppErrorDetails, options?: { cause?: unknown }) => WhatsAppApiError;

export function errorClassFor(code: number | undefined, httpStatus: number | undefined): ErrorClass {
  if (code !== undefined) {
    if (RATE_LIMIT_CODES.has(code)) return RateLimitError;
    if (code === 131056) return PairRateLimitError;
    if (code === 138006) return NoCallPermissionError;
    if (code === 138000) return CallingNotEnabledError;
    if (code === 131047) return WindowClosedError;
    if (AUTH_CODES.has(code) || (code >= 200 && code <= 299)) return AuthError;
    if (INVALID_PARAMETER_CODES.has(code)) return InvalidParameterError;
    if (TEMPORARY_CODES.has(code)) return TransportError;
  }
  if (httpStatus === 401) return AuthError;
  if (httpStatus === 429) return RateLimitError;
  if (httpStatus === undefined || httpStatus >= 500) return TransportError;
  return WhatsAppApiError;
}

/** Builds the classified error for a non-2xx Graph response (body already parsed, or undefined). */
export function fromGraphResponse(httpStatus: number, body: unknown): WhatsAppApiError {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (!error || typeof error !== 'object') {
    const Cls = errorClassFor(undefined, httpStatus);
    return new Cls(`WhatsApp Graph API answered HTTP ${httpStatus} without an error body`, { httpStatus });
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const details: WhatsAppErrorDetails = {
    code: num(error.code),
    subcode: num(error.error_subcode),
    httpStatus,
    fbtraceId: str(error.fbtrace_id),
    type: str(error.type),
    details: str((error.error_data as Record<string, unknown> | undefined)?.details),
    metaMessage: str(error.message),
  };
  const Cls = errorClassFor(details.code, httpStatus);
  const subcode = details.subcode !== undefined ? `/${details.subcode}` : '';
  const message = details.metaMessage ?? 'no message';
  const text = details.details && !message.includes(details.details) ? `${message} — ${details.details}` : message;
  const trace = details.fbtraceId ? ` (fbtrace_id ${details.fbtraceId})` : '';
  return new Cls(`WhatsApp error ${details.code ?? '?'}${subcode}: ${text}${trace}`, details);
}
