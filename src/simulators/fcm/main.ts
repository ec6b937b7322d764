import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startFcmSimulator } from './server';
import { runSimulator } from '../run-simulator';

/**
 * Entry of the local FCM simulator (see server.ts for the endpoints).
 * Env: SIM_FCM_PORT (4040), SIM_FCM_HOST (127.0.0.1), LOG_LEVEL (info),
 * SIM_FCM_SERVICE_ACCOUNT: a service-account key file whose assertions are trusted; when unset,
 * a development key file is generated (project "recado-dev", token_uri pointing here) and written
 * to SIM_FCM_SERVICE_ACCOUNT_OUT (<tmp>/recado-fcm-simulator-service-account.json): paste it as
 * secrets.service_account_json when connecting an app with POST /v1/channel-accounts.
 */

function port(): number {
  const raw = process.env.SIM_FCM_PORT;
  const n = raw ? Number(raw) : 4040;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`SIM_FCM_PORT must be a port number, got "${raw}"`);
  return n;
}

function developmentServiceAccount(tokenUri: string) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: 'recado-dev',
    private_key_id: 'recado-dev-key',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'firebase-adminsdk@recado-dev.iam.gserviceaccount.com',
    token_uri: tokenUri,
  };
}

async function main() {
  const logger = pino({ name: 'fcm-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const host = process.env.SIM_FCM_HOST || '127.0.0.1';
  const running = await startFcmSimulator({ port: port(), host });
  const file = process.env.SIM_FCM_SERVICE_ACCOUNT;
  if (file) {
    running.simulator.trust(JSON.parse(fs.readFileSync(file, 'utf8')) as Parameters<typeof running.simulator.trust>[0]);
    logger.info({ file }, 'trusting the given service account');
  } else {
    const sa = developmentServiceAccount(`${running.url}/token`);
    const out = process.env.SIM_FCM_SERVICE_ACCOUNT_OUT || path.join(os.tmpdir(), 'recado-fcm-simulator-service-account.json');
    fs.writeFileSync(out, JSON.stringify(sa, null, 2), { mode: 0o600 });
    running.simulator.trust(sa);
    logger.info({ file: out }, 'development service account written');
  }
  logger.info(`fcm simulator listening on ${running.url} (FCM_API_URL=${running.url} FCM_TOKEN_URL=${running.url}/token)`);

  return { logger, close: () => running.close() };
}

runSimulator('fcm simulator', main);
