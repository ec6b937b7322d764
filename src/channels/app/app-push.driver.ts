import type { Pool } from 'pg';
import { InvalidFieldError } from '../../common/errors';
import { normaliseIdentity } from '../../contacts/identities';
import {
  ChannelSendError,
  type ChannelAccountRow,
  type ChannelCapabilities,
  type ChannelDriver,
  type OpenChannelAccount,
  type RenderedMessage,
  type RenderInput,
  type SendResult,
  type UnknownOutcomePolicy,
} from '../driver';
import type { AppPushConfig } from './app-push.config';
import { AppDevicesRepository, type AppDeviceRow } from './app-devices.repository';
import { checkMessage, FCM_MAX_PAYLOAD_BYTES, payloadBytes } from './fcm-message';
import { GoogleAccessTokens, parseServiceAccount, retryAfterMs, type ServiceAccount } from './google-oauth';
import { pushSignature } from './push-signature';

/**
 * The business's own app as a channel. Two ways to reach it, per channel account (settings.mode):
 * - `fcm`: Firebase Cloud Messaging HTTP v1, one Message per device token of the app user,
 *   authorised by an OAuth2 token from the account's service-account key;
 * - `webhook`: a signed JSON POST to the app's backend (README, "App push"), which pushes itself.
 * One logical push per recado message: its provider id is recado's message id, which the app
 * echoes in its delivery/open receipts.
 *
 * Device tokens live in app_devices, not in the rendered body: render() is synchronous and knows
 * only the recipient's app user id, and a retried send must go to the devices registered now
 * (a token pruned after UNREGISTERED is never tried again).
 */

export const APP_PUSH_MODES = ['fcm', 'webhook'] as const;
export type AppPushMode = (typeof APP_PUSH_MODES)[number];

/** The webhook push as documented: what the app's backend receives (device_token and sent_at are added per POST). */
export interface WebhookPush {
  id: string;
  app_user_id: string;
  device_token?: string;
  title: string;
  body: string;
  image: string | null;
  data: Record<string, string>;
  buttons: Array<{ id: string; title: string }>;
  sent_at?: string;
}

/** The rendered body stored in the send row. */
export interface AppPushBody {
  mode: AppPushMode;
  app_user_id: string;
  /** fcm: the Message every device gets, without its token. */
  message?: Record<string, unknown>;
  /** webhook: the push without device_token and sent_at. */
  push?: WebhookPush;
}

