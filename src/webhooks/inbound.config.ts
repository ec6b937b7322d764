import { envReader } from '../config/env-reader';

/**
 * The inbound-delivery pipeline's settings (README "Webhooks: intake"). Parsed once at start-up
 * with the rest of the environment; every variable has a documented default.
 */

type Env = Record<string, string | undefined>;

export const INBOUND_DEFAULTS = {
  /** Deliveries stored and waiting in one API process for background processing; beyond it they wait for the sweeper. */
  WEBHOOK_QUEUE_MAX: '2000',
  /** Deliveries one API process processes at once in the background. */
  WEBHOOK_PROCESS_CONCURRENCY: '4',
  /** A stored delivery not processed this long after it arrived (a crash, a full queue, a failure) is the sweeper's. */
  WEBHOOK_REPROCESS_AFTER: '30s',
  /** How often the sweeper looks for such deliveries. */
  WEBHOOK_SWEEP_EVERY: '15s',
  /** Most deliveries stored by one INSERT (concurrent requests share one commit). */
  WEBHOOK_STORE_BATCH_MAX: '100',
  /** INSERTs of stored deliveries in flight at once; requests arriving meanwhile join the next one. */
  WEBHOOK_STORE_WRITERS: '4',
  /** How long a webhook URL's store (and its opened credentials, or its absence) is remembered; a deleted store stops being accepted within it. */
  WEBHOOK_LOOKUP_CACHE_TTL: '5s',
} as const;

export interface InboundConfig {
  queueMax: number;
  processConcurrency: number;
  reprocessAfterMs: number;
  sweepEveryMs: number;
  storeBatchMax: number;
  storeWriters: number;
  /** 0: every request looks its store up. */
  lookupCacheTtlMs: number;
}

export function loadInboundConfig(env: Env = process.env): InboundConfig {
  const read = envReader(env, INBOUND_DEFAULTS);
  return {
    queueMax: read.int('WEBHOOK_QUEUE_MAX', 1, 1_000_000),
    processConcurrency: read.int('WEBHOOK_PROCESS_CONCURRENCY', 1, 256),
    reprocessAfterMs: read.ms('WEBHOOK_REPROCESS_AFTER'),
    sweepEveryMs: read.ms('WEBHOOK_SWEEP_EVERY', 100),
    storeBatchMax: read.int('WEBHOOK_STORE_BATCH_MAX', 1, 1000),
    storeWriters: read.int('WEBHOOK_STORE_WRITERS', 1, 64),
    lookupCacheTtlMs: read.ms('WEBHOOK_LOOKUP_CACHE_TTL'),
  };
}
