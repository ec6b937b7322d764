import { Client, Connection } from '@temporalio/client';
import { startLiveKitConnectorSimulator } from '../../src/simulators/livekit-connector/server';
import { callWorkflowId } from '../../workflows/business-call.workflow';
import { startWhatsAppSimulator } from '../../src/simulators/whatsapp/server';
import type { WhatsAppSimulatorOptions } from '../../src/simulators/whatsapp/simulator';
import { apiClient, createTenant, eventually, randomWaId, startApi, startWorker, testConfig } from './stack';

/**
 * What a calling test runs against: the WhatsApp simulator (Meta), the LiveKit Connector
 * simulator pointed at it, and the API and a worker in-process on the real stack.
 */
export async function startCallingStack(
  env: Record<string, string> = {},
  simulator: WhatsAppSimulatorOptions = {},
  { inProcessWorker = true, media = false } = {},
) {
  const sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 20, pairRateLimit: false, ...simulator });
  const base = testConfig();
  const connector = await startLiveKitConnectorSimulator({
    apiKey: base.livekit.apiKey,
    apiSecret: base.livekit.apiSecret,
    graphUrl: sim.url,
    // media: the WhatsApp caller joins each connected call's room and speaks the customer's clip.
    ...(media ? { livekit: base.livekit } : {}),
  });
  const config = testConfig({ WHATSAPP_GRAPH_URL: sim.url, LIVEKIT_CONNECTOR_URL: connector.url, ...env });
  const api = await startApi(config);
  sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
  const worker = inProcessWorker ? await startWorker(config) : undefined;
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  return {
    sim,
    connector,
    config,
    api,
    /** How the call's workflow ended: its status, and its result (or failure message). */
    async callWorkflow(callId: string): Promise<{ status: string; result: unknown }> {
      const handle = temporal.workflow.getHandle(callWorkflowId(callId));
      const result = await handle.result().catch((err: Error) => `failed: ${err.message}`);
      return { status: (await handle.describe()).status.name, result };
    },
    async stop() {
      await connection.close();
      await worker?.stop();
      await api.close();
      await connector.close();
      await sim.close();
    },
  };
}

/** A tenant, an agent, and a customer who wrote and granted call permission. */
export async function grantedCustomer(stack: Awaited<ReturnType<typeof startCallingStack>>, { agentName = 'Ana', customerName }: { agentName?: string; customerName?: string } = {}) {
  const { sim, api, config } = stack;
  const tenant = await createTenant(api, config);
  const agent = await tenant.call('POST', '/v1/agents', { name: agentName, email: `${agentName.toLowerCase()}-${Date.now()}-${Math.random()}@example.com` });
  const asAgent = apiClient(api.url, agent.body.api_key.key);
  const waId = randomWaId();
  sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Pode me ligar?', ...(customerName ? { name: customerName } : {}) });
  const contact = await eventually(async () => (await asAgent('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);
  const pair = { whatsapp_number_id: tenant.numberId, contact_id: contact.id };
  if ((await asAgent('POST', '/v1/call-permissions/requests', pair)).status !== 202) throw new Error('the call permission request was refused');
  await eventually(async () => sim.simulator.messages({ to: waId })[0]);
  sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: tenant.phoneNumberId });
  await eventually(async () =>
    (await asAgent('GET', `/v1/call-permissions?whatsapp_number_id=${tenant.numberId}&contact_id=${contact.id}`)).body.status === 'granted'
      ? true
      : undefined,
  );
  return { tenant, asAgent, agentKey: agent.body.api_key.key as string, agentId: agent.body.agent.id as string, waId, pair };
}
