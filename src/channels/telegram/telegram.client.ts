import type { ApiMethods, ApiResponse } from '@grammyjs/types';

/**
 * The few Bot API calls recado makes (`POST <apiUrl>/bot<token>/<method>`, JSON body), with
 * Telegram's answers turned into typed errors. The token is part of the URL, so neither URLs
 * nor request bodies are ever put in an error or a log line.
 */

type Methods = ApiMethods<string>;
export type TelegramMethod = keyof Methods;
export type TelegramParams<M extends TelegramMethod> = Parameters<Methods[M]>[0];
export type TelegramResult<M extends TelegramMethod> = ReturnType<Methods[M]>;

/** Telegram answered `ok: false`. */
export class TelegramApiError extends Error {
  override readonly name = 'TelegramApiError';

  constructor(
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
    /** Seconds Telegram asks to wait (flood control, 429). */
    readonly retryAfter: number | null,
  ) {
    super(`Telegram ${method}: ${errorCode} ${description}`);
  }
}

/**
 * No answer from Telegram. `requestSent` false: the request never left (connection refused, DNS,
 * connect timeout), so repeating it is safe; true: it may have been acted on.
 */
export class TelegramTransportError extends Error {
  override readonly name = 'TelegramTransportError';

  constructor(
    readonly method: string,
    message: string,
    readonly requestSent: boolean,
  ) {
    super(`Telegram ${method}: ${message}`);
  }
}

/** Failures undici reports before the request is written: nothing reached Telegram. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export interface TelegramClientOptions {
  apiUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class TelegramClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: TelegramClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  async call<M extends TelegramMethod>(
    token: string,
    method: M,
    params: TelegramParams<M> | Record<string, unknown> = {},
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<TelegramResult<M>> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.options.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(`${this.options.apiUrl}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params ?? {}),
        signal,
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const code = e.cause?.code;
      const sent = !(code && NOT_SENT_CODES.has(code));
      const reason = e.name === 'TimeoutError' ? 'no answer in time' : e.name === 'AbortError' ? 'aborted' : (code ?? e.cause?.message ?? e.message);
      throw new TelegramTransportError(method, reason, sent);
    }
    let body: ApiResponse<TelegramResult<M>>;
    try {
      body = JSON.parse(text) as ApiResponse<TelegramResult<M>>;
    } catch {
      // Proxies and outages answer HTML; the status still says what happened.
      throw new TelegramApiError(method, res.status, `non-JSON answer (HTTP ${res.status})`, null);
    }
    if (body.ok) return body.result;
    throw new TelegramApiError(method, body.error_code ?? res.status, body.description ?? '', body.parameters?.retry_after ?? null);
  }
}
