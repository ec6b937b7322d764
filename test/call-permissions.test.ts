import type { RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { startCallingStack } from './support/calling';
import { apiClient, createTenant, eventually, randomWaId, testConfig, type RunningApi } from './support/stack';
import { readEvents } from './support/sse';

/** Business → customer, step 1: ask for permission to call, hear the answer, let it lapse. */
describe('call permission requests', () => {
  const GRANT_MS = 4000;
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    stack = await startCallingStack({}, { callLimits: { temporaryPermissionMs: GRANT_MS } });
    ({ sim, api, config } = stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function setUp() {
    const tenant = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${Date.now()}@example.com` });
    const asAgent = apiClient(api.url, agent.body.api_key.key);
    const waId = randomWaId();
    return { tenant, agentId: agent.body.agent.id as string, agentKey: agent.body.api_key.key as string, asAgent, waId };
  }

  async function customerWrites(phoneNumberId: string, waId: string, call: ReturnType<typeof apiClient>) {
    sim.simulator.customerSendsMessage(waId, { phoneNumberId, text: 'Pode me ligar?' });
    return eventually(async () => (await call('GET', `/v1/contacts?wa_id=${waId}`)).body[0], 10_000, 'the contact');
  }

  const status = (call: ReturnType<typeof apiClient>, numberId: string, contactId: string) =>
    call('GET', `/v1/call-permissions?whatsapp_number_id=${numberId}&contact_id=${contactId}`);

  it('sends the interactive request, enforces the daily limit, tells the requesting agent when the customer accepts, and expires the grant', async () => {
    const { tenant, agentId, agentKey, asAgent, waId } = await setUp();
    const contact = await customerWrites(tenant.phoneNumberId, waId, asAgent);
    const pair = { whatsapp_number_id: tenant.numberId, contact_id: contact.id };

    const requested = await asAgent('POST', '/v1/call-permissions/requests', pair);
    expect(requested.status).toBe(202);
    const sent = await eventually(async () => sim.simulator.messages({ to: waId })[0], 10_000, 'the request at Meta');
    expect(sent.body).toMatchObject({
      type: 'interactive',
      interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' } },
    });
    await eventually(async () => ((await status(asAgent, tenant.numberId, contact.id)).body.status === 'pending' ? true : undefined));

    const again = await asAgent('POST', '/v1/call-permissions/requests', pair);
    expect(again.status).toBe(429);
    expect(again.body.limit).toBe('daily_limit');
    const nextAllowed = Date.parse(again.body.next_allowed_at);
    expect(nextAllowed - Date.parse(requested.body.requested_at)).toBe(24 * 60 * 60 * 1000);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(24 * 60 * 60 - 60);

    // The agent has moved on; the grant still reaches them, with the customer to go back to.
    const stream = await fetch(`${api.url}/v1/events?access_token=${agentKey}`);
    const granted = readEvents(stream, (e) => e.event === 'call_permission.granted');
    await new Promise((r) => setTimeout(r, 300));
    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: tenant.phoneNumberId });
    const events = await granted;
    expect(events.find((e) => e.event === 'call_permission.granted')!.data).toEqual({
      whatsapp_number_id: tenant.numberId,
      contact_id: contact.id,
      status: 'granted',
      previous_status: 'pending',
    });
    const grant = (await status(asAgent, tenant.numberId, contact.id)).body;
    expect(grant).toMatchObject({ status: 'granted', kind: 'temporary', requested_by_agent_id: agentId });
    expect(Date.parse(grant.expires_at)).toBeGreaterThan(Date.now());

    await eventually(
      async () => ((await status(asAgent, tenant.numberId, contact.id)).body.status === 'expired' ? true : undefined),
      GRANT_MS + 10_000,
      'the temporary grant to expire',
    );
  });

  it('records a rejection and a permanent grant', async () => {
    const { tenant, asAgent, waId } = await setUp();
    const contact = await customerWrites(tenant.phoneNumberId, waId, asAgent);
    expect((await asAgent('POST', '/v1/call-permissions/requests', { whatsapp_number_id: tenant.numberId, contact_id: contact.id })).status).toBe(202);
    await eventually(async () => sim.simulator.messages({ to: waId })[0]);
    sim.simulator.customerRepliesToCallPermission(waId, { accept: false, phoneNumberId: tenant.phoneNumberId });
    await eventually(async () => ((await status(asAgent, tenant.numberId, contact.id)).body.status === 'denied' ? true : undefined));
    // Meta lets the customer change their mind; the latest answer wins.
    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, permanent: true, phoneNumberId: tenant.phoneNumberId });
    const permanent = await eventually(async () => {
      const body = (await status(asAgent, tenant.numberId, contact.id)).body;
      return body.status === 'granted' ? body : undefined;
    });
    expect(permanent).toMatchObject({ kind: 'permanent', expires_at: null });
  });

  it("outside the 24 h window, without an approved template, says what is missing", async () => {
    const { tenant, asAgent, waId } = await setUp();
    const contact = (await asAgent('POST', '/v1/contacts', { wa_id: waId })).body; // never wrote to us
    const res = await asAgent('POST', '/v1/call-permissions/requests', { whatsapp_number_id: tenant.numberId, contact_id: contact.id });
    expect(res.status).toBe(422);
    expect(res.body.field).toBe('whatsapp_number_id');
    expect(res.body.message).toMatch(/call_permission_template/);
    expect(sim.simulator.messages({ to: waId })).toHaveLength(0);
  });

  it("answers 404 for another account's contact and 400 for a malformed pair", async () => {
    const a = await setUp();
    const b = await setUp();
    const contact = await customerWrites(a.tenant.phoneNumberId, a.waId, a.asAgent);
    const foreign = await b.asAgent('POST', '/v1/call-permissions/requests', { whatsapp_number_id: b.tenant.numberId, contact_id: contact.id });
    expect(foreign.status).toBe(404);
    const bad = await a.asAgent('GET', '/v1/call-permissions?whatsapp_number_id=x&contact_id=y');
    expect(bad.status).toBe(400);
    expect(bad.body.message.join(' ')).toMatch(/whatsapp_number_id must be a UUID/);
  });

  it("refreshes from Meta's call_permissions: its state, and its live limits and usage", async () => {
    const { tenant, asAgent, waId } = await setUp();
    const contact = await customerWrites(tenant.phoneNumberId, waId, asAgent);
    const pair = { whatsapp_number_id: tenant.numberId, contact_id: contact.id };
    expect((await asAgent('POST', '/v1/call-permissions/requests', pair)).status).toBe(202);
    await eventually(async () => sim.simulator.messages({ to: waId })[0]);
    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, permanent: true, phoneNumberId: tenant.phoneNumberId });
    await eventually(async () => ((await status(asAgent, tenant.numberId, contact.id)).body.status === 'granted' ? true : undefined));

    const refreshed = await asAgent('POST', '/v1/call-permissions/refresh', pair);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ status: 'granted', kind: 'permanent' });
    expect(Date.parse(refreshed.body.meta_synced_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(refreshed.body.meta.start_call).toMatchObject({ canPerform: true });
    const requests = refreshed.body.meta.send_call_permission_request;
    expect(requests.limits.map((l: { currentUsage: number }) => l.currentUsage)).toContain(1);
  });
});
