import pino from 'pino';
import { startWhatsAppSimulator } from './server';
import { intEnv, runSimulator } from '../run-simulator';

/**
 * Entry of the local WhatsApp Cloud API simulator (see server.ts for the endpoints).
 * Env: SIM_PORT (4010), SIM_HOST (127.0.0.1), SIM_WEBHOOK_URL
 * (http://127.0.0.1:3000/v1/webhooks/whatsapp; empty disables delivery), WHATSAPP_APP_SECRET
 * (recado-dev-app-secret), SIM_STATUS_DELAY_MS (200), META_SPEC_PATH, LOG_LEVEL (info).
 */

async function main() {
  const logger = pino({ name: 'whatsapp-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const webhookUrl = process.env.SIM_WEBHOOK_URL ?? 'http://127.0.0.1:3000/v1/webhooks/whatsapp';
  const running = await startWhatsAppSimulator({
    port: intEnv('SIM_PORT', 4010),
    host: process.env.SIM_HOST || '127.0.0.1',
    webhookUrl: webhookUrl === '' ? null : webhookUrl,
    appSecret: process.env.WHATSAPP_APP_SECRET || 'recado-dev-app-secret',
    statusDelayMs: intEnv('SIM_STATUS_DELAY_MS', 200),
    // A long-running simulator logs a bad webhook instead of crashing the request that caused it.
    invalidWebhooks: 'log',
    logger,
  });
  logger.info(`whatsapp simulator listening on ${running.url} (webhooks → ${running.simulator.webhookUrl ?? 'disabled'})`);

  return { logger, close: () => running.close() };
}

runSimulator('whatsapp simulator', main);
