import pino from 'pino';
import { startOpenAISimulator } from './server';
import { runSimulator } from '../run-simulator';

/**
 * Entry of the local OpenAI-compatible simulator (see server.ts for the endpoints).
 * Env: OPENAI_SIM_PORT (4020), OPENAI_SIM_HOST (127.0.0.1), OPENAI_SIM_RECOGNISERS (1: warm
 * pocketsphinx workers), LOG_LEVEL (info). Speech recognition needs setup's pocketsphinx
 * ($RECADO_TOOLS_DIR/pocketsphinx-5.1.1/venv) and sox.
 */

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

async function main() {
  const logger = pino({ name: 'openai-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const running = await startOpenAISimulator({
    port: intEnv('OPENAI_SIM_PORT', 4020, 0),
    host: process.env.OPENAI_SIM_HOST || '127.0.0.1',
    recogniserWorkers: intEnv('OPENAI_SIM_RECOGNISERS', 1, 1),
  });
  logger.info(`openai simulator listening on ${running.baseURL}`);

  return { logger, close: () => running.close() };
}

runSimulator('openai simulator', main);
