import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { LOGGER } from '../../common/logger.module';
import { fromGraphResponse, TransportError, WhatsAppApiError } from '../../whatsapp/errors';
import { DEFAULT_GRAPH_TIMEOUT_MS, WhatsAppGraphClient } from '../../whatsapp/graph-client';
import type { Fetched, MetaErrorInfo, PhoneNumberDetails } from './readiness';

/** The readiness check answers while the admin waits: a slow Meta fails its item instead. */
export const READINESS_GRAPH_TIMEOUT_MS = 10_000;

/** Graph API access with one connected number's token. */
export interface NumberCredentials {
  phone_number_id: string;
  access_token: string;
}

@Injectable()
export class CallingGraph {
  private readonly logger: Logger;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'whatsapp-graph' });
  }

  client(number: NumberCredentials, timeoutMs = DEFAULT_GRAPH_TIMEOUT_MS): WhatsAppGraphClient {
    const { graphUrl, graphVersion } = this.config.whatsapp;
    return new WhatsAppGraphClient({
      baseUrl: graphUrl,
      version: graphVersion,
      accessToken: number.access_token,
      timeoutMs,
      logger: this.logger,
    });
  }

  /**
   * GET /{phone-number-id}?fields=… — not in WhatsAppGraphClient yet, so done here with the
   * same error classification (fromGraphResponse) and the same logging rules (no token, no query).
   */
  async phoneNumberDetails(number: NumberCredentials, fields: string[], timeoutMs = DEFAULT_GRAPH_TIMEOUT_MS) {
    const { graphUrl, graphVersion } = this.config.whatsapp;
    const path = `/${graphVersion}/${encodeURIComponent(number.phone_number_id)}`;
    const url = new URL(graphUrl.replace(/\/+$/, '') + path);
    url.searchParams.set('fields', fields.join(','));
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { Authorization: `Bearer ${number.access_token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const name = (err as { name?: unknown } | undefined)?.name;
      const reason = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${timeoutMs} ms` : `failed: ${(err as Error)?.message}`;
      this.logger.warn({ method: 'GET', path }, 'whatsapp graph request failed');
      throw new TransportError(`WhatsApp Graph API GET ${path} ${reason}`, {}, { cause: err });
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = fromGraphResponse(response.status, body);
      this.logger.warn({ method: 'GET', path, status: response.status, code: error.code }, 'whatsapp graph request rejected');
      throw error;
    }
    if (!body || typeof body !== 'object') {
      throw new TransportError(`WhatsApp Graph API GET ${path} answered ${response.status} without a JSON body`, {
        httpStatus: response.status,
      });
    }
    return body as PhoneNumberDetails;
  }
}

/** A classified Graph failure as recado stores and shows it. */
export function toMetaErrorInfo(err: WhatsAppApiError): MetaErrorInfo {
  return {
    name: err.name,
    code: err.code ?? null,
    subcode: err.subcode ?? null,
    type: err.type ?? null,
    message: err.metaMessage ?? err.message,
    details: err.details ?? null,
    fbtrace_id: err.fbtraceId ?? null,
    http_status: err.httpStatus ?? null,
    retryable: err.retryable,
  };
}

/** The value, or the Graph failure as data (anything else is a bug and is thrown). */
export async function fetched<T>(work: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof WhatsAppApiError) return { ok: false, error: toMetaErrorInfo(err) };
    throw err;
  }
}
