import { TokenVerifier } from 'livekit-server-sdk';
import type { RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { startCallingStack } from './support/calling';
import { openEventStream, type SseEvent } from './support/sse';
import { signWebhook } from '../src/whatsapp/signature';
import { apiClient, createTenant, eventually, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

/** Customer → business calls: hours, waves of agents (involved first), first to accept wins, missed → callback task. */
describe('customer-initiated calls', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let config: ReturnType<typeof testConfig>;
  const streams: Array<ReturnType<typeof openEventStream>> = [];

  beforeAll(async () => {
    // A short accept attempt, so the slow-accept test outlasts it; ordinary accepts answer well within it.
    stack = await startCallingStack({ CALL_ANSWER_WINDOW: '5s', CALL_WAVE_DELAY: '1500ms', CALL_ACCEPT_TIMEOUT: '1500ms' });
    ({ sim, api, config } = stack);
  });
  afterAll(async () => {
    for (const s of streams) await s.close();
    await stack.stop();
  });

  /** An account with agents who are online (their realtime stream is open); the first is assigned to the customer. */
  async function team(size: number) {
    const tenant = await createTenant(api, config);
    const agents = [];
    for (let i = 0; i < size; i++) {
      const created = await tenant.call('POST', '/v1/agents', { name: `Agent ${i}`, email: `a${i}-${Date.now()}-${Math.random()}@example.com` });
      const stream = openEventStream(await fetch(`${api.url}/v1/events?access_token=${created.body.api_key.key}`));
      streams.push(stream);
      agents.push({ id: created.body.agent.id as string, call: apiClient(api.url, created.body.api_key.key), stream });
    }
    const waId = randomWaId();
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Oi, vou ligar' });
    const contact = await eventually(async () => (await tenant.call('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);
    expect((await tenant.call('PUT', `/v1/contacts/${contact.id}/assigned-agent`, { assigned_agent_id: agents[0].id })).status).toBe(200);
    return { tenant, agents, waId, contact };
  }

  const offered = (e: SseEvent) => e.event === 'call.offered';
  const callState = (call: ReturnType<typeof apiClient>, id: string, state: string) =>
    eventually(async () => {
      const body = (await call('GET', `/v1/calls/${id}`)).body;
      return body.state === state ? body : undefined;
    }, 20_000, `call ${id} to be ${state}`);

  it('rings the assigned agent first, then everyone; the first to accept gets the call and the others stop ringing', async () => {
    const { tenant, agents, waId, contact } = await team(3);
    const [assigned, second] = agents;
    const assignedOffer = assigned.stream.waitFor(offered);
    const secondOffer = second.stream.waitFor(offered);
    const calledAt = Date.now();
    const atMeta = sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId });

    const first = (await assignedOffer).find(offered)!;
    expect(first.data.contact_id).toBe(contact.id);
    const callId = first.data.call_id as string;
    await secondOffer;
    expect(Date.now() - calledAt).toBeGreaterThanOrEqual(1400); // the second wave waits for the involved agent

    const withdrawn = assigned.stream.waitFor((e) => e.event === 'call.offer_withdrawn');
    const taken = await second.call('POST', `/v1/calls/${callId}/accept`);
    expect(taken.status).toBe(200);
    const grant = await new TokenVerifier(config.livekit.apiKey, config.livekit.apiSecret).verify(taken.body.join.token);
    expect(grant.video).toMatchObject({ room: `call-${callId}`, roomJoin: true });
    const late = await assigned.call('POST', `/v1/calls/${callId}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/another agent/);
    expect((await withdrawn).find((e) => e.event === 'call.offer_withdrawn')!.data).toEqual({ call_id: callId, reason: 'taken' });

    const accepted = await callState(second.call, callId, 'accepted');
    expect(accepted).toMatchObject({ direction: 'user_initiated', agent_id: second.id, whatsapp_call_id: atMeta.id });
    await eventually(async () => (sim.simulator.calls().find((c) => c.id === atMeta.id)?.state === 'accepted' ? true : undefined));

    sim.simulator.customerEndsCall(atMeta.id);
    expect((await callState(second.call, callId, 'completed')).end_reason).toBe('customer_hung_up');
    // Meta's terminate freed the Connector with USER_INITIATED; the workflow completed.
    expect(stack.connector.connector.get(atMeta.id)).toMatchObject({ state: 'ended', endedBy: 'user' });
    expect(await stack.callWorkflow(callId)).toEqual({ status: 'COMPLETED', result: 'completed' });
  });

  it('an accept the Connector answers after the attempt timed out is applied once, and the call connects', async () => {
    const { tenant, agents, waId } = await team(1);
    const offer = agents[0].stream.waitFor(offered);
    const atMeta = sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId });
    const callId = (await offer).find(offered)!.data.call_id as string;
    stack.connector.connector.delayNextAcceptAnswer(3000); // twice CALL_ACCEPT_TIMEOUT
    expect((await agents[0].call('POST', `/v1/calls/${callId}/accept`)).status).toBe(200);
    await callState(tenant.call, callId, 'accepted');
    expect(sim.simulator.calls().find((c) => c.id === atMeta.id)?.state).toBe('accepted');
    expect(stack.connector.connector.metaRequests({ callId: atMeta.id }).map((r) => [r.action, r.status])).toEqual([
      ['pre_accept', 200],
      ['accept', 200],
    ]);

    // Both at once: the agent hangs up as the customer does.
    sim.simulator.customerEndsCall(atMeta.id);
    await agents[0].call('POST', `/v1/calls/${callId}/hangup`);
    const ended = await callState(tenant.call, callId, 'completed');
    expect(typeof ended.duration_seconds).toBe('number');
    expect(await stack.callWorkflow(callId)).toEqual({ status: 'COMPLETED', result: 'completed' });
    expect(stack.connector.connector.get(atMeta.id)?.state).toBe('ended');
  });

  it('nobody answers: the call is missed, the involved agent gets a callback task and the customer an automatic message', async () => {
    const { tenant, agents, waId, contact } = await team(2);
    const task = agents[0].stream.waitFor((e) => e.event === 'callback_task.created', 15_000);
    const atMeta = sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId });
    const created = (await task).find((e) => e.event === 'callback_task.created')!;
    expect(created.data).toMatchObject({ contact_id: contact.id, reason: 'missed' });
    const call = await callState(tenant.call, created.data.call_id as string, 'not_answered');
    expect(call.end_reason).toBe('nobody_answered');
    expect(sim.simulator.calls().find((c) => c.id === atMeta.id)?.state).toBe('ended');
    await eventually(async () => sim.simulator.messages({ to: waId }).find((m) => m.type === 'text'));

    const open = (await agents[0].call('GET', `/v1/callback-tasks?state=open&agent_id=${agents[0].id}`)).body;
    expect(open.map((t: { call_id: string }) => t.call_id)).toContain(call.id);
    const taskId = open.find((t: { call_id: string }) => t.call_id === call.id).id;
    expect((await agents[0].call('POST', `/v1/callback-tasks/${taskId}/done`)).body).toMatchObject({ state: 'done', done_by: agents[0].id });
    expect((await agents[0].call('GET', '/v1/callback-tasks?state=open')).body.map((t: { id: string }) => t.id)).not.toContain(taskId);
  });

  it('outside business hours the call is rejected with the opening time, a task and the automatic message', async () => {
    const { tenant, agents, waId } = await team(1);
    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
    const day = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'][tomorrow.getUTCDay()];
    const settings = await tenant.call('PUT', `/v1/whatsapp-numbers/${tenant.numberId}/call-settings`, {
      status: 'ENABLED',
      call_hours: {
        status: 'ENABLED',
        timezone_id: 'Etc/UTC',
        weekly_operating_hours: [{ day_of_week: day, open_time: '0900', close_time: '1000' }],
      },
    });
    expect(settings.status).toBe(200);
    const task = agents[0].stream.waitFor((e) => e.event === 'callback_task.created', 15_000);
    sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId });
    const created = (await task).find((e) => e.event === 'callback_task.created')!;
    expect(created.data.reason).toBe('outside_hours');
    const opening = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 9));
    expect(Date.parse(created.data.call_back_after as string)).toBe(opening.getTime());
    expect((await callState(tenant.call, created.data.call_id as string, 'not_answered')).end_reason).toBe('outside_hours');
    const message = await eventually(async () => sim.simulator.messages({ to: waId }).find((m) => m.type === 'text'));
    expect(JSON.stringify(message.body)).toMatch(/fora do nosso horário/);
  });

  it('an agent the call was not offered to cannot take it', async () => {
    const { tenant, agents, waId } = await team(1);
    const outsider = await tenant.call('POST', '/v1/agents', { name: 'Offline', email: `off-${Date.now()}@example.com` });
    const offer = agents[0].stream.waitFor(offered);
    sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId });
    const callId = (await offer).find(offered)!.data.call_id as string;
    const refused = await apiClient(api.url, outsider.body.api_key.key)('POST', `/v1/calls/${callId}/accept`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/not offered to you/);
    expect((await agents[0].call('POST', `/v1/calls/${callId}/accept`)).status).toBe(200);
  });

  it('a call whose workflow could not start rings when the connect webhook comes again, and never rings twice', async () => {
    const { tenant, agents, waId } = await team(1);
    const [agent] = agents;
    // An API process whose workflow start Temporal refuses: the call is stored, the delivery left failed for a retry.
    const cut = await startApi({ ...config, temporal: { ...config.temporal, namespace: 'recado-no-such-namespace' } });
    const failed = await (async () => {
      try {
        sim.simulator.setWebhookUrl(`${cut.url}/v1/webhooks/whatsapp`);
        const atMeta = sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId });
        const delivery = await eventually(async () =>
          (await tenant.call('GET', '/v1/webhooks?status=failed')).body.find((w: { raw_body: string }) => w.raw_body.includes(atMeta.id)),
        );
        return { ...delivery, atMeta };
      } finally {
        sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
        await cut.close();
      }
    })();
    const { atMeta } = failed;
    expect(failed.error).toMatch(/namespace/i);

    // Meta's redelivery (the sweeper does the same with the stored body) reaches an API that can ring.
    const deliver = (raw: string) =>
      fetch(`${api.url}/v1/webhooks/whatsapp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) },
        body: raw,
      });
    const offer = agent.stream.waitFor(offered);
    expect((await deliver(failed.raw_body)).status).toBe(200);
    const callId = (await offer).find(offered)!.data.call_id as string;
    expect((await agent.call('POST', `/v1/calls/${callId}/accept`)).status).toBe(200);
    await eventually(async () => (sim.simulator.calls().find((c) => c.id === atMeta.id)?.state === 'accepted' ? true : undefined));
    sim.simulator.customerEndsCall(atMeta.id);
    await callState(agent.call, callId, 'completed');

    // Once more after the call ended: nothing rings.
    expect((await deliver(failed.raw_body)).status).toBe(200);
    await expect(agent.stream.waitFor(offered, 1500)).rejects.toThrow(/expected event not received/);
    expect((await agent.call('GET', `/v1/calls/${callId}`)).body.state).toBe('completed');
  });
});
