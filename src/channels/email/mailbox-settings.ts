import { InvalidFieldError } from '../../common/errors';

/**
 * A mailbox's connection settings (channel_accounts.settings, not secret) and credentials
 * (channel_accounts.secrets, sealed), read strictly: every problem names its field.
 *
 *   settings: { provider?: 'google' | 'microsoft',
 *               smtp: { host, port, security: 'tls' | 'starttls' | 'none' },
 *               imap: { host, port, security: 'tls' | 'starttls' | 'none' },
 *               username?: string (default: the mailbox address), from_name?: string }
 *   secrets:  { password }  or, for XOAUTH2 (Google, Microsoft 365),
 *             { access_token } and/or { refresh_token, client_id, client_secret?, token_url? }
 *
 * `provider` fills in the provider's hosts, ports and token URL; explicit settings win.
 */

export type Security = 'tls' | 'starttls' | 'none';
const SECURITIES: readonly Security[] = ['tls', 'starttls', 'none'];

export interface ServerSettings {
  host: string;
  port: number;
  security: Security;
}

export interface MailboxSettings {
  provider: MailProvider | null;
  smtp: ServerSettings;
  imap: ServerSettings;
  /** The login name; most providers use the address itself. */
  username: string | null;
  fromName: string | null;
}

export type MailboxAuth =
  | { kind: 'password'; user: string; password: string }
  | {
      kind: 'oauth2';
      user: string;
      accessToken: string | null;
      refresh: { refreshToken: string; clientId: string; clientSecret: string | null; tokenUrl: string } | null;
    };

export type MailProvider = 'google' | 'microsoft';

/** Published endpoints: Gmail (support.google.com/mail/answer/7126229), Microsoft 365 (learn.microsoft.com, "POP, IMAP, and SMTP settings"). */
export const PROVIDER_PRESETS: Record<MailProvider, { smtp: ServerSettings; imap: ServerSettings; tokenUrl: string }> = {
  google: {
    smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
    imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
    tokenUrl: 'https://oauth2.googleapis.com/token',
  },
  microsoft: {
    smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
    imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  },
};

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidFieldError(field, 'must be an object');
  return value as Record<string, unknown>;
}

function server(raw: unknown, field: string, preset: ServerSettings | undefined): ServerSettings {
  const s = record(raw, field);
  const host = s.host ?? preset?.host;
  if (typeof host !== 'string' || host.trim() === '') throw new InvalidFieldError(`${field}.host`, 'is required: the server\'s host name');
  const h = host.trim().toLowerCase();
  if (!HOSTNAME.test(h) && !(IPV4.test(h) && h.split('.').every((o) => Number(o) <= 255)) && h !== '::1') {
    throw new InvalidFieldError(`${field}.host`, `must be a host name or IPv4 address, got "${host}"`);
  }
  const port = s.port ?? preset?.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidFieldError(`${field}.port`, 'must be a port number 1-65535');
  }
  const security = s.security ?? preset?.security ?? (port === 465 || port === 993 ? 'tls' : 'starttls');
  if (typeof security !== 'string' || !SECURITIES.includes(security as Security)) {
    throw new InvalidFieldError(`${field}.security`, `must be one of ${SECURITIES.join(', ')}`);
  }
  // Credentials never cross a network in clear text; a server on this machine may do without TLS.
  if (security === 'none' && !isLoopbackHost(h)) {
    throw new InvalidFieldError(`${field}.security`, 'may be "none" only for a server on this machine (127.0.0.1, localhost): use tls or starttls');
  }
  return { host: h, port, security: security as Security };
}

export function readMailboxSettings(raw: Record<string, unknown>): MailboxSettings {
  const provider = raw.provider ?? null;
  if (provider !== null && provider !== 'google' && provider !== 'microsoft') {
    throw new InvalidFieldError('settings.provider', 'must be google or microsoft (or absent for any other server)');
  }
  const preset = provider ? PROVIDER_PRESETS[provider] : undefined;
  const username = raw.username ?? null;
  if (username !== null && (typeof username !== 'string' || username.trim() === '')) {
    throw new InvalidFieldError('settings.username', 'must be a non-empty string (the login name, when it is not the address)');
  }
  const fromName = raw.from_name ?? null;
  if (fromName !== null && (typeof fromName !== 'string' || /[\r\n]/.test(fromName) || fromName.length > 200)) {
    throw new InvalidFieldError('settings.from_name', 'must be one line of at most 200 characters');
  }
  return {
    provider: provider as MailProvider | null,
    smtp: server(raw.smtp, 'settings.smtp', preset?.smtp),
    imap: server(raw.imap, 'settings.imap', preset?.imap),
    username: username === null ? null : username.trim(),
    fromName: fromName === null ? null : fromName.trim() || null,
  };
}

/** The credentials a mailbox logs in with, SMTP and IMAP alike. */
export function readMailboxAuth(secrets: Record<string, string>, settings: MailboxSettings, address: string): MailboxAuth {
  const user = settings.username ?? secrets.oauth_user ?? address;
  const str = (name: string): string | null => {
    const value = secrets[name];
    if (value === undefined) return null;
    if (typeof value !== 'string' || value === '') throw new InvalidFieldError(`secrets.${name}`, 'must be a non-empty string');
    return value;
  };
  const password = str('password');
  const accessToken = str('access_token');
  const refreshToken = str('refresh_token');
  if (password && (accessToken || refreshToken)) {
    throw new InvalidFieldError('secrets.password', 'give either a password or OAuth2 tokens (access_token / refresh_token), not both');
  }
  if (password) return { kind: 'password', user, password };
  if (!accessToken && !refreshToken) {
    throw new InvalidFieldError('secrets.password', 'is required (or, for XOAUTH2, secrets.access_token or secrets.refresh_token)');
  }
  let refresh = null;
  if (refreshToken) {
    const clientId = str('client_id');
    if (!clientId) throw new InvalidFieldError('secrets.client_id', 'is required with secrets.refresh_token (the OAuth2 app\'s client id)');
    const tokenUrl = str('token_url') ?? (settings.provider ? PROVIDER_PRESETS[settings.provider].tokenUrl : null);
    if (!tokenUrl) throw new InvalidFieldError('secrets.token_url', 'is required with secrets.refresh_token unless settings.provider names google or microsoft');
    let url: URL;
    try {
      url = new URL(tokenUrl);
    } catch {
      throw new InvalidFieldError('secrets.token_url', 'must be a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new InvalidFieldError('secrets.token_url', 'must be an https URL');
    }
    refresh = { refreshToken, clientId, clientSecret: str('client_secret'), tokenUrl };
  }
  return { kind: 'oauth2', user, accessToken, refresh };
}
