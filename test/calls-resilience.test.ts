import type { ChildProcess } from 'node:child_process';
import { signWebhook } from '../src/whatsapp/signature';
import { startCallingStack } from './support/calling';
import { apiClient, createTenant, eventually, randomWaId, spawnWorker } from './support/stack';

/** Calls survive a dead worker and Meta's redelivered, reordered or foreign webhooks. */
describe('call resilience', () => {
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let worker: ChildProcess;

  beforeAll(async () => {
    stack = await startCallingStack({ CALL_RING_TIMEOUT: '60s' }, {}, { inProcessWorker: false });
    worker = await spawnWorker(stack.config);
  });
  afterAll(async () => {
    worker.kill('SIGKILL');
    await stack.stop();
  });

  async function grantedPair() {
    const { sim, api, config } = stack;
    const tenant = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${Date.now()}@example.com` });
    const asAgent = apiClient(api.url, agent.body.api_key.key);
    const waId = randomWaId();
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Pode ligar' });
    const contact = await eventually(async () => (await asAgent('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);
    const pair = { whatsapp_number_id: tenant.numberId, contact_id: contact.id };
    await asAgent('POST', '/v1/call-permissions/requests', pair);
    await eventually(async () => sim.simulator.messages({ to: waId })[0]);
    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: tenant.phoneNumberId });
    await eventually(async () =>
      (await asAgent('GET', `/v1/call-permissions?whatsapp_number_id=${pair.whatsapp_number_id}&contact_id=${pair.contact_id}`)).body.status ===
      'granted'
        ? true
        : undefined,
    );
    return { tenant, asAgent, waId, pair };
  }

  const callState = (call: ReturnType<typeof apiClient>, id: string, state: string) =>
    eventually(async () => {
      const body = (await call('GET', `/v1/calls/${id}`)).body;
      return body.state === state ? body : undefined;
    }, 30_000, `call ${id} to be ${state}`);

  /** Posts a webhook exactly as Meta would: the raw body signed with the app secret. */
  const deliver = (payload: unknown) => {
    const raw = JSON.stringify(payload);
    return fetch(`${stack.api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, stack.config.whatsapp.appSecret) },
      body: raw,
    });
  };

  it('a worker killed while the customer\'s phone rings does not lose the call', async () => {
    const { asAgent, waId, pair } = await grantedPair();
    const { call } = (await asAgent('POST', '/v1/calls', pair)).body;
    await callState(asAgent, call.id, 'ringing');
    worker.kill('SIGKILL');
    const atMeta = stack.sim.simulator.calls().find((c) => c.waId === waId)!;
    stack.sim.simulator.customerAcceptsCall(atMeta.id); // while no worker runs
    worker = await spawnWorker(stack.config);
    await callState(asAgent, call.id, 'accepted');
    await asAgent('POST', `/v1/calls/${call.id}/hangup`);
    expect((await callState(asAgent, call.id, 'completed')).end_reason).toBe('agent_hung_up');
  });

  it('redelivered and late call webhooks change nothing; webhooks for unknown calls are kept', async () => {
    const { tenant, asAgent, waId, pair } = await grantedPair();
    const { call } = (await asAgent('POST', '/v1/calls', pair)).body;
    await callState(asAgent, call.id, 'ringing');
    const atMeta = stack.sim.simulator.calls().find((c) => c.waId === waId)!;
    stack.sim.simulator.customerAcceptsCall(atMeta.id);
    await callState(asAgent, call.id, 'accepted');

    // Meta redelivers every call webhook it sent, RINGING last (out of order).
    const sent = stack.sim.simulator.webhooks().filter((w) => JSON.stringify(w.payload).includes(atMeta.id));
    expect(sent.map((w) => w.kind)).toEqual(expect.arrayContaining(['call:connect']));
    for (const w of [...sent].reverse()) expect((await deliver(w.payload)).status).toBe(200);
    const still = (await asAgent('GET', `/v1/calls/${call.id}`)).body;
    expect(still).toMatchObject({ state: 'accepted', whatsapp_call_id: atMeta.id });

    // A status for a call recado never placed: stored and acknowledged, no effect.
    const foreign = JSON.parse(JSON.stringify(sent.find((w) => w.kind.includes('RINGING') || w.kind.includes('status'))!.payload).replaceAll(atMeta.id, 'wacid.UNKNOWN-CALL').replaceAll(call.id, 'not-ours'));
    expect((await deliver(foreign)).status).toBe(200);
    const deliveries = (await tenant.call('GET', '/v1/webhooks?limit=200')).body;
    expect(deliveries.find((w: { raw_body: string }) => w.raw_body.includes('wacid.UNKNOWN-CALL'))).toMatchObject({ status: 'processed' });

    await asAgent('POST', `/v1/calls/${call.id}/hangup`);
    await callState(asAgent, call.id, 'completed');
    // A late terminate after the call ended: nothing to wake up, still 200.
    const terminate = stack.sim.simulator.webhooks().find((w) => w.kind === 'call:terminate' && JSON.stringify(w.payload).includes(atMeta.id));
    expect((await deliver(terminate!.payload)).status).toBe(200);
    expect((await asAgent('GET', `/v1/calls/${call.id}`)).body.state).toBe('completed');
  });
});
