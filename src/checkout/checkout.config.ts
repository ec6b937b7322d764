import { envReader } from '../config/env-reader';

/**
 * Checkout intents and their recovery (README "Lead capture and CRM"). Parsed once at start-up
 * with the rest of the environment; every variable has a documented default.
 */

type Env = Record<string, string | undefined>;

export const CHECKOUT_DEFAULTS = {
  /** Unpaid this long after the intent: the deal's owner gets a follow-up and the abandoned-checkout funnel starts. */
  CHECKOUT_ABANDON_AFTER: '1h',
  /** A payment still closes the intent (deal won, reminders cancelled) until this long after it; then it expires. */
  CHECKOUT_EXPIRE_AFTER: '7d',
  /** How long the CRM may fail (down, rate-limited) before the intent's CRM work is parked for `resume-crm`. */
  CHECKOUT_CRM_RETRY_BUDGET: '15m',
  /** How often the API starts the recovery of intents whose workflow did not start (Temporal was down). */
  CHECKOUT_SWEEP_EVERY: '15s',
} as const;

export interface CheckoutConfig {
  abandonAfterMs: number;
  expireAfterMs: number;
  crmRetryBudgetMs: number;
  sweepEveryMs: number;
}

export function loadCheckoutConfig(env: Env = process.env): CheckoutConfig {
  const read = envReader(env, CHECKOUT_DEFAULTS);
  return {
    abandonAfterMs: read.ms('CHECKOUT_ABANDON_AFTER', 1000),
    expireAfterMs: read.ms('CHECKOUT_EXPIRE_AFTER', 1000),
    crmRetryBudgetMs: read.ms('CHECKOUT_CRM_RETRY_BUDGET', 1000),
    sweepEveryMs: read.ms('CHECKOUT_SWEEP_EVERY', 100),
  };
}
