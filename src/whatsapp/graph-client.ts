import { fromGraphResponse, TransportError } from './errors';
import type {
  CallActionRequest,
  CallActionResponse,
  CallPermissionsResponse,
  ListMessageTemplatesQuery,
  ListMessageTemplatesResponse,
  PhoneNumberDetails,
  PhoneNumberSettingsResponse,
  SendMessageRequest,
  SendMessageResponse,
  UpdateSettingsRequest,
  UpdateSettingsResponse,
  UploadMediaResponse,
} from './types';

/** The subset of a pino logger the client uses. */
export interface GraphClientLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface WhatsAppGraphClientOptions {
  /** e.g. https://graph.facebook.com or the simulator's http://127.0.0.1:4010 */
  baseUrl: string;
  /** e.g. v23.0 */
  version: string;
  accessToken: string;
  /** Per-request timeout; a timed-out request is a TransportError (it may still have been accepted). Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: GraphClientLogger;
}

export const DEFAULT_GRAPH_TIMEOUT_MS = 30_000;

type Query = Record<string, string | number | boolean | undefined>;

/**
 * Thin, typed client for the WhatsApp Cloud API endpoints recado uses. Every failure is a
 * classified WhatsAppApiError (see errors.ts). Logs method, path, status, duration and the
 * Meta error code — never the token, query values or bodies.
 */
export class WhatsAppGraphClient {
  private readonly baseUrl: string;
  private readonly version: string;
  private readonly accessToken: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger?: GraphClientLogger;

  constructor(options: WhatsAppGraphClientOptions) {
    if (!options.accessToken) throw new Error('WhatsAppGraphClient: accessToken is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.version = options.version.replace(/^\/+|\/+$/g, '');
    this.accessToken = options.accessToken;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger;
  }

  /** POST /{phone-number-id}/messages — text, template, interactive (incl. call_permission_request), media. */
  sendMessage(phoneNumberId: string, body: SendMessageRequest): Promise<SendMessageResponse> {
    return this.request('POST', [phoneNumberId, 'messages'], { json: body });
  }

  /** POST /{phone-number-id}/media (multipart); returns the media id to send by `{ id }`. */
  uploadMedia(
    phoneNumberId: string,
    file: Blob | Uint8Array,
    mimeType: string,
    filename = 'upload',
  ): Promise<UploadMediaResponse> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', mimeType);
    const blob = file instanceof Blob ? file : new Blob([file], { type: mimeType });
    form.set('file', blob, filename);
    return this.request('POST', [phoneNumberId, 'media'], { form });
  }

  /** GET /{phone-number-id}?fields= — e.g. messaging_limit_tier for the calling readiness check. */
  getPhoneNumber(phoneNumberId: string, fields: string[]): Promise<PhoneNumberDetails> {
    return this.request('GET', [phoneNumberId], { query: { fields: fields.join(',') } });
  }

  /** GET /{phone-number-id}/call_permissions?user_wa_id= */
  getCallPermissions(phoneNumberId: string, userWaId: string): Promise<CallPermissionsResponse> {
    return this.request('GET', [phoneNumberId, 'call_permissions'], { query: { user_wa_id: userWaId } });
  }

  /** POST /{phone-number-id}/calls — connect / pre_accept / accept / reject / terminate. */
  callAction(phoneNumberId: string, body: CallActionRequest): Promise<CallActionResponse> {
    return this.request('POST', [phoneNumberId, 'calls'], { json: body });
  }

  /** GET /{phone-number-id}/settings */
  getSettings(phoneNumberId: string, query: { include_sip_credentials?: boolean } = {}): Promise<PhoneNumberSettingsResponse> {
    return this.request('GET', [phoneNumberId, 'settings'], { query });
  }

  /** POST /{phone-number-id}/settings — e.g. `{ calling: {...} }`. */
  updateSettings(phoneNumberId: string, body: UpdateSettingsRequest): Promise<UpdateSettingsResponse> {
    return this.request('POST', [phoneNumberId, 'settings'], { json: body });
  }

  /** GET /{waba-id}/message_templates */
  listMessageTemplates(wabaId: string, query: ListMessageTemplatesQuery = {}): Promise<ListMessageTemplatesResponse> {
    return this.request('GET', [wabaId, 'message_templates'], { query });
  }

  private async request<T>(
    method: 'GET' | 'POST',
    segments: string[],
    options: { json?: unknown; form?: FormData; query?: Query },
  ): Promise<T> {
    const path = `/${this.version}/${segments.map(encodeURIComponent).join('/')}`;
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${this.accessToken}`, Accept: 'application/json' };
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }

    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (err) {
      // DOMException is not always an `instanceof Error` (e.g. across VM contexts): go by name.
      const name = (err as { name?: unknown } | undefined)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const reason = timedOut ? `timed out after ${this.timeoutMs} ms` : `failed: ${(err as Error)?.message ?? String(err)}`;
      this.logger?.warn({ method, path, ms: elapsed(), timedOut }, 'whatsapp graph request failed');
      throw new TransportError(`WhatsApp Graph API ${method} ${path} ${reason}`, {}, { cause: err });
    }

    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = fromGraphResponse(response.status, parsed);
      this.logger?.warn(
        { method, path, status: response.status, ms: elapsed(), code: error.code, fbtraceId: error.fbtraceId, error: error.name },
        'whatsapp graph request rejected',
      );
      throw error;
    }
    this.logger?.debug({ method, path, status: response.status, ms: elapsed() }, 'whatsapp graph request');
    if (parsed === undefined) {
      throw new TransportError(`WhatsApp Graph API ${method} ${path} answered ${response.status} without a JSON body`, {
        httpStatus: response.status,
      });
    }
    return parsed as T;
  }
}
