import { envReader } from '../config/env-reader';

/**
 * The funnels' settings (README "Funnels"). Parsed once at start-up with the rest of the
 * environment; every variable has a documented default.
 */

type Env = Record<string, string | undefined>;

export const FUNNELS_DEFAULTS = {
  /** A funnel message not sent within this long (instance disconnected, daily limit, provider down) is marked expired. */
  OUTBOX_EXPIRE_AFTER: '2d',
  /** A funnel step this late (the store was disconnected, the worker down) is skipped when a later step is due too. */
  FUNNEL_STALE_AFTER: '1h',
  /** How often the API looks for funnels whose workflow did not start (Temporal was down at the commit). */
  FUNNEL_SWEEP_EVERY: '15s',
} as const;

export interface FunnelsConfig {
  expireAfterMs: number;
  sweepEveryMs: number;
  staleAfterMs: number;
}

export function loadFunnelsConfig(env: Env = process.env): FunnelsConfig {
  const read = envReader(env, FUNNELS_DEFAULTS);
  return {
    expireAfterMs: read.ms('OUTBOX_EXPIRE_AFTER', 1000),
    sweepEveryMs: read.ms('FUNNEL_SWEEP_EVERY', 100),
    staleAfterMs: read.ms('FUNNEL_STALE_AFTER'),
  };
}
