import type { ImapFlow, MailboxObject } from 'imapflow';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { InboundDeliveriesService } from '../../webhooks/inbound-deliveries.service';
import type { ChannelSecrets } from '../accounts/channel-secrets';
import type { ChannelAccountRow, OpenChannelAccount } from '../driver';
import type { EmailConfig } from './email.config';
import { EMAIL_PROVIDER } from './email.handler';
import type { EmailRepository } from './email.repository';
import { imapClient } from './mail-clients';
import { readMailboxSettings } from './mailbox-settings';
import type { Login } from './oauth-tokens';
import { encodeRawSource } from './raw-source';

const MAILBOX = 'INBOX';
/** imapflow starts IDLE after this much quiet on the connection (its default, 15 s, would leave new mail unnoticed that long). */
const AUTO_IDLE_DELAY_MS = 1000;
const FIRST_BACKOFF_MS = 1000;

export interface ImapReceiverDeps {
  accounts: { listByChannel(channel: 'email'): Promise<ChannelAccountRow[]> };
  secrets: ChannelSecrets;
  mailboxes: EmailRepository;
  /** The one inbound pipeline: stores the raw mail before the receiver moves past its UID. */
  deliveries: Pick<InboundDeliveriesService, 'receive'>;
  /** The mailbox's login (password, or an XOAUTH2 token refreshed as needed): EmailDriver.login. */
  login(account: OpenChannelAccount): Promise<Login>;
  logger: Logger;
  config: EmailConfig['receiver'] & Pick<EmailConfig, 'serverTimeoutMs'>;
}

/**
 * Reads every connected mailbox over IMAP and hands each new mail to the inbound pipeline:
 * IDLE for prompt delivery, a poll every EMAIL_IMAP_POLL_INTERVAL in any case (servers without
 * IDLE, an IDLE that silently died). The UID of the last mail stored is kept per mailbox with its
 * UIDVALIDITY and moved only after the pipeline has stored the mail, so a restart re-reads at most
 * the one mail in flight, which the pipeline's de-duplication (Message-ID) absorbs.
 */
export class ImapReceiver {
  private readonly watchers = new Map<string, MailboxWatcher>();
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private running = false;
  /** Who holds a mailbox's lease: one receiver reads a mailbox when several API processes run. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(private readonly deps: ImapReceiverDeps) {}

  /** Starts reading every e-mail channel account, and looks for new or removed ones every EMAIL_ACCOUNTS_REFRESH. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // The database may be down at start-up: the next refresh tries again (the failure is logged).
    await this.refresh().catch(() => {});
    this.refreshTimer = setInterval(() => void this.refresh().catch(() => {}), this.deps.config.accountsRefreshMs);
    this.refreshTimer.unref();
  }

  /** Lets every watcher finish the mail in hand, logs out and releases the leases. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.refreshTimer);
    await this.refreshing?.catch(() => {});
    const watchers = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(watchers.map((w) => w.stop()));
  }

  /** Reconciles the watchers with the e-mail channel accounts now connected. */
  async refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const accounts = await this.deps.accounts.listByChannel('email');
        if (!this.running) return;
        const ids = new Set(accounts.map((a) => a.id));
        for (const [id, watcher] of this.watchers) {
          if (!ids.has(id)) {
            this.watchers.delete(id);
            await watcher.stop();
          }
        }
        for (const account of accounts) {
          if (!this.watchers.has(account.id)) {
            const watcher = new MailboxWatcher(account, this.deps, this.owner);
            this.watchers.set(account.id, watcher);
            watcher.start();
          }
        }
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'imap receiver could not list e-mail channel accounts');
        throw err;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Mailboxes being read, by channel account id (for status and tests). */
  watching(): string[] {
    return [...this.watchers.keys()];
  }
}

/** One mailbox: connect, read what is new, wait (IDLE or poll), repeat; reconnect with backoff on failure. */
class MailboxWatcher {
  private stopping = false;
  private pending = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private client?: ImapFlow;
  private readonly log: Logger;
  private readonly leaseMs: number;

  constructor(
    private readonly account: ChannelAccountRow,
    private readonly deps: ImapReceiverDeps,
    private readonly owner: string,
  ) {
    this.log = deps.logger.child({ channelAccountId: account.id, mailbox: account.address });
    this.leaseMs = Math.max(3 * deps.config.pollIntervalMs, 60_000);
  }

  start() {
    this.loop = this.run();
  }

  async stop() {
    this.stopping = true;
    this.wake?.();
    // The mail in hand is finished (stored, UID moved); a connect or IDLE in progress is cut short.
    const finished = await Promise.race([this.loop?.then(() => true), sleep(this.deps.config.serverTimeoutMs).then(() => false)]);
    if (!finished) this.client?.close();
    await this.loop;
  }

  private async run() {
    let backoff = FIRST_BACKOFF_MS;
    while (!this.stopping) {
      try {
        await this.session();
        backoff = FIRST_BACKOFF_MS;
      } catch (err) {
        if (this.stopping) break;
        this.log.warn({ err: (err as Error).message, retryInMs: backoff }, 'imap session failed; reconnecting');
        await this.wait(backoff);
        backoff = Math.min(backoff * 2, this.deps.config.reconnectMaxMs);
      }
    }
    await this.deps.mailboxes.releaseLease(this.account.id, MAILBOX, this.owner).catch(() => {});
  }

