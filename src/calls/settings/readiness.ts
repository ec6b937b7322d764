import type { PhoneNumberDetails } from '../../whatsapp/types';

/**
 * The calling readiness check as a pure function: what Meta and recado know about a number
 * in, one verdict per prerequisite out, each failing one with what to do.
 */

/** The spec's enum predates TIER_2K, which Meta reports since it replaced TIER_1K as the first tier. */
export type MessagingLimitTier = NonNullable<PhoneNumberDetails['messaging_limit_tier']> | 'TIER_2K';

/** Business-initiated conversations per rolling 24 h that each tier allows. */
export const MESSAGING_TIER_LIMITS: Readonly<Record<MessagingLimitTier, number>> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1_000,
  TIER_2K: 2_000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: Number.POSITIVE_INFINITY,
};

/**
 * The lowest tier Meta lets make calls: 2,000 business-initiated conversations / 24 h (the seed
 * talk said 1,000; Meta has raised it). CALLING_MIN_MESSAGING_TIER overrides it (src/config).
 */
export const DEFAULT_CALLING_MIN_MESSAGING_TIER: MessagingLimitTier = 'TIER_2K';

/** Conversations a tier allows: the known ones, and any TIER_<n>[K] Meta may add; undefined if unreadable. */
export function messagingTierLimit(tier: string): number | undefined {
  const upper = tier.trim().toUpperCase();
  if (upper in MESSAGING_TIER_LIMITS) return MESSAGING_TIER_LIMITS[upper as MessagingLimitTier];
  const m = /^TIER_(\d+)(K?)$/.exec(upper);
  return m ? Number(m[1]) * (m[2] ? 1000 : 1) : undefined;
}

/** A known tier name, case-insensitive (TIER_2K, tier_10k); undefined otherwise. */
export function parseMessagingTier(value: string): MessagingLimitTier | undefined {
  const upper = value.trim().toUpperCase();
  return upper in MESSAGING_TIER_LIMITS ? (upper as MessagingLimitTier) : undefined;
}

/** A Graph API failure as recado shows it (stored as call_settings.push_error, returned in responses). */
export interface MetaErrorInfo {
  /** recado's classification: InvalidParameterError, AuthError, TransportError, RateLimitError, … */
  name: string;
  code: number | null;
  subcode: number | null;
  type: string | null;
  /** Meta's error.message; for a transport failure, what went wrong on the way. */
  message: string;
  /** Meta's error_data.details, often naming the offending parameter. */
  details: string | null;
  fbtrace_id: string | null;
  http_status: number | null;
  /** Whether sending the same request again later may succeed. */
  retryable: boolean;
}

export type Fetched<T> = { ok: true; value: T } | { ok: false; error: MetaErrorInfo };

export type ReadinessItem = 'calling_enabled' | 'calls_webhook' | 'messaging_limit_tier';

export interface ReadinessCheck {
  item: ReadinessItem;
  ok: boolean;
  detail: string;
  /** What to do; null when ok. */
  fix: string | null;
}