type DeviceOutcome = { token: string | null; ok: true } | { token: string | null; ok: false; unregistered: boolean; error: ChannelSendError };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const MIN_SIGNING_SECRET = 16;
/** Connection failures that prove the request never reached the server: resending is safe. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export class AppPushDriver implements ChannelDriver {
  readonly channel = 'app' as const;
  readonly identityKind = 'app' as const;
  readonly capabilities: ChannelCapabilities = {
    text: true,
    template: false,
    buttons: true,
    media: true,
    readReceipts: true,
    deliveryReceipts: true,
  };
  /**
   * FCM's messages:send has no idempotency key: an attempt that died mid-call is never resent.
   * Webhook-mode accounts de-duplicate by id, so for them resending is harmless: see unknownOutcomeFor.
   */
  readonly unknownOutcome: UnknownOutcomePolicy = 'never-resend';
  private readonly tokens: GoogleAccessTokens;

  constructor(
    private readonly config: AppPushConfig,
    private readonly devices: AppDevicesRepository,
    private readonly fetch: typeof globalThis.fetch = globalThis.fetch,
  ) {
    this.tokens = new GoogleAccessTokens({
      tokenUrl: config.fcmTokenUrl,
      refreshMarginMs: config.tokenRefreshMarginMs,
      timeoutMs: config.httpTimeoutMs,
      fetch: (...args) => this.fetch(...args),
    });
  }

  /** The unknown-outcome policy of one channel account (the interface has one per driver). */
  unknownOutcomeFor(account: Pick<ChannelAccountRow, 'settings'>): UnknownOutcomePolicy {
    return account.settings.mode === 'webhook' ? 'idempotent' : 'never-resend';
  }

  validateAccount(settings: Record<string, unknown>, secrets: Record<string, string>): void {
    const mode = modeOf(settings);
    if (settings.default_title !== undefined) {
      if (typeof settings.default_title !== 'string' || settings.default_title.trim() === '') {
        throw new InvalidFieldError('settings.default_title', 'must be a non-empty string');
      }
      if ([...settings.default_title].length > this.config.limits.titleMax) {
        throw new InvalidFieldError('settings.default_title', `must be at most ${this.config.limits.titleMax} characters`);
      }
    }
    const secret = secrets.signing_secret;
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < MIN_SIGNING_SECRET)) {
      throw new InvalidFieldError('secrets.signing_secret', `must be a string of at least ${MIN_SIGNING_SECRET} characters`);
    }
    if (mode === 'fcm') {
      parseServiceAccount(secrets.service_account_json);
      return;
    }
    if (secret === undefined) throw new InvalidFieldError('secrets.signing_secret', 'is required in webhook mode: pushes are signed with it');
    webhookUrl(settings.url);
  }

  render(input: RenderInput): RenderedMessage {
    const { account, content, messageId } = input;
    const mode = modeOf(account.settings);
    const recipient = normaliseIdentity('app', input.recipient);
    if (!recipient.ok) throw new InvalidFieldError('recipient', recipient.message);
    const limits = this.config.limits;

    const text = content.text;
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidFieldError('content.text', 'is required: the notification body');
    if ([...text].length > limits.bodyMax) throw new InvalidFieldError('content.text', `must be at most ${limits.bodyMax} characters for a push notification`);
    const title = content.subject ?? (typeof account.settings.default_title === 'string' ? account.settings.default_title : account.name);
    if (title.trim() === '') throw new InvalidFieldError('content.subject', 'must not be blank: it is the notification title');
    if ([...title].length > limits.titleMax) throw new InvalidFieldError('content.subject', `must be at most ${limits.titleMax} characters: it is the notification title`);

    const buttons = content.buttons ?? [];
    if (buttons.length > limits.buttonsMax) throw new InvalidFieldError('content.buttons', `at most ${limits.buttonsMax} buttons fit a push notification`);
    const seen = new Set<string>();
    buttons.forEach((b, i) => {
      if (typeof b.id !== 'string' || b.id.trim() === '' || b.id.length > 64) throw new InvalidFieldError(`content.buttons[${i}].id`, 'must be 1 to 64 characters');
      if (seen.has(b.id)) throw new InvalidFieldError(`content.buttons[${i}].id`, `repeats ${JSON.stringify(b.id)}: button ids must be unique`);
      seen.add(b.id);
      if (typeof b.title !== 'string' || b.title.trim() === '' || [...b.title].length > limits.buttonTitleMax) {
        throw new InvalidFieldError(`content.buttons[${i}].title`, `must be 1 to ${limits.buttonTitleMax} characters`);
      }
    });

    let image: string | null = null;
    if (content.media) {
      if (content.media.kind !== 'image') throw new InvalidFieldError('content.media.kind', `a push notification shows an image only, not ${content.media.kind}`);
      if (!/^https:\/\/\S+$/.test(content.media.url)) throw new InvalidFieldError('content.media.url', 'must be an https URL the device can download');
      image = content.media.url;
    }

    // Everything the app needs to act on the push, as strings (FCM data values are strings only).
    const data: Record<string, string> = { recado_message_id: messageId };
    if (buttons.length) data.recado_buttons = JSON.stringify(buttons.map((b) => ({ id: b.id, title: b.title })));

    if (mode === 'webhook') {
      const push: WebhookPush = { id: messageId, app_user_id: recipient.value, title, body: text, image, data, buttons: buttons.map((b) => ({ id: b.id, title: b.title })) };
      return { type: 'push', body: { mode, app_user_id: recipient.value, push } satisfies AppPushBody as unknown as Record<string, unknown> };
    }

    const message: Record<string, unknown> = { notification: { title, body: text, ...(image ? { image } : {}) }, data };
    // iOS shows a notification's image only through a notification service extension, woken by mutable-content.
    if (image) message.apns = { payload: { aps: { 'mutable-content': 1 } } };
    // Browsers show actions natively; Android and iOS apps build them from data.recado_buttons.
    if (buttons.length) message.webpush = { notification: { actions: buttons.map((b) => ({ action: b.id, title: b.title })) } };
    const bytes = payloadBytes(message);
    if (bytes > FCM_MAX_PAYLOAD_BYTES) {
      throw new InvalidFieldError('content', `the push is ${bytes} bytes (title, text, image URL, buttons); FCM takes at most ${FCM_MAX_PAYLOAD_BYTES}`);
    }
    const problem = checkMessage({ ...message, token: 'render-check' });
    if (problem) throw new InvalidFieldError(problem.violations[0]?.field ?? 'message', problem.message);
    return { type: 'push', body: { mode, app_user_id: recipient.value, message } satisfies AppPushBody as unknown as Record<string, unknown> };
  }

  async send(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }): Promise<SendResult> {
    const body = message.body as unknown as AppPushBody;
    const mode = account.settings.mode;
    if (mode !== body.mode) {
      throw new ChannelSendError(`the message was rendered for ${body.mode} mode but the app's channel account is now in ${String(mode)} mode`, false, 'MODE_CHANGED');
    }
    const devices = await this.devices.listForUser(account.id, body.app_user_id);
    let outcomes: DeviceOutcome[];
    if (body.mode === 'fcm') {
      if (devices.length === 0) throw new ChannelSendError(`app user ${body.app_user_id} has no device registered on this app`, false, 'NO_DEVICES');
      const sa = serviceAccountOf(account);
      outcomes = await Promise.all(devices.map((d) => this.sendFcm(sa, d.token, body.message ?? {})));
    } else {
      // Without registered devices the app's backend finds the user's devices itself.
      const targets: Array<AppDeviceRow | null> = devices.length ? devices : [null];
      outcomes = await Promise.all(targets.map((d) => this.sendWebhook(account, d?.token ?? null, body.push!)));
    }
    return this.settle(account, body.app_user_id, message.id, outcomes);
  }

  /** At least one device got it: the push went out. Unregistered devices are pruned whatever happened. */
  private async settle(account: OpenChannelAccount, appUserId: string, messageId: string, outcomes: DeviceOutcome[]): Promise<SendResult> {
    const gone = outcomes.filter((o) => !o.ok && o.unregistered).map((o) => o.token!);
    if (gone.length) await this.devices.prune(account.id, gone);
    if (outcomes.some((o) => o.ok)) return { providerMessageId: messageId };
    const failures = outcomes.filter((o): o is Extract<DeviceOutcome, { ok: false }> => !o.ok && !o.unregistered);
    if (failures.length === 0) {
      throw new ChannelSendError(`every device of app user ${appUserId} is unregistered (the app was uninstalled); ${gone.length} token(s) pruned`, false, 'UNREGISTERED');
    }
    const retryable = failures.filter((f) => f.error.retryable);
    if (retryable.length) {
      const waits = retryable.map((f) => f.error.retryAfterMs).filter((w): w is number => w !== null);
      const first = retryable[0].error;
      throw new ChannelSendError(first.message, true, first.code, waits.length ? Math.max(...waits) : null);
    }
    throw failures[0].error;
  }

  private async sendFcm(sa: ServiceAccount, token: string, template: Record<string, unknown>): Promise<DeviceOutcome> {
    const url = `${this.config.fcmApiUrl}/v1/projects/${encodeURIComponent(sa.project_id)}/messages:send`;
    const payload = JSON.stringify({ message: { ...template, token } });
    for (let attempt = 1; ; attempt++) {
      let accessToken: string;
      try {
        accessToken = await this.tokens.get(sa);
      } catch (err) {
        if (err instanceof ChannelSendError) return { token, ok: false, unregistered: false, error: err };
        throw err;
      }
      let response: Response;
      try {
        response = await this.fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json; charset=utf-8' },
          body: payload,
          signal: AbortSignal.timeout(this.config.httpTimeoutMs),
        });
      } catch (err) {
        // Sent or not? Only a refused connection says "not"; otherwise FCM may have it (never-resend).
        const notSent = NOT_SENT_CODES.has(causeCode(err));
        return {
          token,
          ok: false,
          unregistered: false,
          error: new ChannelSendError(`FCM request failed: ${describe(err)}`, notSent, notSent ? 'CONNECTION_FAILED' : 'OUTCOME_UNKNOWN'),
        };
      }
      if (response.ok) {
        await response.body?.cancel();
        return { token, ok: true };
      }
      const error = await fcmErrorOf(response);
      // Our access token was refused (expired early, revoked): exchange a new one once.
      if (response.status === 401 && error.fcmCode === null && attempt === 1) {
        this.tokens.invalidate(sa);
        continue;
      }
      return classifyFcm(token, response, error);
    }
  }

  private async sendWebhook(account: OpenChannelAccount, token: string | null, push: WebhookPush): Promise<DeviceOutcome> {
    const url = webhookUrl(account.settings.url);
    const secret = account.secrets.signing_secret;
    if (!secret) {
      return { token, ok: false, unregistered: false, error: new ChannelSendError('the channel account has no secrets.signing_secret', false, 'INVALID_CREDENTIALS') };
    }
    const { id, app_user_id, title, body, image, data, buttons } = push;
    const raw = JSON.stringify({ id, app_user_id, ...(token ? { device_token: token } : {}), title, body, image, data, buttons, sent_at: new Date().toISOString() });
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'recado-app-push/1', 'x-recado-signature': pushSignature(secret, raw) },
        body: raw,
        signal: AbortSignal.timeout(this.config.httpTimeoutMs),
      });
    } catch (err) {
      // The app de-duplicates by id: resending after any failure is harmless.
      return { token, ok: false, unregistered: false, error: new ChannelSendError(`app webhook request failed: ${describe(err)}`, true, 'CONNECTION_FAILED') };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return { token, ok: true };
    const status = response.status;
    const message = `app webhook answered HTTP ${status}: ${text.slice(0, 200)}`;
    if (status === 410 && token) return { token, ok: false, unregistered: true, error: new ChannelSendError(message, false, 'UNREGISTERED') };
    const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
    return { token, ok: false, unregistered: false, error: new ChannelSendError(message, retryable, `HTTP_${status}`, retryAfterMs(response.headers.get('retry-after'))) };
  }
}

