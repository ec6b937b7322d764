import type { Client } from '@temporalio/client';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import {
  createTenant, eventually, randomWaId, spawnWorker, startApi, startWorker, temporalClient, testConfig, type RunningApi,
} from './support/stack';

/**
 * The vertical slice: REST → Temporal workflow → sendWhatsApp activity → WhatsApp simulator
 * (spec-validated) → signed status webhooks → stored statuses → REST.
 */
describe('sending a WhatsApp message end to end', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let temporal: Client;

  beforeAll(async () => {
    // The simulator needs the API's webhook URL and the API needs the simulator's URL: bind the simulator first.
    sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false });
    config = testConfig({ WHATSAPP_GRAPH_URL: sim.url, MESSAGE_SEND_TIMEOUT: '2s', MESSAGE_UNKNOWN_OUTCOME_WAIT: '30s' });
    api = await startApi(config);
    sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    temporal = await temporalClient(config);
  });
  afterAll(async () => {
    await temporal.connection.close();
    await api.close();
    await sim.close();
  });

  async function openWindow(phoneNumberId: string, waId: string) {
    sim.simulator.customerSendsMessage(waId, { phoneNumberId, text: 'Olá, meu pedido saiu?' });
  }

  async function messageState(call: Awaited<ReturnType<typeof createTenant>>['call'], id: string, until: (m: any) => boolean) {
    return eventually(async () => {
      const m = (await call('GET', `/v1/messages/${id}`)).body;
      return until(m) ? m : undefined;
    }, 30_000, `message ${id} to reach the expected state`);
  }

  it('goes from queued to read, with the timestamps of each status', async () => {
    const worker = await startWorker(config);
    try {
      const tenant = await createTenant(api, config);
      const to = randomWaId();
      await openWindow(tenant.phoneNumberId, to);
      const sent = await tenant.call('POST', '/v1/messages', {
        whatsapp_number_id: tenant.numberId,
        to,
        type: 'text',
        text: { body: 'Saiu! Chega amanhã.' },
      });
      expect(sent.status).toBe(202);
      expect(sent.body.state).toBe('queued');

      const delivered = await messageState(tenant.call, sent.body.id, (m) => m.state === 'delivered');
      const [atMeta] = sim.simulator.messages({ to });
      expect(delivered.provider_message_id).toBe(atMeta.id);
      expect(atMeta.body).toMatchObject({ type: 'text', text: { body: 'Saiu! Chega amanhã.' } });
      sim.simulator.customerReads(to, tenant.phoneNumberId);
      const read = await messageState(tenant.call, sent.body.id, (m) => m.state === 'read');
      for (const at of ['accepted_at', 'sent_at', 'delivered_at', 'read_at']) expect(Date.parse(read[at])).not.toBeNaN();
      expect(Date.parse(read.sent_at)).toBeLessThanOrEqual(Date.parse(read.delivered_at));
      expect(read.send_attempts).toBe(1);
      expect(sim.simulator.messages({ to })).toHaveLength(1);
      expect(sim.simulator.simulatorErrors()).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it('sends once per Idempotency-Key', async () => {
    const worker = await startWorker(config);
    try {
      const tenant = await createTenant(api, config);
      const to = randomWaId();
      await openWindow(tenant.phoneNumberId, to);
      const request = { whatsapp_number_id: tenant.numberId, to, type: 'text', text: { body: 'Pedido 123 enviado' } };
      const first = await tenant.call('POST', '/v1/messages', request, { 'idempotency-key': 'order-123-shipped' });
      const second = await tenant.call('POST', '/v1/messages', request, { 'idempotency-key': 'order-123-shipped' });
      expect(second.body.id).toBe(first.body.id);
      await messageState(tenant.call, first.body.id, (m) => m.state === 'delivered');
      expect(sim.simulator.messages({ to })).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });

  it("marks a free-form message outside the customer's 24 h window as failed, with Meta's reason", async () => {
    const worker = await startWorker(config);
    try {
      const tenant = await createTenant(api, config);
      const to = randomWaId(); // never wrote to us: no open window
      const sent = await tenant.call('POST', '/v1/messages', { whatsapp_number_id: tenant.numberId, to, type: 'text', text: { body: 'oi' } });
      const failed = await messageState(tenant.call, sent.body.id, (m) => m.state === 'failed');
      expect(failed.error).toMatchObject({ code: 131047, type: 'WindowClosedError' });
      expect(failed.send_attempts).toBe(1);
      expect(sim.simulator.messages({ to })).toHaveLength(0);
    } finally {
      await worker.stop();
    }
  });

  it('a message accepted while no worker runs is sent when one starts', async () => {
    const tenant = await createTenant(api, config);
    const to = randomWaId();
    await openWindow(tenant.phoneNumberId, to);
    const sent = await tenant.call('POST', '/v1/messages', { whatsapp_number_id: tenant.numberId, to, type: 'text', text: { body: 'fila' } });
    await new Promise((r) => setTimeout(r, 500));
    expect((await tenant.call('GET', `/v1/messages/${sent.body.id}`)).body.state).toBe('queued');
    const worker = await startWorker(config);
    try {
      await messageState(tenant.call, sent.body.id, (m) => m.state === 'delivered');
    } finally {
      await worker.stop();
    }
  });

  it.each([
    ['the status webhook arrives before the retry', 50],
    ['the retry comes before the status webhook', 5000],
  ])('a worker killed during the provider call does not send twice (%s)', async (_, statusDelayMs) => {
    const tenant = await createTenant(api, config);
    const to = randomWaId();
    await openWindow(tenant.phoneNumberId, to);
    sim.simulator.setStatusDelay(statusDelayMs);
    // Meta accepts the message but the answer never reaches the worker that asked.
    sim.simulator.addFault({ answerLateMs: 60_000, scope: 'messages' });

    const first = await spawnWorker(config);
    const sent = await tenant.call('POST', '/v1/messages', { whatsapp_number_id: tenant.numberId, to, type: 'text', text: { body: 'uma vez só' } });
    await eventually(async () => (sim.simulator.messages({ to }).length === 1 ? true : undefined), 20_000, 'Meta to accept the send');
    // The worker is still waiting for Meta's answer: one attempt, whatever the webhooks did meanwhile.
    expect((await tenant.call('GET', `/v1/messages/${sent.body.id}`)).body.send_attempts).toBe(1);
    first.kill('SIGKILL');

    const second = await startWorker(config);
    try {
      const result = await temporal.workflow.getHandle(sendMessageWorkflowId(sent.body.id)).result();
      const [atMeta] = sim.simulator.messages({ to });
      expect(result).toEqual({ state: 'accepted', providerMessageId: atMeta.id });
      const delivered = await messageState(tenant.call, sent.body.id, (m) => m.state === 'delivered');
      expect(delivered.provider_message_id).toBe(atMeta.id);
      expect(delivered.send_attempts).toBe(1);
      expect(sim.simulator.messages({ to })).toHaveLength(1);
    } finally {
      sim.simulator.setStatusDelay(50);
      await second.stop();
    }
  });
});