  private async session() {
    const { config, mailboxes } = this.deps;
    if (!(await mailboxes.claimLease(this.account.id, MAILBOX, this.owner, this.leaseMs))) {
      await this.wait(config.pollIntervalMs);
      return;
    }
    const open = this.deps.secrets.open(this.account);
    const settings = readMailboxSettings(open.settings);
    const client = imapClient(settings.imap, await this.deps.login(open), {
      timeoutMs: config.serverTimeoutMs,
      maxIdleTimeMs: config.idleRestartMs,
      idle: config.idle,
      autoIdleDelayMs: AUTO_IDLE_DELAY_MS,
    });
    this.client = client;
    let closed = false;
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'imap connection error'));
    client.on('close', () => {
      closed = true;
      this.wake?.();
    });
    client.on('exists', () => {
      this.pending = true;
      this.wake?.();
    });
    await client.connect();
    try {
      await client.mailboxOpen(MAILBOX);
      while (!this.stopping && !closed) {
        this.pending = false;
        await this.drain(client);
        if (this.stopping || closed) break;
        if (!(await mailboxes.claimLease(this.account.id, MAILBOX, this.owner, this.leaseMs))) {
          this.log.info('another receiver took over this mailbox');
          break;
        }
        if (!this.pending) await this.wait(config.pollIntervalMs);
      }
      if (closed && !this.stopping) throw new Error('the server closed the connection');
    } finally {
      this.client = undefined;
      if (!closed) await client.logout().catch(() => client.close());
    }
  }

  /** Stores every mail after the last stored UID, in UID order, a batch at a time. */
  private async drain(client: ImapFlow) {
    const { mailboxes, deliveries, config } = this.deps;
    const box = client.mailbox as MailboxObject;
    const uidValidity = BigInt(box.uidValidity);
    const stored = await mailboxes.mailbox(this.account.id, MAILBOX);
    let last: number;
    if (stored?.uid_validity === uidValidity.toString()) {
      last = Number(stored.last_uid);
    } else {
      // First read, or the server renumbered the mailbox (RFC 9051 §2.3.1.1): then read again from the
      // day before the last mail stored, and let the pipeline's Message-ID de-duplication drop repeats.
      const renumbered = stored?.uid_validity !== null && stored?.uid_validity !== undefined;
      const since = renumbered && stored?.last_internal_date ? new Date(stored.last_internal_date.getTime() - 86_400_000) : null;
      last = await this.initialUid(client, box, since);
      await mailboxes.resetTo(this.account.id, MAILBOX, uidValidity, last);
      if (renumbered) this.log.warn({ uidValidity: uidValidity.toString(), since }, 'UIDVALIDITY changed: mailbox read again');
    }
    for (;;) {
      const found = (await client.search({ uid: `${last + 1}:*` }, { uid: true })) || [];
      // `n:*` always matches the newest mail, even when its UID is below n.
      const uids = found.filter((uid) => uid > last).sort((a, b) => a - b).slice(0, config.batchSize);
      if (uids.length === 0) return;
      for (const uid of uids) {
        if (this.stopping) return;
        const mail = await client.fetchOne(String(uid), { source: true, internalDate: true }, { uid: true });
        if (mail && mail.source) {
          await deliveries.receive(EMAIL_PROVIDER, encodeRawSource(mail.source), this.account.id);
        }
        const internalDate = mail && mail.internalDate ? new Date(mail.internalDate) : null;
        await mailboxes.advance(this.account.id, MAILBOX, uidValidity, uid, internalDate);
        last = uid;
      }
      if (uids.length < config.batchSize) return;
    }
  }

  /**
   * Where a mailbox read for the first time starts: after the mail that arrived before it was
   * connected (less EMAIL_IMAP_BACKFILL), so mail arriving between connecting it and this first
   * read is not skipped. `since` (a renumbered mailbox) overrides the cut-off.
   */
  private async initialUid(client: ImapFlow, box: MailboxObject, since: Date | null): Promise<number> {
    const cutoff = since ?? new Date(new Date(this.account.created_at).getTime() - this.deps.config.backfillMs);
    // SINCE has day granularity (RFC 9051 §6.4.4): narrow to the exact cut-off with each mail's INTERNALDATE.
    const day = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth(), cutoff.getUTCDate() - 1));
    const candidates = ((await client.search({ since: day }, { uid: true })) || []).sort((a, b) => a - b);
    if (candidates.length === 0) return Math.max(0, box.uidNext - 1);
    const dates: Array<{ uid: number; at: Date | null }> = [];
    for await (const m of client.fetch(candidates.join(','), { internalDate: true }, { uid: true })) {
      dates.push({ uid: m.uid, at: m.internalDate ? new Date(m.internalDate) : null });
    }
    const first = dates.sort((a, b) => a.uid - b.uid).find((d) => d.at && d.at >= cutoff);
    if (first) return first.uid - 1;
    return Math.max(0, box.uidNext - 1);
  }

  private wait(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}
