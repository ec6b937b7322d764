import { Pool } from 'pg';
import { CallSettingsRepository } from '../src/calls/settings/call-settings.repository';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { apiClient, createTenant, eventually, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

/** Customer → business: call settings pushed to Meta, and the calling readiness check. */
describe('call settings and calling readiness', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 20 });
    config = testConfig({ WHATSAPP_GRAPH_URL: sim.url });
    api = await startApi(config);
    sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await api.close();
    await sim.close();
  });

  const businessHours = {
    status: 'ENABLED',
    call_icon_visibility: 'DEFAULT',
    callback_permission_status: 'ENABLED',
    call_hours: {
      status: 'ENABLED',
      timezone_id: 'America/Sao_Paulo',
      weekly_operating_hours: [
        { day_of_week: 'MONDAY', open_time: '0800', close_time: '1200' },
        { day_of_week: 'MONDAY', open_time: '1300', close_time: '1800' },
        { day_of_week: 'SATURDAY', open_time: '0900', close_time: '1300' },
      ],
      holiday_schedule: [{ date: '2025-12-25', start_time: '0000', end_time: '2359' }],
    },
  };
  const withHours = (over: Record<string, unknown>) => ({ ...businessHours, call_hours: { ...businessHours.call_hours, ...over } });

  /** What Meta (the simulator) answers to GET /{phone-number-id}/settings. */
  async function metaSettings(phoneNumberId: string) {
    const res = await fetch(`${sim.url}/${config.whatsapp.graphVersion}/${phoneNumberId}/settings`, {
      headers: { authorization: 'Bearer test-access-token' },
    });
    return ((await res.json()) as { calling: Record<string, unknown> }).calling;
  }

  const settingsPath = (numberId: string) => `/v1/whatsapp-numbers/${numberId}/call-settings`;
  const readiness = (call: ReturnType<typeof apiClient>, numberId: string) =>
    call('GET', `/v1/calling/readiness?whatsapp_number_id=${numberId}`);
  const item = (body: any, name: string) => body.checks.find((c: any) => c.item === name);

  it('stores valid settings, pushes them to Meta, and gives them to the calling workflows', async () => {
    const tenant = await createTenant(api, config);
    const before = await tenant.call('GET', settingsPath(tenant.numberId));
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ settings: null, push: { status: 'none' }, calls_webhook: { subscribed: false } });

    const saved = await tenant.call('PUT', settingsPath(tenant.numberId), businessHours);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ whatsapp_number_id: tenant.numberId, settings: businessHours, push: { status: 'pushed', error: null } });
    expect(Date.parse(saved.body.push.pushed_at)).toBeGreaterThan(Date.now() - 60_000);

    expect(await metaSettings(tenant.phoneNumberId)).toMatchObject(businessHours);
    expect((await tenant.call('GET', settingsPath(tenant.numberId))).body).toEqual(saved.body);
    expect(await new CallSettingsRepository(pool).find(tenant.numberId)).toEqual(businessHours);

    // Always open: call hours off.
    const alwaysOpen = { status: 'ENABLED', call_hours: { status: 'DISABLED' } };
    expect((await tenant.call('PUT', settingsPath(tenant.numberId), alwaysOpen)).body.push.status).toBe('pushed');
    expect(await metaSettings(tenant.phoneNumberId)).toMatchObject({ call_hours: { status: 'DISABLED' } });
  });

  it('refuses invalid settings with 422 naming the field, and neither stores nor pushes them', async () => {
    const tenant = await createTenant(api, config);
    const metaBefore = await metaSettings(tenant.phoneNumberId);
    const cases: Array<[string, unknown, string, RegExp]> = [
      [
        '3 ranges in a day',
        withHours({
          weekly_operating_hours: [
            { day_of_week: 'MONDAY', open_time: '0800', close_time: '1000' },
            { day_of_week: 'MONDAY', open_time: '1100', close_time: '1200' },
            { day_of_week: 'MONDAY', open_time: '1300', close_time: '1400' },
          ],
        }),
        'call_hours.weekly_operating_hours[2]',
        /more than 2 ranges/,
      ],
      [
        'overlapping ranges',
        withHours({
          weekly_operating_hours: [
            { day_of_week: 'TUESDAY', open_time: '0800', close_time: '1300' },
            { day_of_week: 'TUESDAY', open_time: '1200', close_time: '1800' },
          ],
        }),
        'call_hours.weekly_operating_hours[1]',
        /overlaps/,
      ],
      [
        '21 holidays',
        withHours({
          holiday_schedule: Array.from({ length: 21 }, (_, i) => ({
            date: `2026-01-${String(i + 1).padStart(2, '0')}`,
            start_time: '0000',
            end_time: '2359',
          })),
        }),
        'call_hours.holiday_schedule',
        /20/,
      ],
      ['a bad time zone', withHours({ timezone_id: 'America/Atlantis' }), 'call_hours.timezone_id', /IANA/],
      ['a value the spec refuses', { ...businessHours, call_icon_visibility: 'SOMETIMES' }, 'call_icon_visibility', /must be one of/],
      ['a field the spec does not know', { ...businessHours, open_on_sundays: true }, 'open_on_sundays', /not a field/],
      ['no status', { call_hours: businessHours.call_hours }, 'status', /required/],
      ['a body that is not an object', [businessHours], 'body', /JSON object/],
    ];
    for (const [what, body, field, message] of cases) {
      const res = await tenant.call('PUT', settingsPath(tenant.numberId), body);
      expect({ what, status: res.status, field: res.body.field }).toEqual({ what, status: 422, field });
      expect(res.body.message).toMatch(message);
    }
    expect((await tenant.call('GET', settingsPath(tenant.numberId))).body.settings).toBeNull();
    expect(await metaSettings(tenant.phoneNumberId)).toEqual(metaBefore);
  });

  it("keeps the settings when Meta refuses them, answers 502 with Meta's error, and pushes again on retry", async () => {
    const tenant = await createTenant(api, config);
    sim.simulator.addFault({ code: 100, scope: 'settings' });
    const refused = await tenant.call('PUT', settingsPath(tenant.numberId), businessHours);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      statusCode: 502,
      error: 'Bad Gateway',
      meta_error: { name: 'InvalidParameterError', code: 100, type: 'OAuthException', http_status: 400, retryable: false },
      call_settings: { settings: businessHours, push: { status: 'failed', pushed_at: null } },
    });
    expect(refused.body.meta_error.message).toMatch(/Invalid parameter/);
    expect(refused.body.message).toMatch(/Meta did not accept the call settings \(InvalidParameterError 100: .*\)\. They are saved/);
    expect(await metaSettings(tenant.phoneNumberId)).not.toHaveProperty('call_hours');

    const stored = (await tenant.call('GET', settingsPath(tenant.numberId))).body;
    expect(stored).toMatchObject({ settings: businessHours, push: { status: 'failed', error: { code: 100 } } });

    // Meta unavailable is a 502 too, classified as such.
    sim.simulator.addFault({ code: 2, scope: 'settings' });
    const unavailable = await tenant.call('PUT', settingsPath(tenant.numberId), businessHours);
    expect(unavailable.status).toBe(502);
    expect(unavailable.body.meta_error).toMatchObject({ name: 'TransportError', code: 2, retryable: true });

    const retried = await tenant.call('PUT', settingsPath(tenant.numberId), businessHours);
    expect(retried.status).toBe(200);
    expect(retried.body.push).toMatchObject({ status: 'pushed', error: null });
    expect(await metaSettings(tenant.phoneNumberId)).toMatchObject(businessHours);
  });

  it('reports readiness all green, and each failing item with what to do', async () => {
    const tenant = await createTenant(api, config);
    expect((await tenant.call('PUT', settingsPath(tenant.numberId), businessHours)).status).toBe(200);

    // Nobody confirmed the calls webhook yet, and no call came in.
    const first = await readiness(tenant.call, tenant.numberId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      whatsapp_number_id: tenant.numberId,
      ready: false,
      messaging_limit_tier: 'TIER_10K',
      minimum_messaging_limit_tier: 'TIER_2K',
      last_calls_webhook_at: null,
    });
    expect(first.body.checks.map((c: any) => [c.item, c.ok])).toEqual([
      ['calling_enabled', true],
      ['calls_webhook', false],
      ['messaging_limit_tier', true],
    ]);
    expect(item(first.body, 'calls_webhook').fix).toMatch(/"calls" field.*calls-webhook/);

    const confirmed = await tenant.call('PUT', `${settingsPath(tenant.numberId)}/calls-webhook`, { subscribed: true });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.calls_webhook.subscribed).toBe(true);
    const green = (await readiness(tenant.call, tenant.numberId)).body;
    expect(green.ready).toBe(true);
    expect(green.checks.every((c: any) => c.ok && c.fix === null)).toBe(true);

    // Calling disabled at Meta.
    expect((await tenant.call('PUT', settingsPath(tenant.numberId), { ...businessHours, status: 'DISABLED' })).status).toBe(200);
    const disabled = (await readiness(tenant.call, tenant.numberId)).body;
    expect(disabled.ready).toBe(false);
    expect(item(disabled, 'calling_enabled')).toMatchObject({ ok: false, detail: expect.stringMatching(/DISABLED/) });
    expect(item(disabled, 'calling_enabled').fix).toContain(`PUT ${settingsPath(tenant.numberId)}`);
    expect((await tenant.call('PUT', settingsPath(tenant.numberId), businessHours)).status).toBe(200);

    // Messaging tier below Meta's minimum.
    sim.simulator.setMessagingLimitTier(tenant.phoneNumberId, 'TIER_1K');
    const low = (await readiness(tenant.call, tenant.numberId)).body;
    expect(low.ready).toBe(false);
    expect(low.messaging_limit_tier).toBe('TIER_1K');
    expect(item(low, 'messaging_limit_tier')).toMatchObject({ ok: false, fix: expect.stringMatching(/Raise the number's messaging limit/) });
    sim.simulator.setMessagingLimitTier(tenant.phoneNumberId, 'TIER_2K');
    expect((await readiness(tenant.call, tenant.numberId)).body.ready).toBe(true);

    // Meta answering errors: the item fails with Meta's error, not the request.
    sim.simulator.addFault({ code: 190, scope: 'settings' });
    sim.simulator.addFault({ code: 2, scope: 'phone_number' });
    const failing = await readiness(tenant.call, tenant.numberId);
    expect(failing.status).toBe(200);
    expect(item(failing.body, 'calling_enabled')).toMatchObject({ ok: false, detail: expect.stringMatching(/AuthError 190/), fix: expect.stringMatching(/access token/) });
    expect(item(failing.body, 'messaging_limit_tier')).toMatchObject({ ok: false, detail: expect.stringMatching(/TransportError 2/) });
    expect(item(failing.body, 'calls_webhook').ok).toBe(true);
  });

  it('counts a calls webhook for the number as proof of the subscription', async () => {
    const tenant = await createTenant(api, config);
    const other = await createTenant(api, config);
    // Deliveries of other providers (and invalid ones) are kept as sent, JSON or not: they must not break the lookup.
    await pool.query(
      `INSERT INTO inbound_webhooks (provider, account_id, raw_body, status) VALUES ('app', $1, '{"receipts": "nope"', 'invalid'),
              ('whatsapp', $1, 'not json', 'invalid')`,
      [tenant.accountId],
    );
    sim.simulator.customerCalls(randomWaId(), { phoneNumberId: tenant.phoneNumberId });
    const seen = await eventually(async () => {
      const body = (await readiness(tenant.call, tenant.numberId)).body;
      return body.last_calls_webhook_at ? body : undefined;
    }, 10_000, 'the calls webhook to be recorded');
    expect(item(seen, 'calls_webhook')).toMatchObject({ ok: true, detail: expect.stringContaining(seen.last_calls_webhook_at) });
    // Another number's calls prove nothing about this one.
    expect((await readiness(other.call, other.numberId)).body.last_calls_webhook_at).toBeNull();
  });

  it('reports Meta unreachable as a failing item, not a 500', async () => {
    const offline = testConfig({ WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9' });
    const offlineApi = await startApi(offline);
    try {
      const tenant = await createTenant(offlineApi, offline);
      const res = await readiness(tenant.call, tenant.numberId);
      expect(res.status).toBe(200);
      expect(res.body.ready).toBe(false);
      for (const name of ['calling_enabled', 'messaging_limit_tier']) {
        expect(item(res.body, name)).toMatchObject({
          ok: false,
          detail: expect.stringMatching(/TransportError: WhatsApp Graph API GET .* failed/),
          fix: expect.stringMatching(/WHATSAPP_GRAPH_URL/),
        });
      }
      const push = await tenant.call('PUT', settingsPath(tenant.numberId), businessHours);
      expect(push.status).toBe(502);
      expect(push.body.meta_error).toMatchObject({ name: 'TransportError', code: null, retryable: true });
    } finally {
      await offlineApi.close();
    }
  });

  it("answers 404 for another account's number, 403 to agents changing settings, 400 for a malformed id", async () => {
    const a = await createTenant(api, config);
    const b = await createTenant(api, config);
    expect((await b.call('GET', settingsPath(a.numberId))).status).toBe(404);
    expect((await b.call('PUT', settingsPath(a.numberId), businessHours)).status).toBe(404);
    expect((await b.call('PUT', `${settingsPath(a.numberId)}/calls-webhook`, { subscribed: true })).status).toBe(404);
    expect((await readiness(b.call, a.numberId)).status).toBe(404);
    expect((await a.call('GET', settingsPath(a.numberId))).body.settings).toBeNull();

    const agent = await a.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${Date.now()}@example.com` });
    const asAgent = apiClient(api.url, agent.body.api_key.key);
    expect((await asAgent('PUT', settingsPath(a.numberId), businessHours)).status).toBe(403);
    expect((await asAgent('GET', settingsPath(a.numberId))).status).toBe(200);
    expect((await readiness(asAgent, a.numberId)).status).toBe(200);

    expect((await a.call('GET', settingsPath('not-a-uuid'))).status).toBe(400);
    const badQuery = await a.call('GET', '/v1/calling/readiness?whatsapp_number_id=x');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.message.join(' ')).toMatch(/whatsapp_number_id must be a UUID/);
    expect((await a.call('PUT', `${settingsPath(a.numberId)}/calls-webhook`, { subscribed: 'yes' })).status).toBe(400);
  });
});
