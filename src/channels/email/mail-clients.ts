import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { Login } from './oauth-tokens';
import type { ServerSettings } from './mailbox-settings';

/** One place that turns a mailbox's settings and login into nodemailer's and imapflow's options. */

export function smtpTransport(server: ServerSettings, login: Login, timeoutMs: number) {
  return nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    auth: 'password' in login ? { user: login.user, pass: login.password } : { type: 'OAuth2', user: login.user, accessToken: login.accessToken },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Attachments are fetched by recado itself, with its size limit: nodemailer never reads files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

export function imapClient(server: ServerSettings, login: Login, opts: { timeoutMs: number; maxIdleTimeMs?: number; idle?: boolean; autoIdleDelayMs?: number }) {
  return new ImapFlow({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    doSTARTTLS: server.security === 'starttls' ? true : server.security === 'none' ? false : undefined,
    auth: 'password' in login ? { user: login.user, pass: login.password } : { user: login.user, accessToken: login.accessToken },
    logger: false,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: Math.max(opts.timeoutMs, (opts.maxIdleTimeMs ?? 0) * 2),
    maxIdleTime: opts.maxIdleTimeMs,
    disableAutoIdle: opts.idle === false,
    autoIdleDelay: opts.autoIdleDelayMs,
    // Without IDLE on the server, imapflow keeps the connection alive with NOOP; the receiver polls anyway.
    missingIdleCommand: 'NOOP',
  });
}
