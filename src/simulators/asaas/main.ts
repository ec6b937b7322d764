import pino from 'pino';
import { intEnv, runSimulator } from '../run-simulator';
import { startAsaasSimulator } from './server';

/**
 * Entry of the local Asaas simulator (see server.ts for the endpoints).
 * Env: SIM_ASAAS_PORT (4060), SIM_ASAAS_HOST (127.0.0.1), SIM_ASAAS_API_KEY
 * ($aact_simulator: the access_token it accepts), LOG_LEVEL (info).
 */
async function main() {
  const logger = pino({ name: 'asaas-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const running = await startAsaasSimulator({
    port: intEnv('SIM_ASAAS_PORT', 4060),
    host: process.env.SIM_ASAAS_HOST || '127.0.0.1',
    apiKey: process.env.SIM_ASAAS_API_KEY || undefined,
  });
  logger.info(`asaas simulator listening on ${running.url} (ASAAS_API_URL=${running.url})`);
  return { logger, close: () => running.close() };
}

runSimulator('asaas simulator', main);
