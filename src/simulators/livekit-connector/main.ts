import pino from 'pino';
import { startLiveKitConnectorSimulator } from './server';
import { runSimulator } from '../run-simulator';

/**
 * Entry of the local LiveKit Connector (WhatsApp calls) simulator (see server.ts).
 * Env: CONNECTOR_SIM_PORT (the port of LIVEKIT_CONNECTOR_URL, else 7890), CONNECTOR_SIM_HOST
 * (127.0.0.1), LIVEKIT_API_KEY (devkey), LIVEKIT_API_SECRET (secret), LIVEKIT_URL (http://127.0.0.1:7880: the rooms the WhatsApp
 * callers join), WHATSAPP_GRAPH_URL
 * (http://127.0.0.1:4010: the WhatsApp simulator; https://graph.facebook.com for real Meta),
 * LOG_LEVEL (info). The Cloud API version comes with each request, as with the real Connector.
 */

function portEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

/** The port recado dials: LIVEKIT_CONNECTOR_URL's, so that one variable configures both ends. */
function connectorUrlPort(): number {
  const raw = process.env.LIVEKIT_CONNECTOR_URL;
  if (!raw) return 7890;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`LIVEKIT_CONNECTOR_URL is not a valid URL: "${raw}"`);
  }
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80;
}

async function main() {
  const logger = pino({ name: 'livekit-connector-simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const graphUrl = process.env.WHATSAPP_GRAPH_URL || 'http://127.0.0.1:4010';
  const running = await startLiveKitConnectorSimulator({
    port: portEnv('CONNECTOR_SIM_PORT', connectorUrlPort()),
    host: process.env.CONNECTOR_SIM_HOST || '127.0.0.1',
    apiKey: process.env.LIVEKIT_API_KEY || 'devkey',
    apiSecret: process.env.LIVEKIT_API_SECRET || 'secret',
    graphUrl,
    livekit: { url: process.env.LIVEKIT_URL || 'http://127.0.0.1:7880', apiKey: process.env.LIVEKIT_API_KEY || 'devkey', apiSecret: process.env.LIVEKIT_API_SECRET || 'secret' },
    logger,
  });
  logger.info(`livekit connector simulator listening on ${running.url} (Twirp /twirp/livekit.Connector/* → Graph API ${graphUrl})`);

  return { logger, close: () => running.close() };
}

runSimulator('livekit connector simulator', main);
