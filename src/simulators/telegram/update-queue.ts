import type { Update, WebhookInfo } from '@grammyjs/types';
import { otherGetUpdates, webhookActive } from './bot-api';

/**
 * One bot's pending updates, delivered as Telegram does: to the webhook when one is set (one
 * update per POST, in order, the same update again until the receiver answers 2xx), otherwise
 * kept for getUpdates, where an update is confirmed once a call asks for a higher offset.
 */

export interface SimLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface WebhookSetting {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections: number;
}

export interface WebhookAttempt {
  updateId: number;
  url: string;
  status: number | null;
  error?: string;
  at: string;
}

/** Update types Telegram leaves out unless allowed_updates names them. */
const OPT_IN_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

export function updateType(update: Update): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export class UpdateQueue {
  private pending: Update[] = [];
  private nextId: number;
  private webhookSetting: WebhookSetting | null = null;
  private pollAllowed: string[] | undefined;
  private waiter: Waiter | null = null;
  private delivering = false;
  private generation = 0;
  private lastError: { date: number; message: string } | null = null;
  readonly attempts: WebhookAttempt[] = [];
  private closed = false;

  constructor(
    firstUpdateId: number,
    private readonly deps: { fetch: typeof fetch; retryDelayMs: number; timeoutMs: number; logger?: SimLogger; now(): number },
  ) {
    this.nextId = firstUpdateId;
  }

  get webhook(): WebhookSetting | null {
    return this.webhookSetting;
  }

  /** Adds an update (its id assigned here) unless the bot's allowed_updates leave its type out. */
  push(build: (updateId: number) => Update): Update {
    const update = build(this.nextId++);
    const allowed = this.webhookSetting ? this.webhookSetting.allowedUpdates : this.pollAllowed;
    const type = updateType(update);
    if (allowed?.length ? !allowed.includes(type) : OPT_IN_UPDATES.has(type)) return update;
    this.pending.push(update);
    this.wake();
    return update;
  }

  setWebhook(setting: WebhookSetting, dropPending: boolean): void {
    if (dropPending) this.pending = [];
    this.webhookSetting = setting;
    this.generation++;
    this.lastError = null;
    // A getUpdates waiting when the webhook is set ends the way Telegram ends it.
    this.waiter?.reject(webhookActive());
    this.waiter = null;
    this.wake();
  }

  deleteWebhook(dropPending: boolean): boolean {
    const had = this.webhookSetting !== null;
    if (dropPending) this.pending = [];
    this.webhookSetting = null;
    this.generation++;
    return had;
  }

  info(): WebhookInfo {
    const w = this.webhookSetting;
    return {
      url: w?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
      ...(w ? { max_connections: w.maxConnections, ip_address: '127.0.0.1' } : {}),
      ...(w?.allowedUpdates?.length ? { allowed_updates: w.allowedUpdates as WebhookInfo['allowed_updates'] } : {}),
      ...(this.lastError ? { last_error_date: this.lastError.date, last_error_message: this.lastError.message } : {}),
    };
  }

  /** getUpdates: confirms what is below `offset`, then answers at once or after a long poll. */
  async getUpdates(args: { offset?: number; limit: number; timeoutSeconds: number; allowedUpdates?: string[] }): Promise<Update[]> {
    if (this.webhookSetting) throw webhookActive();
    if (args.allowedUpdates) this.pollAllowed = args.allowedUpdates.length ? args.allowedUpdates : undefined;
    this.confirm(args.offset);
    if (this.pending.length === 0 && args.timeoutSeconds > 0 && !this.closed) {
      this.waiter?.reject(otherGetUpdates());
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(), args.timeoutSeconds * 1000);
        const finish = (err?: Error) => {
          clearTimeout(timer);
          if (this.waiter === waiter) this.waiter = null;
          if (err) reject(err);
          else resolve();
        };
        const waiter: Waiter = { resolve: () => finish(), reject: (err) => finish(err) };
        this.waiter = waiter;
      });
    }
    return this.pending.slice(0, args.limit);
  }

  /** Updates not yet confirmed (getUpdates) or not yet accepted by the webhook. */
  pendingUpdates(): Update[] {
    return [...this.pending];
  }

  close(): void {
    this.closed = true;
    this.generation++;
    this.waiter?.resolve();
    this.waiter = null;
  }

  private confirm(offset: number | undefined): void {
    if (offset === undefined) return;
    if (offset < 0) this.pending = this.pending.slice(offset);
    else this.pending = this.pending.filter((u) => u.update_id >= offset);
  }

  private wake(): void {
    if (this.webhookSetting) void this.deliver();
    else if (this.pending.length) {
      this.waiter?.resolve();
      this.waiter = null;
    }
  }

  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    const generation = this.generation;
    try {
      while (!this.closed && this.webhookSetting && generation === this.generation && this.pending.length) {
        const update = this.pending[0];
        const ok = await this.post(this.webhookSetting, update);
        if (generation !== this.generation) break;
        if (ok) this.pending.shift();
        else await new Promise((r) => setTimeout(r, this.deps.retryDelayMs));
      }
    } finally {
      this.delivering = false;
    }
    // The webhook changed while a POST was in flight: deliver to the new one.
    if (!this.closed && this.webhookSetting && generation !== this.generation && this.pending.length) void this.deliver();
  }

  private async post(webhook: WebhookSetting, update: Update): Promise<boolean> {
    const at = new Date(this.deps.now()).toISOString();
    try {
      const res = await this.deps.fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      this.attempts.push({ updateId: update.update_id, url: webhook.url, status: res.status, at });
      if (res.status >= 200 && res.status < 300) return true;
      this.lastError = { date: Math.floor(this.deps.now() / 1000), message: `Wrong response from the webhook: ${res.status} ${res.statusText}` };
    } catch (err) {
      const message = (err as Error).message;
      this.attempts.push({ updateId: update.update_id, url: webhook.url, status: null, error: message, at });
      this.lastError = { date: Math.floor(this.deps.now() / 1000), message: `Connection refused: ${message}` };
    }
    this.deps.logger?.warn({ updateId: update.update_id, error: this.lastError.message }, 'telegram simulator: webhook delivery failed; will retry');
    return false;
  }
}
