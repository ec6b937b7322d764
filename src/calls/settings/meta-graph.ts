import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { LOGGER } from '../../common/logger.module';
import { WhatsAppApiError } from '../../whatsapp/errors';
import { DEFAULT_GRAPH_TIMEOUT_MS, WhatsAppGraphClient } from '../../whatsapp/graph-client';
import { AccessTokens } from '../../numbers/access-tokens';
import type { Fetched, MetaErrorInfo } from './readiness';

/** The readiness check answers while the admin waits: a slow Meta fails its item instead. */
export const READINESS_GRAPH_TIMEOUT_MS = 10_000;

/** A connected number as whatsapp_numbers stores it (its token sealed). */
export interface NumberCredentials {
  id: string;
  phone_number_id: string;
  access_token: string;
}

@Injectable()
export class CallingGraph {
  private readonly logger: Logger;
  private readonly tokens: AccessTokens;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'whatsapp-graph' });
    this.tokens = new AccessTokens(config.secrets);
  }

  /** The API's one place that opens a number's token: for the client about to call Meta with it. */
  client(number: NumberCredentials, timeoutMs = DEFAULT_GRAPH_TIMEOUT_MS): WhatsAppGraphClient {
    const { graphUrl, graphVersion } = this.config.whatsapp;
    return new WhatsAppGraphClient({
      baseUrl: graphUrl,
      version: graphVersion,
      accessToken: this.tokens.open(number.id, number.access_token),
      timeoutMs,
      logger: this.logger,
    });
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
