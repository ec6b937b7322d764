import { TokenVerifier } from 'livekit-server-sdk';
import type { RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { grantedCustomer as grantedCustomerOf, startCallingStack } from './support/calling';
import { apiClient, createTenant, eventually, randomWaId, testConfig, type RunningApi } from './support/stack';

/**
 * Business → customer calls end to end: recado → LiveKit Connector (simulator) → Meta
 * (WhatsApp simulator) → calls webhooks → recado, with a real LiveKit server for rooms and tokens.
 */
describe('business-initiated calls', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    stack = await startCallingStack({ CALL_RING_TIMEOUT: '3s', CALL_QUOTA_PER_24H: '2' });
    ({ sim, api, config } = stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  const grantedCustomer = () => grantedCustomerOf(stack);

  const callState = (call: ReturnType<typeof apiClient>, id: string, state: string) =>
    eventually(async () => {
      const body = (await call('GET', `/v1/calls/${id}`)).body;
      return body.state === state ? body : undefined;
    }, 20_000, `call ${id} to be ${state}`);

  const metaCall = (waId: string) => eventually(async () => sim.simulator.calls().find((c) => c.waId === waId && c.state !== 'ended'));

  it('dials, rings, connects when the customer picks up, and ends with the duration when the agent hangs up', async () => {
    const { asAgent, agentId, waId, pair } = await grantedCustomer();
    const started = await asAgent('POST', '/v1/calls', pair);
    expect(started.status).toBe(201);
    const { call, join } = started.body;
    expect(call.state).toBe('dialing');

    const grant = await new TokenVerifier(config.livekit.apiKey, config.livekit.apiSecret).verify(join.token);
    expect(grant.sub).toBe(`agent:${agentId}`);
    expect(grant.video).toMatchObject({ roomJoin: true, room: `call-${call.id}` });

    const atMeta = await metaCall(waId);
    expect(atMeta.bizOpaqueCallbackData).toBe(call.id);
    expect(atMeta.offerSdp).toMatch(/^v=0/);
    await callState(asAgent, call.id, 'ringing');
    expect((await asAgent('GET', '/v1/calls/ongoing')).body.map((c: { id: string }) => c.id)).toContain(call.id);

    sim.simulator.customerAcceptsCall(atMeta.id);
    const accepted = await callState(asAgent, call.id, 'accepted');
    expect(accepted.whatsapp_call_id).toBe(atMeta.id);
    await new Promise((r) => setTimeout(r, 1100));

    expect((await asAgent('POST', `/v1/calls/${call.id}/hangup`)).status).toBe(202);
    const ended = await callState(asAgent, call.id, 'completed');
    expect(ended.end_reason).toBe('agent_hung_up');
    expect(ended.duration_seconds).toBeGreaterThanOrEqual(1);
    expect(sim.simulator.calls().find((c) => c.id === atMeta.id)?.state).toBe('ended');
    expect((await asAgent('GET', '/v1/calls/ongoing')).body.map((c: { id: string }) => c.id)).not.toContain(call.id);
    // Our hang-up went to the Connector once (BUSINESS_INITIATED); Meta's terminate webhook did not make a second disconnect.
    expect(stack.connector.connector.get(atMeta.id)).toMatchObject({ state: 'ended', endedBy: 'business' });
    expect(await stack.callWorkflow(call.id)).toEqual({ status: 'COMPLETED', result: 'completed' });
  });

  /** A granted customer with a dialled call they picked up. */
  async function connectedCall() {
    const customer = await grantedCustomer();
    const { call } = (await customer.asAgent('POST', '/v1/calls', customer.pair)).body;
    const atMeta = await metaCall(customer.waId);
    sim.simulator.customerAcceptsCall(atMeta.id);
    await callState(customer.asAgent, call.id, 'accepted');
    await eventually(async () => (stack.connector.connector.get(atMeta.id)?.state === 'connected' ? true : undefined));
    return { ...customer, call, atMeta };
  }

  it('the customer hangs up: the Connector is freed with USER_INITIATED and the call completes with its duration', async () => {
    const { asAgent, call, atMeta } = await connectedCall();
    await new Promise((r) => setTimeout(r, 1100));
    sim.simulator.customerEndsCall(atMeta.id);
    const ended = await callState(asAgent, call.id, 'completed');
    expect(ended.end_reason).toBe('customer_hung_up');
    expect(ended.duration_seconds).toBeGreaterThanOrEqual(1);
    expect(await stack.callWorkflow(call.id)).toEqual({ status: 'COMPLETED', result: 'completed' });
    expect(stack.connector.connector.get(atMeta.id)).toMatchObject({ state: 'ended', endedBy: 'user' });
    // Meta was asked for no terminate: the customer had ended the call.
    expect(stack.connector.connector.metaRequests({ callId: atMeta.id, action: 'terminate' })).toEqual([]);
  });

  it('agent and customer hang up at once: the call completes and the workflow does not fail', async () => {
    const { asAgent, call, atMeta } = await connectedCall();
    // Meta has ended the call; its terminate webhook and the agent's hang-up race to the workflow.
    sim.simulator.customerEndsCall(atMeta.id);
    expect((await asAgent('POST', `/v1/calls/${call.id}/hangup`)).status).toBe(202);
    const ended = await callState(asAgent, call.id, 'completed');
    expect(['agent_hung_up', 'customer_hung_up']).toContain(ended.end_reason);
    expect(typeof ended.duration_seconds).toBe('number');
    expect(await stack.callWorkflow(call.id)).toEqual({ status: 'COMPLETED', result: 'completed' });
    // Whoever came first, the Connector let go of the call.
    expect(stack.connector.connector.get(atMeta.id)?.state).toBe('ended');
  });

  it('gives up after the ring timeout, and a rejected call is rejected', async () => {
    const { asAgent, waId, pair } = await grantedCustomer();
    const unanswered = (await asAgent('POST', '/v1/calls', pair)).body.call;
    const timedOut = await callState(asAgent, unanswered.id, 'not_answered');
    expect(timedOut.end_reason).toBe('ring_timeout');
    expect(timedOut.accepted_at).toBeNull();
    // The Connector got CALL_RING_TIMEOUT as ringingTimeout and ended the call itself; recado's timer (+ grace) did not race it.
    const atConnector = stack.connector.connector.list().find((c) => c.bizOpaqueCallbackData === unanswered.id);
    expect(atConnector).toMatchObject({ ringingTimeoutSeconds: 3, state: 'ended', endedBy: 'ringing_timeout' });
    expect(stack.connector.connector.metaRequests({ callId: atConnector!.whatsappCallId, action: 'terminate' })).toHaveLength(1);
    expect(await stack.callWorkflow(unanswered.id)).toEqual({ status: 'COMPLETED', result: 'not_answered' });

    const second = (await asAgent('POST', '/v1/calls', pair)).body.call;
    sim.simulator.customerRejectsCall((await metaCall(waId)).id);
    expect((await callState(asAgent, second.id, 'rejected')).end_reason).toBe('customer_rejected');
  });

  it('after 4 unanswered or rejected calls in a row the permission is revoked', async () => {
    const { asAgent, waId, pair } = await grantedCustomer();
    for (let i = 0; i < 4; i++) {
      const call = (await asAgent('POST', '/v1/calls', pair)).body.call;
      sim.simulator.customerRejectsCall((await metaCall(waId)).id);
      await callState(asAgent, call.id, 'rejected');
    }
    const permission = await eventually(async () => {
      const body = (await asAgent('GET', `/v1/call-permissions?whatsapp_number_id=${pair.whatsapp_number_id}&contact_id=${pair.contact_id}`)).body;
      return body.status === 'revoked' ? body : undefined;
    });
    expect(permission.status).toBe('revoked');
    const refused = await asAgent('POST', '/v1/calls', pair);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/status revoked/);
  });

  it('enforces the rolling 24 h quota of connected calls and says when the next one is possible', async () => {
    const { asAgent, waId, pair } = await grantedCustomer();
    const acceptedAt: number[] = [];
    for (let i = 0; i < 2; i++) {
      const call = (await asAgent('POST', '/v1/calls', pair)).body.call;
      sim.simulator.customerAcceptsCall((await metaCall(waId)).id);
      acceptedAt.push(Date.parse((await callState(asAgent, call.id, 'accepted')).accepted_at));
      await asAgent('POST', `/v1/calls/${call.id}/hangup`);
      await callState(asAgent, call.id, 'completed');
    }
    const third = await asAgent('POST', '/v1/calls', pair);
    expect(third.status).toBe(429);
    expect(third.body.limit).toBe('call_quota');
    expect(Date.parse(third.body.next_allowed_at)).toBe(acceptedAt[0] + 24 * 60 * 60 * 1000);
  });

  it('refuses without permission, for a system key, and for another account', async () => {
    const tenant = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Bia', email: `bia-${Date.now()}@example.com` });
    const asAgent = apiClient(api.url, agent.body.api_key.key);
    const contact = (await asAgent('POST', '/v1/contacts', { wa_id: randomWaId() })).body;
    const pair = { whatsapp_number_id: tenant.numberId, contact_id: contact.id };
    const noPermission = await asAgent('POST', '/v1/calls', pair);
    expect(noPermission.status).toBe(409);
    expect(noPermission.body.message).toMatch(/^contact_id: no call permission/);
    expect((await tenant.call('POST', '/v1/calls', pair)).status).toBe(403);
    const other = await createTenant(api, config);
    expect((await other.call('GET', `/v1/calls/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`)).status).toBe(404);
    expect((await asAgent('POST', '/v1/calls', { ...pair, contact_id: 'x' })).status).toBe(400);
  });
});
