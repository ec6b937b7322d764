import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { InvalidFieldError } from '../../common/errors';
import { ChannelSendError } from '../driver';

/**
 * Google's OAuth 2.0 for service accounts, as documented
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): a JWT signed
 * RS256 with the service account's private key is exchanged at its token_uri for an access token
 * (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer). node:crypto is all it takes.
 */

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Google refuses assertions that live longer than an hour. */
export const MAX_ASSERTION_SECONDS = 3600;

/** The fields of a service-account key file (the JSON Firebase console downloads) recado uses. */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

const FIELD = 'secrets.service_account_json';

/** Parses the key file; throws InvalidFieldError naming the bad field. */
export function parseServiceAccount(json: string | undefined): ServiceAccount & { key: KeyObject } {
  if (!json) throw new InvalidFieldError(FIELD, 'is required: the service account key file (JSON) from the Firebase console');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new InvalidFieldError(FIELD, `is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidFieldError(FIELD, 'must be a JSON object');
  const sa = parsed as Record<string, unknown>;
  if (sa.type !== undefined && sa.type !== 'service_account') throw new InvalidFieldError(`${FIELD}.type`, 'must be "service_account"');
  const text = (name: string): string => {
    const v = sa[name];
    if (typeof v !== 'string' || v.trim() === '') throw new InvalidFieldError(`${FIELD}.${name}`, 'is required (a non-empty string)');
    return v;
  };
  const projectId = text('project_id');
  if (!/^[a-z0-9][a-z0-9_.:-]{0,99}$/i.test(projectId)) throw new InvalidFieldError(`${FIELD}.project_id`, 'is not a Firebase project id');
  const clientEmail = text('client_email');
  if (!/^[^\s@]+@[^\s@]+$/.test(clientEmail)) throw new InvalidFieldError(`${FIELD}.client_email`, 'must be the service account e-mail');
  const privateKey = text('private_key');
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch (err) {
    throw new InvalidFieldError(`${FIELD}.private_key`, `is not a PEM private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new InvalidFieldError(`${FIELD}.private_key`, 'must be an RSA key (RS256)');
  const tokenUri = sa.token_uri === undefined ? GOOGLE_TOKEN_URI : text('token_uri');
  if (!/^https?:\/\//.test(tokenUri)) throw new InvalidFieldError(`${FIELD}.token_uri`, 'must be an https URL');
  return {
    project_id: projectId,
    client_email: clientEmail,
    private_key: privateKey,
    private_key_id: typeof sa.private_key_id === 'string' ? sa.private_key_id : undefined,
    token_uri: tokenUri,
    key,
  };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** The signed assertion: header {alg RS256, typ JWT, kid}, claims {iss, scope, aud, iat, exp}. */
export function signServiceAccountJwt(
  sa: Pick<ServiceAccount, 'client_email' | 'private_key' | 'private_key_id' | 'token_uri'> & { key?: KeyObject },
  options: { scope?: string; nowSeconds?: number; lifetimeSeconds?: number } = {},
): string {
  const iat = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const lifetime = Math.min(options.lifetimeSeconds ?? MAX_ASSERTION_SECONDS, MAX_ASSERTION_SECONDS);
  const header = { alg: 'RS256', typ: 'JWT', ...(sa.private_key_id ? { kid: sa.private_key_id } : {}) };
  const claims = { iss: sa.client_email, scope: options.scope ?? FCM_SCOPE, aud: sa.token_uri, iat, exp: iat + lifetime };
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(sa.key ?? sa.private_key);
  return `${unsigned}.${b64url(signature)}`;
}

export interface AccessTokenOptions {
  /** Where assertions are exchanged instead of the key file's token_uri (the FCM simulator); null: token_uri. */
  tokenUrl: string | null;
  /** A cached token is renewed this long before it expires. */
  refreshMarginMs: number;
  timeoutMs: number;
  now?: () => number;
  fetch?: typeof fetch;
}

/**
 * Access tokens per service account, cached until shortly before they expire (Google gives an
 * hour), so a burst of pushes costs one exchange. Concurrent callers share one exchange.
 */
export class GoogleAccessTokens {
  private readonly cache = new Map<string, { token: string; expiresAt: number } | Promise<{ token: string; expiresAt: number }>>();
  private readonly now: () => number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: AccessTokenOptions) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
  }

  async get(sa: ServiceAccount & { key?: KeyObject }): Promise<string> {
    const key = this.keyOf(sa);
    const cached = this.cache.get(key);
    if (cached && !(cached instanceof Promise) && cached.expiresAt - this.options.refreshMarginMs > this.now()) return cached.token;
    if (cached instanceof Promise) return (await cached).token;
    const pending = this.exchange(sa);
    this.cache.set(key, pending);
    try {
      const fresh = await pending;
      this.cache.set(key, fresh);
      return fresh.token;
    } catch (err) {
      this.cache.delete(key);
      throw err;
    }
  }

  /** FCM said the token is no good (revoked, clock skew): the next get() exchanges a new one. */
  invalidate(sa: ServiceAccount): void {
    this.cache.delete(this.keyOf(sa));
  }

  private keyOf(sa: ServiceAccount) {
    return `${sa.client_email}|${sa.private_key_id ?? ''}|${this.options.tokenUrl ?? sa.token_uri}`;
  }

  private async exchange(sa: ServiceAccount & { key?: KeyObject }): Promise<{ token: string; expiresAt: number }> {
    const assertion = signServiceAccountJwt(sa, { nowSeconds: Math.floor(this.now() / 1000) });
    const url = this.options.tokenUrl ?? sa.token_uri;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      // Nothing was sent to a device yet: trying again is harmless.
      throw new ChannelSendError(`OAuth2 token exchange at ${url} failed: ${(err as Error).message}`, true, 'TOKEN_EXCHANGE_FAILED');
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* described below */
    }
    if (response.ok && typeof body.access_token === 'string') {
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600);
      return { token: body.access_token, expiresAt: this.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000 };
    }
    const code = typeof body.error === 'string' ? body.error : `HTTP_${response.status}`;
    const description = typeof body.error_description === 'string' ? body.error_description : text.slice(0, 200);
    // invalid_grant / invalid_client: the key was deleted or is wrong; only someone fixing the channel account helps.
    const retryable = response.status >= 500 || response.status === 429;
    throw new ChannelSendError(`OAuth2 token exchange refused (${code}): ${description}`, retryable, code, retryAfterMs(response.headers.get('retry-after')));
  }
}

/** Retry-After in seconds or as an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
