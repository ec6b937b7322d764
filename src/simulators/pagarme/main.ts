import pino from 'pino';
import { intEnv, runSimulator } from '../run-simulator';
import { startPagarmeSimulator } from './server';

/**
 * Entry of the local Pagar.me simulator (see server.ts for the endpoints).
 * Env: SIM_PAGARME_PORT (4070), SIM_PAGARME_HOST (127.0.0.1), SIM_PAGARME_SECRET_KEY
 * (sk_test_simulator: the key it accepts), LOG_LEVEL (info).
 */
async function main() {
  const logger = pino({ name: 'pagarme-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const running = await startPagarmeSimulator({
    port: intEnv('SIM_PAGARME_PORT', 4070),
    host: process.env.SIM_PAGARME_HOST || '127.0.0.1',
    secretKey: process.env.SIM_PAGARME_SECRET_KEY || undefined,
  });
  logger.info(`pagarme simulator listening on ${running.url} (PAGARME_API_URL=${running.url}, secret key ${running.simulator.secretKey})`);
  return { logger, close: () => running.close() };
}

runSimulator('pagarme simulator', main);
