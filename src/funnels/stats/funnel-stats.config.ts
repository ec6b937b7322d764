import { envReader } from '../../config/env-reader';

/**
 * What the funnels' statistics measure and how reply keywords call back (README "Funnel
 * statistics" and "Reply keywords"). Parsed once at start-up with the rest of the environment.
 */

type Env = Record<string, string | undefined>;

export const FUNNEL_STATS_DEFAULTS = {
  /** An order_paid this long after a funnel message converts it (attributed to the funnel's last message). */
  FUNNEL_CONVERSION_WINDOW: '7d',
  /** A customer's message this long after a funnel message is its reply (and may be a keyword). */
  FUNNEL_REPLY_WINDOW: '3d',
  /** Sends each A/B variant of an event type and step needs before a winner is named. */
  FUNNEL_AB_MIN_SAMPLE: '30',
  /** One POST to a store's callback URL gives up after this. */
  KEYWORD_CALLBACK_TIMEOUT: '10s',
  /** First wait before a callback that failed (5xx, network) is tried again; it doubles each time. */
  KEYWORD_CALLBACK_RETRY_INTERVAL: '5s',
  /** Longest wait between two tries. */
  KEYWORD_CALLBACK_RETRY_MAX_INTERVAL: '10m',
  /** A callback still failing after this long is given up and recorded as failed. */
  KEYWORD_CALLBACK_GIVE_UP_AFTER: '24h',
  /** How often the API starts the callbacks of keyword replies recorded since (the reply's transaction cannot start them). */
  KEYWORD_CALLBACK_SWEEP: '1s',
} as const;

export interface FunnelStatsConfig {
  conversionWindowMs: number;
  replyWindowMs: number;
  abMinSample: number;
  keywordCallback: {
    timeoutMs: number;
    retryIntervalMs: number;
    retryMaxIntervalMs: number;
    giveUpAfterMs: number;
    sweepMs: number;
  };
}

export function loadFunnelStatsConfig(env: Env = process.env): FunnelStatsConfig {
  const read = envReader(env, FUNNEL_STATS_DEFAULTS);
  return {
    conversionWindowMs: read.ms('FUNNEL_CONVERSION_WINDOW', 1),
    replyWindowMs: read.ms('FUNNEL_REPLY_WINDOW', 1),
    abMinSample: read.int('FUNNEL_AB_MIN_SAMPLE', 1),
    keywordCallback: {
      timeoutMs: read.ms('KEYWORD_CALLBACK_TIMEOUT', 1),
      retryIntervalMs: read.ms('KEYWORD_CALLBACK_RETRY_INTERVAL', 1),
      retryMaxIntervalMs: read.ms('KEYWORD_CALLBACK_RETRY_MAX_INTERVAL', 1),
      giveUpAfterMs: read.ms('KEYWORD_CALLBACK_GIVE_UP_AFTER', 1),
      sweepMs: read.ms('KEYWORD_CALLBACK_SWEEP', 10),
    },
  };
}
