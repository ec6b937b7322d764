import { Pool } from 'pg';
import { startWhatsAppSimulator } from '../../src/simulators/whatsapp/server';
import type { WhatsAppSimulatorOptions } from '../../src/simulators/whatsapp/simulator';
import { startApi, startWorker, testConfig } from './stack';

/**
 * What a messaging test runs against: the WhatsApp simulator (Meta) and an in-process API wired
 * to each other, a worker in-process (unless `worker: false`), and a pool on the test database.
 */
export async function startWhatsAppStack({ env = {}, simulator = {}, worker = true }: { env?: Record<string, string>; simulator?: WhatsAppSimulatorOptions; worker?: boolean } = {}) {
  // The simulator needs the API's webhook URL and the API needs the simulator's URL: bind the simulator first.
  const sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false, ...simulator });
  const config = testConfig({ WHATSAPP_GRAPH_URL: sim.url, ...env });
  const api = await startApi(config);
  sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
  const running = worker ? await startWorker(config) : undefined;
  const db = new Pool({ connectionString: config.databaseUrl, max: 2 });
  return {
    sim,
    config,
    api,
    worker: running,
    db,
    /** Lets the simulator's pending deliveries land, then stops everything. */
    async stop() {
      await sim.simulator.settle();
      await db.end();
      await running?.stop();
      await api.close();
      await sim.close();
    },
  };
}

export type WhatsAppStack = Awaited<ReturnType<typeof startWhatsAppStack>>;
