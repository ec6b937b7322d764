import { ApplicationFailure } from '@temporalio/activity';
import { ServerError } from 'livekit-server-sdk';

/**
 * How the LiveKit adapter reports failures: bad input and requests LiveKit rejects (Twirp 4xx)
 * fail the activity for good; 5xx, 429, timeouts and network errors are retried by Temporal.
 * Messages never carry credentials.
 */

/** ApplicationFailure type of a request LiveKit rejected (Twirp 4xx): retrying cannot help. */
export const LIVEKIT_REQUEST_ERROR = 'LiveKitRequestError';
/** ApplicationFailure type of input this adapter refuses before calling LiveKit. */
export const LIVEKIT_INVALID_INPUT = 'LiveKitInvalidInput';

/** A failure worth retrying (5xx, 429, timeout, network). Temporal retries it by its name. */
export class LiveKitTransientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'LiveKitTransientError';
  }
}

export interface LiveKitRequestErrorDetails {
  operation: string;
  status: number;
  /** Twirp error code (invalid_argument, not_found, permission_denied, unauthenticated, …) when the server sent one. */
  code: string | null;
  message: string;
}

// Twirp codes (https://twitchtv.github.io/twirp/docs/spec_v7.html#error-codes) that mean the
// request itself is wrong; everything else is a server or transport condition worth a retry.
const PERMANENT_TWIRP_CODES = new Set([
  'invalid_argument',
  'malformed',
  'out_of_range',
  'not_found',
  'bad_route',
  'already_exists',
  'permission_denied',
  'unauthenticated',
  'failed_precondition',
  'unimplemented',
]);
const TRANSIENT_TWIRP_CODES = new Set([
  'canceled',
  'unknown',
  'deadline_exceeded',
  'resource_exhausted',
  'aborted',
  'internal',
  'unavailable',
  'dataloss',
]);

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * Strips credentials from text that may reach logs or Temporal history: livekit-server echoes
 * a rejected API token in its 401 body, and the Meta access token travels in Connector requests.
 */
export function redact(text: string, secrets: Array<string | undefined> = []): string {
  let out = text.replace(JWT, '[redacted token]');
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

/** True when the SDK raised a Twirp error (an HTTP status, and a Twirp code when the body had one). */
function isServerError(err: unknown): err is ServerError {
  return err instanceof ServerError || (err instanceof Error && typeof (err as Partial<ServerError>).status === 'number');
}

/**
 * LiveKit said the room or participant does not exist. Only the Twirp code counts: a bare 404
 * (a URL that is not LiveKit's API) is a misconfiguration, not an absent participant.
 */
export function isNotFound(err: unknown): boolean {
  return isServerError(err) && err.code === 'not_found';
}

// What Meta says when asked to end a call that is already over, as the Connector passes it on.
const ENDED_AT_META = /already (been )?(ended|terminated|disconnected)|has (already )?ended|not active|no active call/i;

/**
 * The call is already over: the Connector no longer has it (not_found — it forgets a call once
 * it ended, so a second disconnect fails like this), or Meta refused a terminate because the
 * call had ended (invalid_argument carrying Meta's message). A hang-up that meets this is done.
 */
export function isCallAlreadyEnded(err: unknown): boolean {
  if (!isServerError(err)) return false;
  if (err.code === 'not_found') return true;
  if (err.code !== 'invalid_argument') return false;
  const meta = (err as ServerError).metadata ?? {};
  return ENDED_AT_META.test(`${err.message} ${Object.values(meta).join(' ')}`);
}

/**
 * Turns whatever the SDK threw into what Temporal should do with it: an ApplicationFailure
 * that is not retried (4xx), or a LiveKitTransientError that is. Messages are redacted.
 */
export function classifyLiveKitError(operation: string, err: unknown, secrets: Array<string | undefined> = []): Error {
  if (err instanceof ApplicationFailure) return err;
  if (isServerError(err)) {
    const code = err.code ?? null;
    const message = redact(err.message || err.name, secrets);
    const permanent = code
      ? PERMANENT_TWIRP_CODES.has(code) || (!TRANSIENT_TWIRP_CODES.has(code) && isPermanentStatus(err.status))
      : isPermanentStatus(err.status);
    const text = `LiveKit ${operation} failed with ${err.status}${code ? ` ${code}` : ''}: ${message}`;
    if (permanent) {
      const details: LiveKitRequestErrorDetails = { operation, status: err.status, code, message };
      return ApplicationFailure.nonRetryable(text, LIVEKIT_REQUEST_ERROR, details);
    }
    return new LiveKitTransientError(text, err.status, code ?? undefined);
  }
  return new LiveKitTransientError(`LiveKit ${operation} failed: ${redact(describeTransportError(err), secrets)}`);
}

function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

// Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` can fail (jest).
function describeTransportError(err: unknown): string {
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return String(err);
  const { name, message, cause } = err as Error & { cause?: { code?: string; message?: string } };
  const detail = cause?.code ?? cause?.message;
  return `${name}: ${message}${detail ? ` (${detail})` : ''}`;
}