export interface ReadinessFacts {
  /** recado's id of the number (used in the fixes' URLs). */
  numberId: string;
  /** calling.status from Meta's live GET /{phone-number-id}/settings. */
  metaCallingStatus: Fetched<string | undefined>;
  /** What the admin saved, if anything, and Meta's refusal of it. */
  saved: { callingStatus: string | undefined; pushError: MetaErrorInfo | null } | null;
  callsWebhook: { subscribed: boolean; updatedAt: Date | null; lastReceivedAt: Date | null };
  /** messaging_limit_tier from Meta's live GET /{phone-number-id}. */
  messagingLimitTier: Fetched<string | undefined>;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

export function assessReadiness(facts: ReadinessFacts, minimumTier: MessagingLimitTier): Readiness {
  const checks = [callingEnabled(facts), callsWebhook(facts), messagingTier(facts, minimumTier)];
  return { ready: checks.every((c) => c.ok), checks };
}

const settingsUrl = (numberId: string) => `/v1/whatsapp-numbers/${numberId}/call-settings`;
const count = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US') : 'unlimited');
const isEnabled = (status: string | undefined) => status?.toLowerCase() === 'enabled';

function callingEnabled({ numberId, metaCallingStatus, saved }: ReadinessFacts): ReadinessCheck {
  const item = 'calling_enabled';
  if (!metaCallingStatus.ok) {
    return unreadable(item, "the number's settings", metaCallingStatus.error);
  }
  const status = metaCallingStatus.value;
  const detail = `Meta reports calling.status ${status ?? '(none)'} on this number.`;
  if (isEnabled(status)) {
    // Calls work, but with the settings Meta had before: worth saying, not worth failing.
    const stale = saved?.pushError
      ? ` Meta did not accept the last saved settings (${describeMetaError(saved.pushError)}), so it still applies older ones.`
      : '';
    return { item, ok: true, detail: detail + stale, fix: null };
  }
  if (saved?.pushError && isEnabled(saved.callingStatus)) {
    return {
      item,
      ok: false,
      detail: `${detail} The saved settings enable calling, but Meta refused them: ${describeMetaError(saved.pushError)}`,
      fix: `Correct what Meta objects to and save the settings again (PUT ${settingsUrl(numberId)}); each save pushes them to Meta.`,
    };
  }
  return {
    item,
    ok: false,
    detail,
    fix: `Enable calling: PUT ${settingsUrl(numberId)} with "status": "ENABLED" (recado pushes it to Meta's settings).`,
  };
}

function callsWebhook({ numberId, callsWebhook: w }: ReadinessFacts): ReadinessCheck {
  const item = 'calls_webhook';
  const last = w.lastReceivedAt
    ? `the last calls webhook for this number arrived at ${w.lastReceivedAt.toISOString()}`
    : 'no calls webhook has been received for this number yet';
  if (w.subscribed) {
    return { item, ok: true, detail: `An admin confirmed the subscription to the calls webhook field; ${last}.`, fix: null };
  }
  // A calls webhook that arrived after the flag was last changed proves the subscription.
  if (w.lastReceivedAt && (!w.updatedAt || w.lastReceivedAt > w.updatedAt)) {
    return { item, ok: true, detail: `Not confirmed by an admin, but ${last}, so the app is subscribed.`, fix: null };
  }
  return {
    item,
    ok: false,
    detail: `The subscription to the calls webhook field is not confirmed, and ${last}.`,
    fix:
      'In the Meta App Dashboard (WhatsApp → Configuration → Webhook fields) subscribe the app to the "calls" field, ' +
      `delivered to this server's /v1/webhooks/whatsapp; then confirm it: PUT ${settingsUrl(numberId)}/calls-webhook ` +
      'with {"subscribed": true}.',
  };
}

function messagingTier({ messagingLimitTier }: ReadinessFacts, minimum: MessagingLimitTier): ReadinessCheck {
  const item = 'messaging_limit_tier';
  const needed = `calling needs at least ${minimum} (${count(MESSAGING_TIER_LIMITS[minimum])} business-initiated conversations / 24 h)`;
  if (!messagingLimitTier.ok) {
    return unreadable(item, "the number's messaging_limit_tier", messagingLimitTier.error);
  }
  const tier = messagingLimitTier.value;
  const limit = tier === undefined ? undefined : messagingTierLimit(tier);
  if (tier === undefined || limit === undefined) {
    return {
      item,
      ok: false,
      detail: `Meta reported ${tier === undefined ? 'no messaging_limit_tier' : `an unknown messaging_limit_tier "${tier}"`}; ${needed}.`,
      fix: "Check the number's messaging limit in WhatsApp Manager (Phone numbers → Messaging limit), then check again.",
    };
  }
  const detail = `Messaging limit tier is ${tier} (${count(limit)} business-initiated conversations / 24 h); ${needed}.`;
  if (limit >= MESSAGING_TIER_LIMITS[minimum]) return { item, ok: true, detail, fix: null };
  return {
    item,
    ok: false,
    detail,
    fix:
      `Raise the number's messaging limit to ${minimum} or more: Meta raises it automatically as the number keeps a ` +
      'good quality rating while sending business-initiated messages to more unique customers, and verifying the ' +
      'business in Meta Business Manager lifts the first tiers.',
  };
}

export function describeMetaError(e: MetaErrorInfo): string {
  const code = e.code === null ? '' : ` ${e.code}${e.subcode === null ? '' : `/${e.subcode}`}`;
  const details = e.details && !e.message.includes(e.details) ? ` — ${e.details}` : '';
  return `${e.name}${code}: ${e.message}${details}`;
}

/** A check that failed because Meta could not be asked: what went wrong and what to do. */
function unreadable(item: ReadinessCheck['item'], what: string, error: MetaErrorInfo): ReadinessCheck {
  return { item, ok: false, detail: `Could not read ${what} from Meta: ${describeMetaError(error)}`, fix: fixForMetaError(error) };
}

function fixForMetaError(e: MetaErrorInfo): string {
  switch (e.name) {
    case 'AuthError':
      return (
        "Meta refused the number's access token: reconnect the number with a valid system-user token that has the " +
        'whatsapp_business_management and whatsapp_business_messaging permissions.'
      );
    case 'TransportError':
      return 'Meta could not be reached or answered with a temporary error: check the connection to the Graph API (WHATSAPP_GRAPH_URL) and check again.';
    case 'RateLimitError':
      return 'Meta is rate-limiting these requests: check again in a few minutes.';
    default:
      return "Check that the number's phone_number_id is its Phone-Number-ID in WhatsApp Manager, and read Meta's message above.";
  }
}
