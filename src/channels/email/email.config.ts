import { envReader } from '../../config/env-reader';

type Env = Record<string, string | undefined>;

/**
 * The e-mail channel's settings, from the environment, each with a documented default. Per
 * mailbox settings (hosts, ports, credentials) live on the channel account, not here.
 */
export const EMAIL_DEFAULTS = {
  /** `off` keeps the API from reading mailboxes (a second API replica, a test that drives the receiver itself). */
  EMAIL_IMAP_RECEIVER: 'on',
  /** How often a mailbox is checked for new mail even while IDLE is on; the only check when the server has no IDLE. */
  EMAIL_IMAP_POLL_INTERVAL: '30s',
  /** `off` polls only, never IDLE. */
  EMAIL_IMAP_IDLE: 'on',
  /** IDLE is re-issued after this long: RFC 2177 asks for under 29 minutes, and NATs drop quiet connections sooner. */
  EMAIL_IMAP_IDLE_RESTART: '5m',
  /** Longest wait between reconnects to a mailbox that keeps failing (doubling from 1 s). */
  EMAIL_IMAP_RECONNECT_MAX: '1m',
  /**
   * A mailbox is read from the moment it was connected, and this long before it (mail that was
   * already there is otherwise left alone: connecting a mailbox does not import its history).
   * Also absorbs a mail server's clock running behind recado's.
   */
  EMAIL_IMAP_BACKFILL: '10m',
  /** Mails read from a mailbox per pass; the rest follow in the next pass, at once. */
  EMAIL_IMAP_BATCH: '50',
  /** How often the receiver looks for mailboxes connected or removed since it started. */
  EMAIL_ACCOUNTS_REFRESH: '30s',
  /** Largest attachment recado sends: 15 MiB is 20 MB once base64-encoded, under Gmail's and Microsoft 365's 25 MB. */
  EMAIL_MAX_ATTACHMENT_BYTES: String(15 * 1024 * 1024),
  /** Fetching an attachment from its URL gives up after this long. */
  EMAIL_ATTACHMENT_FETCH_TIMEOUT: '30s',
  /**
   * Connecting to, greeting and each reply of an SMTP or IMAP server. A send is one activity
   * bounded by MESSAGE_SEND_TIMEOUT (30s): keep this well under it.
   */
  EMAIL_SERVER_TIMEOUT: '10s',
  /**
   * After an attempt died mid-send: how long the lookup watches the mailbox for recado's own
   * copy of the mail before it concludes the mail never went (the server delivers it moments after accepting).
   * It runs inside the send activity: with the IMAP connection it must fit in MESSAGE_SEND_TIMEOUT (30s).
   */
  EMAIL_LOOKUP_WAIT: '10s',
} as const;

export interface EmailConfig {
  receiver: {
    enabled: boolean;
    pollIntervalMs: number;
    idle: boolean;
    idleRestartMs: number;
    reconnectMaxMs: number;
    batchSize: number;
    accountsRefreshMs: number;
    backfillMs: number;
  };
  maxAttachmentBytes: number;
  attachmentFetchTimeoutMs: number;
  serverTimeoutMs: number;
  lookupWaitMs: number;
}

export function loadEmailConfig(env: Env = process.env): EmailConfig {
  const read = envReader(env, EMAIL_DEFAULTS);
  const duration = read.ms;
  const count = (name: keyof typeof EMAIL_DEFAULTS, min: number) => read.int(name, min);
  const onOff = (name: keyof typeof EMAIL_DEFAULTS) => read.flag(name, false);
  return {
    receiver: {
      enabled: onOff('EMAIL_IMAP_RECEIVER'),
      pollIntervalMs: duration('EMAIL_IMAP_POLL_INTERVAL', 100),
      idle: onOff('EMAIL_IMAP_IDLE'),
      idleRestartMs: duration('EMAIL_IMAP_IDLE_RESTART', 1000),
      reconnectMaxMs: duration('EMAIL_IMAP_RECONNECT_MAX', 1000),
      batchSize: count('EMAIL_IMAP_BATCH', 1),
      accountsRefreshMs: duration('EMAIL_ACCOUNTS_REFRESH', 100),
      backfillMs: duration('EMAIL_IMAP_BACKFILL', 0),
    },
    maxAttachmentBytes: count('EMAIL_MAX_ATTACHMENT_BYTES', 1),
    attachmentFetchTimeoutMs: duration('EMAIL_ATTACHMENT_FETCH_TIMEOUT', 1),
    serverTimeoutMs: duration('EMAIL_SERVER_TIMEOUT', 100),
    lookupWaitMs: duration('EMAIL_LOOKUP_WAIT', 0),
  };
}
