import { randomBytes } from 'node:crypto';
import { checkSendRequest } from '../../channels/app/fcm-message';
import { GOOGLE_TOKEN_AUDIENCES, JWT_BEARER_GRANT, trustedServiceAccount, verifyAssertion, type TrustedServiceAccount } from './oauth';

/**
 * A local Firebase Cloud Messaging: Google's OAuth2 token endpoint for service accounts and FCM
 * HTTP v1 `projects.messages.send`, as published, with Google's error envelope. Scriptable for
 * tests and demos: unregister a device token, fail the next sends with any FCM error code, read
 * what was sent.
 */

export const FCM_ERROR_CODES = [
  'UNREGISTERED',
  'INVALID_ARGUMENT',
  'QUOTA_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
  'SENDER_ID_MISMATCH',
  'THIRD_PARTY_AUTH_ERROR',
] as const;
export type FcmErrorCode = (typeof FCM_ERROR_CODES)[number];

/** HTTP status, google.rpc status and message of each FCM ErrorCode (reference: fcm/rest/v1/ErrorCode). */
const ERRORS: Record<FcmErrorCode, { http: number; status: string; message: string }> = {
  UNREGISTERED: { http: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  INVALID_ARGUMENT: { http: 400, status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  QUOTA_EXCEEDED: { http: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for sending messages.' },
  UNAVAILABLE: { http: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { http: 500, status: 'INTERNAL', message: 'Internal error encountered.' },
  SENDER_ID_MISMATCH: { http: 403, status: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  THIRD_PARTY_AUTH_ERROR: { http: 401, status: 'UNAUTHENTICATED', message: 'Auth error from APNS or Web Push Service' },
};
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const FCM_SCOPES = ['https://www.googleapis.com/auth/firebase.messaging', 'https://www.googleapis.com/auth/cloud-platform'];
const ACCESS_TOKEN_SECONDS = 3599;

export interface SimResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The HTTP answer waits this long (the message is already sent): a client that dies meanwhile never learns it. */
  delayMs?: number;
}

export interface SentMessage {
  /** projects/{project}/messages/{id} as answered. */
  name: string;
  projectId: string;
  /** The Message as received (field names as the client spelled them). */
  message: Record<string, unknown>;
  token: string | null;
  clientEmail: string;
  at: string;
}

export interface Fault {
  errorCode: FcmErrorCode;
  /** How many sends fail this way (default 1). */
  count: number;
  /** Only sends to this device token. */
  token?: string;
  /** QUOTA_EXCEEDED / UNAVAILABLE: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
}

export interface FcmSimulatorOptions {
  /** Service accounts whose assertions are trusted (key file JSON: the public key is derived from private_key). */
  serviceAccounts?: Array<{ client_email: string; project_id: string; private_key?: string; public_key?: string }>;
  /** The simulator's own token URL: accepted as an assertion audience besides Google's. */
  tokenUrl?: string;
  now?: () => number;
}

export class FcmSimulator {
  private readonly accounts = new Map<string, TrustedServiceAccount>();
  private readonly accessTokens = new Map<string, { clientEmail: string; scopes: string[]; expiresAt: number }>();
  private readonly unregistered = new Set<string>();
  private faults: Fault[] = [];
  private lateAnswers: Array<{ ms: number; count: number }> = [];
  private sentMessages: SentMessage[] = [];
  readonly stats = { tokenExchanges: 0, sendRequests: 0 };
  private readonly now: () => number;
  tokenUrl: string | null;

  constructor(options: FcmSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokenUrl = options.tokenUrl ?? null;
    for (const sa of options.serviceAccounts ?? []) this.trust(sa);
  }

  // --- scripting

  trust(sa: { client_email: string; project_id: string; private_key?: string; public_key?: string }): void {
    this.accounts.set(sa.client_email, trustedServiceAccount(sa));
  }

  /** The app was uninstalled (or the token rotated): FCM answers UNREGISTERED from now on. */
  unregister(token: string): void {
    this.unregistered.add(token);
  }

  addFault(fault: Partial<Fault> & { errorCode: FcmErrorCode }): void {
    if (!FCM_ERROR_CODES.includes(fault.errorCode)) throw new Error(`errorCode must be one of ${FCM_ERROR_CODES.join(', ')}`);
    this.faults.push({ count: 1, ...fault });
  }

  /** The next `count` accepted sends are answered only after `ms`: FCM has the message, the caller waits. */
  answerLate(ms: number, count = 1): void {
    this.lateAnswers.push({ ms, count });
  }

  /** Every access token issued so far stops working (a key rotation, a revoked grant). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  messages(filter: { token?: string } = {}): SentMessage[] {
    return this.sentMessages.filter((m) => filter.token === undefined || m.token === filter.token);
  }

  reset(): void {
    this.unregistered.clear();
    this.faults = [];
    this.lateAnswers = [];
    this.sentMessages = [];
    this.accessTokens.clear();
    this.stats.tokenExchanges = 0;
    this.stats.sendRequests = 0;
  }

  // --- Google's OAuth2 token endpoint

  handleToken(form: Record<string, string | undefined>): SimResponse {
    this.stats.tokenExchanges++;
    const refuse = (error: string, description: string) => ({ status: 400, body: { error, error_description: description } });
    if (form.grant_type !== JWT_BEARER_GRANT) return refuse('unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    if (!form.assertion) return refuse('invalid_request', 'Missing required parameter: assertion');
    const check = verifyAssertion(form.assertion, this.accounts, {
      audiences: this.tokenUrl ? [...GOOGLE_TOKEN_AUDIENCES, this.tokenUrl] : GOOGLE_TOKEN_AUDIENCES,
      nowSeconds: Math.floor(this.now() / 1000),
    });
    if (!check.ok) return refuse(check.error, check.description);
    const token = `ya29.sim.${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(token, { clientEmail: check.clientEmail, scopes: check.scopes, expiresAt: this.now() + ACCESS_TOKEN_SECONDS * 1000 });
    return { status: 200, body: { access_token: token, expires_in: ACCESS_TOKEN_SECONDS, token_type: 'Bearer' } };
  }

  // --- FCM HTTP v1

  handleSend(projectId: string, authorization: string | undefined, body: unknown): SimResponse {
    this.stats.sendRequests++;
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!bearer) {
      return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.');
    }
    const grant = this.accessTokens.get(bearer);
    if (!grant || grant.expiresAt <= this.now()) {
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.');
    }
    if (!grant.scopes.some((s) => FCM_SCOPES.includes(s))) return googleError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
    if (this.accounts.get(grant.clientEmail)?.projectId !== projectId) {
      return googleError(403, 'PERMISSION_DENIED', `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId}' (or it may not exist).`);
    }

    const problem = checkSendRequest(body);
    if (problem) {
      const tokenProblem = problem.violations.some((v) => v.field === 'message.token');
      return googleError(400, 'INVALID_ARGUMENT', problem.message, [
        tokenProblem
          ? { '@type': FCM_ERROR_TYPE, errorCode: 'INVALID_ARGUMENT' }
          : { '@type': BAD_REQUEST_TYPE, fieldViolations: problem.violations },
      ]);
    }
    const request = body as { message: Record<string, unknown>; validate_only?: boolean; validateOnly?: boolean };
    const token = typeof request.message.token === 'string' ? request.message.token : null;

    const fault = this.faults.find((f) => f.token === undefined || f.token === token);
    if (fault) {
      if (--fault.count <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      const e = ERRORS[fault.errorCode];
      const headers = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : undefined;
      return { ...fcmError(fault.errorCode, e.message), headers };
    }
    if (token && this.unregistered.has(token)) return fcmError('UNREGISTERED', ERRORS.UNREGISTERED.message);

    if (request.validate_only === true || request.validateOnly === true) {
      return { status: 200, body: { name: `projects/${projectId}/messages/fake_message_id` } };
    }
    const name = `projects/${projectId}/messages/0:${this.now()}${randomBytes(3).readUIntBE(0, 3)}%${randomBytes(8).toString('hex')}`;
    this.sentMessages.push({ name, projectId, message: request.message, token, clientEmail: grant.clientEmail, at: new Date(this.now()).toISOString() });
    const late = this.lateAnswers[0];
    if (late && --late.count <= 0) this.lateAnswers.shift();
    return { status: 200, body: { name }, ...(late ? { delayMs: late.ms } : {}) };
  }
}

/** Google's error envelope (google.rpc.Status as JSON). */
export function googleError(code: number, status: string, message: string, details?: unknown[]): SimResponse {
  return { status: code, body: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

function fcmError(errorCode: FcmErrorCode, message: string): SimResponse {
  const e = ERRORS[errorCode];
  return googleError(e.http, e.status, message, [{ '@type': FCM_ERROR_TYPE, errorCode }]);
}
