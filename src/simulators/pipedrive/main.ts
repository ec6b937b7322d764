import pino from 'pino';
import { startPipedriveSimulator } from './server';
import { intEnv, runSimulator } from '../run-simulator';

/**
 * Entry of the local Pipedrive API simulator (see server.ts for the endpoints): point
 * PIPEDRIVE_API_URL at it. Env: SIM_PORT (4050), SIM_HOST (127.0.0.1), SIM_PIPEDRIVE_TOKEN (an API
 * token of user 1 to accept; "recado-dev-pipedrive-token" by default), LOG_LEVEL (info).
 */

async function main() {
  const logger = pino({ name: 'pipedrive-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const token = process.env.SIM_PIPEDRIVE_TOKEN || 'recado-dev-pipedrive-token';
  const running = await startPipedriveSimulator({ port: intEnv('SIM_PORT', 4050), host: process.env.SIM_HOST || '127.0.0.1', apiTokens: { [token]: 1 } });
  logger.info(`pipedrive simulator listening on ${running.url} (API at ${running.url}/api/v2/…, control at ${running.url}/_sim/…)`);
  return { logger, close: () => running.close() };
}

runSimulator('pipedrive simulator', main);
