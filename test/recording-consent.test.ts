import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { callPermissionWorkflowId } from '../workflows/call-permission.workflow';
import { callRecordingWorkflowId } from '../workflows/call-recording.workflow';
import { postCallWorkflowId } from '../workflows/post-call.workflow';
import { grantedCustomer, startCallingStack } from './support/calling';
import { openEventStream } from './support/sse';
import { apiClient, createTenant, eventually, randomWaId, temporalClient } from './support/stack';

/**
 * The recording consent message on real calls: recado → Connector simulator → WhatsApp simulator,
 * with the recorder in each call's LiveKit room. When a recorded call is answered, the account's
 * consent message goes to the customer once, through the exactly-once send path, if their 24 h
 * window is open; the call's timeline says it was sent, or why not.
 */
const CONSENT = 'Esta ligação está sendo gravada para a sua segurança.';

type Stack = Awaited<ReturnType<typeof startCallingStack>>;
type Api = ReturnType<typeof apiClient>;

describe('recording consent message', () => {
  let stack: Stack;
  let temporal: Client;
  let dir: string;
  const streams: Array<ReturnType<typeof openEventStream>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-consent-'));
    stack = await startCallingStack({
      RECORDING_DIR: path.join(dir, 'recordings'),
      RECORDING_WORK_DIR: path.join(dir, 'work'),
      // Nothing is said in these calls; the post-call steps skip without an AI provider.
      OPENAI_API_KEY: '',
    });
    temporal = await temporalClient(stack.config);
  });
  afterAll(async () => {
    for (const s of streams) await s.close();
    await temporal?.connection.close();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const recordingSettings = (api: Api, consent: string | null, enabled = true) =>
    api('PUT', '/v1/call-recording-settings', { enabled, retention_days: 90, consent_message: consent });

  const callState = (api: Api, id: string, state: string) =>
    eventually(async () => {
      const body = (await api('GET', `/v1/calls/${id}`)).body;
      return body.state === state ? body : undefined;
    }, 20_000, `call ${id} to be ${state}`);

  const consentEvents = async (api: Api, callId: string) =>
    (await api('GET', `/v1/calls/${callId}/details`)).body.timeline.filter((e: { kind: string }) => e.kind === 'consent_message');

  /**
   * The recorder is in the room. These calls hang up as soon as they have checked what they
   * check; ending one while the recorder is still connecting is not what is tested here.
   */
  const recorderListening = (api: Api, callId: string) =>
    eventually(async () => {
      const { timeline } = (await api('GET', `/v1/calls/${callId}/details`)).body;
      return timeline.some((e: { kind: string }) => e.kind === 'recording_started') ? true : undefined;
    }, 30_000, `the recorder of call ${callId}`);

  /** Texts the customer's WhatsApp received from the business. */
  const textsTo = (waId: string) => stack.sim.simulator.messages({ to: waId }).filter((m) => m.type === 'text');

  /**
   * Waits for what the call started to end: its workflow, the recording workflow (which waits
   * for the consent message's send) and the post-call workflow.
   */
  async function callWorkflowsEnded(callId: string) {
    expect((await stack.callWorkflow(callId)).status).toBe('COMPLETED');
    const recording = await temporal.workflow.getHandle(callRecordingWorkflowId(callId)).result();
    await eventually(async () => temporal.workflow.getHandle(postCallWorkflowId(callId)).result(), 30_000, 'the post-call workflow');
    return recording;
  }

  /** A business call to a customer with permission (who wrote first: the window is open), picked up. */
  async function answeredBusinessCall(customer: Awaited<ReturnType<typeof grantedCustomer>>) {
    const { sim } = stack;
    const { call } = (await customer.asAgent('POST', '/v1/calls', customer.pair)).body;
    const atMeta = await eventually(async () => sim.simulator.calls().find((c) => c.waId === customer.waId && c.state !== 'ended'));
    sim.simulator.customerAcceptsCall(atMeta.id);
    await callState(customer.asAgent, call.id, 'accepted');
    return { callId: call.id as string, atMeta };
  }

  async function hangUp(api: Api, callId: string) {
    expect((await api('POST', `/v1/calls/${callId}/hangup`)).status).toBe(202);
    await callState(api, callId, 'completed');
  }

  /** The permission workflow lives for days: these tests end it themselves. */
  const endPermission = (customer: Awaited<ReturnType<typeof grantedCustomer>>) =>
    temporal.workflow
      .getHandle(callPermissionWorkflowId(customer.pair.whatsapp_number_id, customer.pair.contact_id))
      .terminate('recording consent test over');

  /** An account with one online agent, and a customer (who wrote first, or never did). */
  async function teamOfOne({ customerWrote }: { customerWrote: boolean }) {
    const { api, config, sim } = stack;
    const tenant = await createTenant(api, config);
    const created = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana-${Date.now()}-${Math.random()}@example.com` });
    const stream = openEventStream(await fetch(`${api.url}/v1/events?access_token=${created.body.api_key.key}`));
    streams.push(stream);
    const agent = apiClient(api.url, created.body.api_key.key);
    const waId = randomWaId();
    if (customerWrote) {
      sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Vou ligar agora' });
      await eventually(async () => (await tenant.call('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);
    }
    return { tenant, agent, stream, waId };
  }

  /** The customer calls; the agent takes the call and it connects. */
  async function answeredCustomerCall(team: Awaited<ReturnType<typeof teamOfOne>>) {
    const { sim } = stack;
    const offer = team.stream.waitFor((e) => e.event === 'call.offered');
    const atMeta = sim.simulator.customerCalls(team.waId, { phoneNumberId: team.tenant.phoneNumberId });
    const callId = (await offer).find((e) => e.event === 'call.offered')!.data.call_id as string;
    expect((await team.agent('POST', `/v1/calls/${callId}/accept`)).status).toBe(200);
    await callState(team.tenant.call, callId, 'accepted');
    await eventually(async () => (sim.simulator.calls().find((c) => c.id === atMeta.id)?.state === 'accepted' ? true : undefined));
    return { callId, atMeta };
  }

  it('a business call answered: the customer receives the consent message once, and the timeline names the message', async () => {
    const customer = await grantedCustomer(stack);
    expect((await recordingSettings(customer.tenant.call, CONSENT)).status).toBe(200);
    const { callId } = await answeredBusinessCall(customer);

    const [event] = await eventually(async () => {
      const events = await consentEvents(customer.asAgent, callId);
      return events.length ? events : undefined;
    }, 20_000, 'the consent message on the timeline');
    expect(event.detail).toEqual({ outcome: 'sent', message_id: expect.any(String), provider_message_id: expect.any(String) });
    const message = (await customer.tenant.call('GET', `/v1/messages/${event.detail.message_id}`)).body;
    expect(message).toMatchObject({ direction: 'outbound', contact_id: customer.pair.contact_id, type: 'text', body: { text: { body: CONSENT } } });
    expect(message.provider_message_id).toBe(event.detail.provider_message_id);

    await recorderListening(customer.asAgent, callId);
    await hangUp(customer.asAgent, callId);
    expect(await callWorkflowsEnded(callId)).toMatchObject({ status: 'nothing_heard' });
    await endPermission(customer);
    // Everything the call started has ended: the customer got exactly one text, the consent message.
    const texts = textsTo(customer.waId);
    expect(texts.map((m) => m.body)).toEqual([expect.objectContaining({ type: 'text', text: { body: CONSENT } })]);
    expect(texts[0].id).toBe(event.detail.provider_message_id);
    expect(await consentEvents(customer.asAgent, callId)).toHaveLength(1);
  });

  it("a customer's call: the consent message goes once the agent has answered", async () => {
    const team = await teamOfOne({ customerWrote: true });
    expect((await recordingSettings(team.tenant.call, CONSENT)).status).toBe(200);
    const { callId, atMeta } = await answeredCustomerCall(team);

    const text = await eventually(async () => textsTo(team.waId)[0], 20_000, 'the consent message at the customer');
    expect(text.body).toMatchObject({ type: 'text', text: { body: CONSENT } });

    await recorderListening(team.agent, callId);
    stack.sim.simulator.customerEndsCall(atMeta.id);
    await callState(team.tenant.call, callId, 'completed');
    await callWorkflowsEnded(callId);
    expect(textsTo(team.waId)).toHaveLength(1);
    const events = await consentEvents(team.agent, callId);
    expect(events).toEqual([expect.objectContaining({ detail: expect.objectContaining({ outcome: 'sent', provider_message_id: text.id }) })]);
  });

  it('without a consent message, or with recording off, nothing is sent and the timeline says nothing of it', async () => {
    const customer = await grantedCustomer(stack);
    const { asAgent, tenant } = customer;

    expect((await recordingSettings(tenant.call, null)).status).toBe(200);
    const first = await answeredBusinessCall(customer);
    await recorderListening(asAgent, first.callId);
    await hangUp(asAgent, first.callId);
    expect(await callWorkflowsEnded(first.callId)).toMatchObject({ status: 'nothing_heard' });

    // A consent message, but calls are not recorded: there is nothing to consent to.
    expect((await recordingSettings(tenant.call, CONSENT, false)).status).toBe(200);
    const second = await answeredBusinessCall(customer);
    await hangUp(asAgent, second.callId);
    expect(await callWorkflowsEnded(second.callId)).toMatchObject({ status: 'disabled' });
    await endPermission(customer);

    expect(textsTo(customer.waId)).toEqual([]);
    expect(await consentEvents(asAgent, first.callId)).toEqual([]);
    expect(await consentEvents(asAgent, second.callId)).toEqual([]);
  });

  it('with the 24 h window closed the call still connects, nothing is sent, and the timeline says why', async () => {
    // The customer never wrote to the business: only a template could reach them.
    const team = await teamOfOne({ customerWrote: false });
    expect((await recordingSettings(team.tenant.call, CONSENT)).status).toBe(200);
    const { callId, atMeta } = await answeredCustomerCall(team);

    const [event] = await eventually(async () => {
      const events = await consentEvents(team.agent, callId);
      return events.length ? events : undefined;
    }, 20_000, 'the consent message on the timeline');
    expect(event.detail).toEqual({ outcome: 'not_sent', reason: 'window_closed', last_inbound_at: null });
    expect((await team.agent('GET', `/v1/calls/${callId}`)).body.state).toBe('accepted');

    await recorderListening(team.agent, callId);
    stack.sim.simulator.customerEndsCall(atMeta.id);
    await callState(team.tenant.call, callId, 'completed');
    await callWorkflowsEnded(callId);
    expect(textsTo(team.waId)).toEqual([]);
    expect(await consentEvents(team.agent, callId)).toHaveLength(1);
  });
});
