import { envReader } from '../../config/env-reader';
import { ConfigError } from '../../config/config-error';
import { isValidTimeZone } from '../../calls/policy/zoned-time';

/**
 * The paced outbox's settings (README "Dispatch rules"); a store's rules override the per-store
 * ones. A notification's expiry is on its row (funnels set it from OUTBOX_EXPIRE_AFTER, funnels.config.ts).
 */

type Env = Record<string, string | undefined>;

export const OUTBOX_DEFAULTS = {
  /** Least time between two sends of one instance when the store sets no min_interval (the seed recommends ≥ 20 s). */
  OUTBOX_MIN_INTERVAL: '20s',
  /** An instance's outbox workflow ends after this long with nothing to send (the sweep or a wake starts it again). */
  OUTBOX_IDLE_AFTER: '10m',
  /** How often the API starts the outboxes of instances with due notifications (a lost wake, a restart). */
  OUTBOX_SWEEP_EVERY: '1m',
  /** Messages per contact per day when the store sets no frequency_cap (transactional alerts exempt). */
  OUTBOX_FREQUENCY_CAP: '3',
  /** Contacts with neither a time zone nor a Brazilian phone, and the accounts' day for the plan limits. */
  OUTBOX_TIME_ZONE: 'America/Sao_Paulo',
  /** Daily message limit per account plan and what happens over it (wait for the next day or refuse). */
  PLANS: '{"free":{"daily_limit":250,"over_limit":"refuse"},"standard":{"daily_limit":10000,"over_limit":"wait"},"unlimited":{"daily_limit":null,"over_limit":"wait"}}',
} as const;

export interface PlanLimit {
  /** Notifications the account may send per day; null: no limit. */
  dailyLimit: number | null;
  overLimit: 'wait' | 'refuse';
}

export interface OutboxConfig {
  minIntervalMs: number;
  idleAfterMs: number;
  sweepEveryMs: number;
  frequencyCap: number;
  timeZone: string;
  /** By accounts.plan; an account whose plan is not listed gets `standard` (or no limit without one). */
  plans: Record<string, PlanLimit>;
}

export function loadOutboxConfig(env: Env = process.env): OutboxConfig {
  const read = envReader(env, OUTBOX_DEFAULTS);
  const timeZone = read.get('OUTBOX_TIME_ZONE');
  if (!isValidTimeZone(timeZone)) throw new ConfigError('OUTBOX_TIME_ZONE', `must be an IANA time zone such as America/Sao_Paulo, got "${timeZone}"`);
  return {
    minIntervalMs: read.ms('OUTBOX_MIN_INTERVAL'),
    idleAfterMs: read.ms('OUTBOX_IDLE_AFTER', 1),
    sweepEveryMs: read.ms('OUTBOX_SWEEP_EVERY', 1),
    frequencyCap: read.int('OUTBOX_FREQUENCY_CAP', 1, 100),
    timeZone,
    plans: parsePlans(read.get('PLANS')),
  };
}

export function parsePlans(json: string): Record<string, PlanLimit> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ConfigError('PLANS', `is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('PLANS', 'must be an object of plan name → {daily_limit, over_limit}');
  const plans: Record<string, PlanLimit> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const v = value as { daily_limit?: unknown; over_limit?: unknown } | null;
    const limit = v?.daily_limit;
    if (limit !== null && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) {
      throw new ConfigError('PLANS', `${name}.daily_limit must be a whole number ≥ 0 or null`);
    }
    if (v?.over_limit !== 'wait' && v?.over_limit !== 'refuse') throw new ConfigError('PLANS', `${name}.over_limit must be "wait" or "refuse"`);
    plans[name] = { dailyLimit: limit, overLimit: v.over_limit };
  }
  return plans;
}

export function planLimitOf(config: Pick<OutboxConfig, 'plans'>, plan: string): PlanLimit & { name: string } {
  const found = config.plans[plan] ?? config.plans.standard;
  return found ? { name: config.plans[plan] ? plan : 'standard', ...found } : { name: plan, dailyLimit: null, overLimit: 'wait' };
}
