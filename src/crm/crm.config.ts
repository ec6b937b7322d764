import { envReader } from '../config/env-reader';

/**
 * The CRM drivers' settings (README "CRM"). Parsed once at start-up with the rest of the
 * environment; every variable has a documented default. The API token is not here: it is each
 * account's, kept sealed with its settings.
 */

type Env = Record<string, string | undefined>;

export const CRM_DEFAULTS = {
  /** Pipedrive's API host; locally the simulator (src/simulators/pipedrive, port 4050). */
  PIPEDRIVE_API_URL: 'https://api.pipedrive.com',
  /** One Pipedrive request gives up after this. */
  PIPEDRIVE_REQUEST_TIMEOUT: '10s',
  /**
   * A 429 asking to wait at most this long is waited out inside the call; a longer one (the
   * penalty window, an exhausted daily budget) is thrown as retryable for the workflow to wait.
   */
  PIPEDRIVE_RATE_LIMIT_MAX_WAIT: '2s',
  /** How many 429s one call waits out before giving up to its caller. */
  PIPEDRIVE_RATE_LIMIT_RETRIES: '2',
  /** The longest a request queues for its turn under the token's burst limit; longer, the workflow retries later. */
  PIPEDRIVE_QUEUE_MAX_WAIT: '10s',
} as const;

export interface PipedriveConfig {
  apiUrl: string;
  requestTimeoutMs: number;
  rateLimitMaxWaitMs: number;
  rateLimitRetries: number;
  queueMaxWaitMs: number;
}

export interface CrmConfig {
  pipedrive: PipedriveConfig;
}

export function loadCrmConfig(env: Env = process.env): CrmConfig {
  const read = envReader(env, CRM_DEFAULTS);
  return {
    pipedrive: {
      apiUrl: read.httpUrl('PIPEDRIVE_API_URL'),
      requestTimeoutMs: read.ms('PIPEDRIVE_REQUEST_TIMEOUT', 1),
      rateLimitMaxWaitMs: read.ms('PIPEDRIVE_RATE_LIMIT_MAX_WAIT'),
      rateLimitRetries: read.int('PIPEDRIVE_RATE_LIMIT_RETRIES', 0, 10),
      queueMaxWaitMs: read.ms('PIPEDRIVE_QUEUE_MAX_WAIT'),
    },
  };
}
