import { loadConfig } from '../../config/config';
import {
  assessReadiness,
  DEFAULT_CALLING_MIN_MESSAGING_TIER,
  describeMetaError,
  messagingTierLimit,
  parseMessagingTier,
  type MetaErrorInfo,
  type ReadinessFacts,
} from './readiness';

const metaError = (over: Partial<MetaErrorInfo> = {}): MetaErrorInfo => ({
  name: 'InvalidParameterError',
  code: 100,
  subcode: null,
  type: 'OAuthException',
  message: '(#100) Invalid parameter',
  details: null,
  fbtrace_id: 'AbC',
  http_status: 400,
  retryable: false,
  ...over,
});

const green: ReadinessFacts = {
  numberId: 'n-1',
  metaCallingStatus: { ok: true, value: 'ENABLED' },
  saved: { callingStatus: 'ENABLED', pushError: null },
  callsWebhook: { subscribed: true, updatedAt: new Date('2025-06-01T10:00:00Z'), lastReceivedAt: null },
  messagingLimitTier: { ok: true, value: 'TIER_10K' },
};

const check = (facts: ReadinessFacts, item: string) => assessReadiness(facts, 'TIER_2K').checks.find((c) => c.item === item)!;

describe('messaging limit tiers', () => {
  it('orders the known tiers by the conversations they allow, TIER_2K included', () => {
    const tiers = ['TIER_50', 'TIER_250', 'TIER_1K', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'];
    const limits = tiers.map((t) => messagingTierLimit(t)!);
    expect(limits).toEqual([...limits].sort((a, b) => a - b));
    expect(messagingTierLimit('TIER_2K')).toBe(2000);
    expect(messagingTierLimit('TIER_UNLIMITED')).toBe(Number.POSITIVE_INFINITY);
  });

  it('reads a tier Meta may add later by its name, and nothing else', () => {
    expect(messagingTierLimit('TIER_5K')).toBe(5000);
    expect(messagingTierLimit('tier_2k')).toBe(2000);
    expect(messagingTierLimit('GOLD')).toBeUndefined();
    expect(parseMessagingTier('tier_1k')).toBe('TIER_1K');
    expect(parseMessagingTier('1000')).toBeUndefined();
  });

  it('defaults the calling minimum to TIER_2K and takes CALLING_MIN_MESSAGING_TIER', () => {
    expect(DEFAULT_CALLING_MIN_MESSAGING_TIER).toBe('TIER_2K');
    expect(loadConfig({}).calls.minMessagingTier).toBe('TIER_2K');
    expect(loadConfig({ CALLING_MIN_MESSAGING_TIER: 'tier_1k' }).calls.minMessagingTier).toBe('TIER_1K');
    expect(() => loadConfig({ CALLING_MIN_MESSAGING_TIER: '2000' })).toThrow(/CALLING_MIN_MESSAGING_TIER: must be one of TIER_50/);
  });
});

describe('assessReadiness', () => {
  it('is ready when every check passes, with no fixes', () => {
    const r = assessReadiness(green, 'TIER_2K');
    expect(r.ready).toBe(true);
    expect(r.checks.map((c) => [c.item, c.ok, c.fix])).toEqual([
      ['calling_enabled', true, null],
      ['calls_webhook', true, null],
      ['messaging_limit_tier', true, null],
    ]);
  });

  it('calling disabled at Meta: says how to enable it, or that Meta refused the saved settings', () => {
    const disabled = { ...green, metaCallingStatus: { ok: true as const, value: 'DISABLED' }, saved: null };
    expect(assessReadiness(disabled, 'TIER_2K').ready).toBe(false);
    expect(check(disabled, 'calling_enabled')).toMatchObject({ ok: false, detail: expect.stringMatching(/DISABLED/) });
    expect(check(disabled, 'calling_enabled').fix).toMatch(/PUT \/v1\/whatsapp-numbers\/n-1\/call-settings/);

    const refused = { ...disabled, saved: { callingStatus: 'ENABLED', pushError: metaError({ details: 'call_hours invalid' }) } };
    const c = check(refused, 'calling_enabled');
    expect(c.detail).toMatch(/Meta refused them: InvalidParameterError 100: \(#100\) Invalid parameter — call_hours invalid/);
    expect(c.fix).toMatch(/save the settings again/);

    const stale = { ...green, saved: { callingStatus: 'ENABLED', pushError: metaError() } };
    expect(check(stale, 'calling_enabled')).toMatchObject({ ok: true, detail: expect.stringMatching(/still applies older ones/) });
  });

  it('Meta unreachable or refusing the token: the item fails with the error and a fix for that error', () => {
    const transport = metaError({ name: 'TransportError', code: null, message: 'fetch failed', http_status: null, retryable: true });
    const down: ReadinessFacts = { ...green, metaCallingStatus: { ok: false, error: transport }, messagingLimitTier: { ok: false, error: transport } };
    const r = assessReadiness(down, 'TIER_2K');
    expect(r.ready).toBe(false);
    expect(check(down, 'calling_enabled')).toMatchObject({ ok: false, detail: expect.stringMatching(/TransportError: fetch failed/) });
    expect(check(down, 'messaging_limit_tier').fix).toMatch(/WHATSAPP_GRAPH_URL/);
    expect(check(down, 'calls_webhook').ok).toBe(true);

    const auth = { ...green, metaCallingStatus: { ok: false as const, error: metaError({ name: 'AuthError', code: 190 }) } };
    expect(check(auth, 'calling_enabled').fix).toMatch(/access token/);
  });

  it('calls webhook: confirmed, or proven by a calls webhook after the flag last changed', () => {
    const unconfirmed = { ...green, callsWebhook: { subscribed: false, updatedAt: null, lastReceivedAt: null } };
    expect(check(unconfirmed, 'calls_webhook')).toMatchObject({ ok: false, fix: expect.stringMatching(/"calls" field.*calls-webhook/) });

    const seen = new Date('2025-06-02T10:00:00Z');
    const proven = { ...green, callsWebhook: { subscribed: false, updatedAt: null, lastReceivedAt: seen } };
    expect(check(proven, 'calls_webhook')).toMatchObject({ ok: true, detail: expect.stringContaining(seen.toISOString()) });

    const unsubscribedSince = { ...green, callsWebhook: { subscribed: false, updatedAt: new Date('2025-06-03T00:00:00Z'), lastReceivedAt: seen } };
    expect(check(unsubscribedSince, 'calls_webhook').ok).toBe(false);
  });

  it('messaging tier: below the minimum, missing or unknown fails; the minimum itself passes', () => {
    const at = (value: string | undefined) => ({ ...green, messagingLimitTier: { ok: true as const, value } });
    expect(check(at('TIER_1K'), 'messaging_limit_tier')).toMatchObject({
      ok: false,
      detail: 'Messaging limit tier is TIER_1K (1,000 business-initiated conversations / 24 h); calling needs at least TIER_2K (2,000 business-initiated conversations / 24 h).',
      fix: expect.stringMatching(/Raise the number's messaging limit to TIER_2K/),
    });
    expect(check(at('TIER_2K'), 'messaging_limit_tier').ok).toBe(true);
    expect(check(at('TIER_UNLIMITED'), 'messaging_limit_tier').detail).toMatch(/unlimited/);
    expect(check(at(undefined), 'messaging_limit_tier')).toMatchObject({ ok: false, detail: expect.stringMatching(/no messaging_limit_tier/) });
    expect(check(at('GOLD'), 'messaging_limit_tier')).toMatchObject({ ok: false, detail: expect.stringMatching(/unknown messaging_limit_tier "GOLD"/) });
    expect(assessReadiness(at('TIER_1K'), 'TIER_1K').ready).toBe(true);
  });

  it('describes a Meta error with its code, subcode and details once', () => {
    expect(describeMetaError(metaError({ subcode: 2494010, details: 'x' }))).toBe('InvalidParameterError 100/2494010: (#100) Invalid parameter — x');
    expect(describeMetaError(metaError({ message: 'bad x', details: 'x' }))).toBe('InvalidParameterError 100: bad x');
  });
});
