import type { MailboxAuth } from './mailbox-settings';

/** What SMTP (nodemailer) and IMAP (imapflow) log in with: a password, or an XOAUTH2 access token. */
export type Login = { user: string; password: string } | { user: string; accessToken: string };

/** A token endpoint refused the refresh token (revoked, expired, wrong client): retrying will not help. */
export class OAuthRefreshError extends Error {
  override readonly name = 'OAuthRefreshError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Refresh a little before the provider's expiry, so a token never lapses mid-session. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * XOAUTH2 access tokens for Google and Microsoft 365 mailboxes. A stored refresh token is
 * exchanged at the provider's token endpoint (RFC 6749 §6) and the access token kept in memory
 * until shortly before it expires; a mailbox connected with an access token alone uses it as is.
 * Refreshed tokens are not written back: the refresh token stays the sealed credential.
 */
export class MailboxTokens {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly timeoutMs: number) {}

  async login(channelAccountId: string, auth: MailboxAuth): Promise<Login> {
    if (auth.kind === 'password') return { user: auth.user, password: auth.password };
    if (!auth.refresh) return { user: auth.user, accessToken: auth.accessToken! };
    const cached = this.cache.get(channelAccountId);
    if (cached && cached.expiresAt > Date.now()) return { user: auth.user, accessToken: cached.token };
    const token = await this.refresh(auth.refresh);
    this.cache.set(channelAccountId, token);
    return { user: auth.user, accessToken: token.token };
  }

  /** The server refused the token: the next login refreshes instead of reusing it. */
  forget(channelAccountId: string) {
    this.cache.delete(channelAccountId);
  }

  private async refresh(r: NonNullable<Extract<MailboxAuth, { kind: 'oauth2' }>['refresh']>) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: r.refreshToken, client_id: r.clientId });
    if (r.clientSecret) form.set('client_secret', r.clientSecret);
    let res: Response;
    try {
      res = await fetch(r.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new OAuthRefreshError(`token endpoint ${new URL(r.tokenUrl).host} unreachable: ${(err as Error).message}`, false);
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (!res.ok || typeof body.access_token !== 'string') {
      const reason = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ') || `HTTP ${res.status}`;
      // invalid_grant / invalid_client (400, 401) need a new consent; 5xx and 429 pass.
      throw new OAuthRefreshError(`token refresh refused: ${reason}`, res.status >= 400 && res.status < 500 && res.status !== 429);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600) || 3600;
    return { token: body.access_token, expiresAt: Date.now() + Math.max(0, expiresIn * 1000 - EXPIRY_MARGIN_MS) };
  }
}