export function createAppPushDriver(config: AppPushConfig, pool: Pool): AppPushDriver {
  return new AppPushDriver(config, new AppDevicesRepository(pool));
}

function modeOf(settings: Record<string, unknown>): AppPushMode {
  const mode = settings.mode;
  if (!APP_PUSH_MODES.includes(mode as AppPushMode)) throw new InvalidFieldError('settings.mode', `must be one of ${APP_PUSH_MODES.join(', ')}`);
  return mode as AppPushMode;
}

/** https, or http to this machine (a local app backend, tests). */
function webhookUrl(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidFieldError('settings.url', 'is required in webhook mode: where pushes are POSTed');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidFieldError('settings.url', 'is not a valid URL');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return value;
  throw new InvalidFieldError('settings.url', 'must be an https URL (http only to a loopback address)');
}

function serviceAccountOf(account: OpenChannelAccount): ServiceAccount {
  try {
    return parseServiceAccount(account.secrets.service_account_json);
  } catch (err) {
    if (err instanceof InvalidFieldError) throw new ChannelSendError(`the channel account's ${err.message}`, false, 'INVALID_CREDENTIALS');
    throw err;
  }
}

interface FcmErrorBody {
  fcmCode: string | null;
  status: string | null;
  message: string;
}

/** The FcmError detail's errorCode when there is one (as firebase-admin-node reads it), else google.rpc status. */
async function fcmErrorOf(response: Response): Promise<FcmErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    const error = (JSON.parse(text) as { error?: { status?: string; message?: string; details?: Array<Record<string, unknown>> } }).error ?? {};
    const detail = (error.details ?? []).find((d) => d['@type'] === 'type.googleapis.com/google.firebase.fcm.v1.FcmError');
    return { fcmCode: typeof detail?.errorCode === 'string' ? detail.errorCode : null, status: error.status ?? null, message: error.message ?? text.slice(0, 200) };
  } catch {
    return { fcmCode: null, status: null, message: text.slice(0, 200) };
  }
}

const RETRYABLE_FCM = new Set(['UNAVAILABLE', 'INTERNAL', 'QUOTA_EXCEEDED']);

function classifyFcm(token: string, response: Response, error: FcmErrorBody): DeviceOutcome {
  const code = error.fcmCode ?? error.status ?? `HTTP_${response.status}`;
  const text = `FCM refused the push (HTTP ${response.status} ${code}): ${error.message}`;
  if (code === 'UNREGISTERED') return { token, ok: false, unregistered: true, error: new ChannelSendError(text, false, code) };
  const retryable = RETRYABLE_FCM.has(code) || response.status === 429 || response.status >= 500;
  return { token, ok: false, unregistered: false, error: new ChannelSendError(text, retryable, code, retryAfterMs(response.headers.get('retry-after'))) };
}

function causeCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as { code?: string }).code ?? '';
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause?.message ? `${e.message} (${e.cause.message})` : e.message;
}
