import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';

/**
 * The token endpoint's side of Google's service-account flow
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): the
 * assertion must be an RS256 JWT signed by a key the simulator was given, with iss = the service
 * account's client_email, a scope, aud = the token URI, and iat/exp at most an hour apart.
 */

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The audiences Google accepts for the exchange. */
export const GOOGLE_TOKEN_AUDIENCES = ['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'];
/** Google tolerates this much clock skew on iat. */
const CLOCK_SKEW_SECONDS = 300;

export interface TrustedServiceAccount {
  clientEmail: string;
  projectId: string;
  publicKey: KeyObject;
}

export type AssertionCheck =
  | { ok: true; clientEmail: string; scopes: string[] }
  | { ok: false; error: 'invalid_grant' | 'invalid_scope' | 'invalid_request'; description: string };

/** A trusted account from a key file (its private key yields the public one) or from a public key. */
export function trustedServiceAccount(json: { client_email: string; project_id: string; private_key?: string; public_key?: string }): TrustedServiceAccount {
  const pem = json.public_key ?? json.private_key;
  if (!pem) throw new Error('a service account needs private_key or public_key');
  return { clientEmail: json.client_email, projectId: json.project_id, publicKey: createPublicKey(pem) };
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function verifyAssertion(
  assertion: string,
  accounts: ReadonlyMap<string, TrustedServiceAccount>,
  options: { audiences: string[]; nowSeconds: number },
): AssertionCheck {
  const parts = assertion.split('.');
  const header = parts.length === 3 ? decodeJson(parts[0]) : null;
  const claims = parts.length === 3 ? decodeJson(parts[1]) : null;
  if (!header || !claims) return { ok: false, error: 'invalid_grant', description: 'Invalid JWT: the assertion is not a JWS compact serialization.' };
  if (header.alg !== 'RS256') return { ok: false, error: 'invalid_grant', description: `Invalid JWT: alg must be RS256, got ${JSON.stringify(header.alg)}.` };
  const account = typeof claims.iss === 'string' ? accounts.get(claims.iss) : undefined;
  if (!account) return { ok: false, error: 'invalid_grant', description: 'Invalid grant: account not found' };
  const signatureOk = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(account.publicKey, Buffer.from(parts[2], 'base64url'));
  if (!signatureOk) return { ok: false, error: 'invalid_grant', description: 'Invalid JWT Signature.' };
  if (typeof claims.aud !== 'string' || !options.audiences.includes(claims.aud)) {
    return { ok: false, error: 'invalid_grant', description: `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_AUDIENCES[0]}.` };
  }
  const { iat, exp } = claims;
  const now = options.nowSeconds;
  if (
    typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat || exp - iat > 3600 ||
    iat > now + CLOCK_SKEW_SECONDS || exp < now - CLOCK_SKEW_SECONDS
  ) {
    return {
      ok: false,
      error: 'invalid_grant',
      description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    };
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : [];
  if (scopes.length === 0) return { ok: false, error: 'invalid_scope', description: 'Invalid OAuth scope or ID token audience provided.' };
  return { ok: true, clientEmail: account.clientEmail, scopes };
}
