// The app's own processes for `--app`: the WhatsApp Graph simulator, migrations, API, worker, the
// LiveKit Connector simulator (WhatsApp calls through "LiveKit", which does Meta's side against the Graph simulator)
// and, when no OPENAI_API_KEY is set, the OpenAI simulator (transcription and summaries); the Telegram
// Bot API, FCM, Pipedrive, Asaas and Pagar.me simulators when the app is pointed at this machine for them.
import fs from 'node:fs';
import path from 'node:path';
import { childEnv, isLoopback, openaiAppEnv } from './config.mjs';
import { StackError, httpGet, spawnService, stopChild, tail } from './proc.mjs';

function appEntry(config, rel) {
  const file = path.join(config.repoRoot, rel);
  if (!fs.existsSync(file)) throw new StackError(`${rel} not found — run \`npm run build\` first`);
  return file;
}

function nodeService(config, { name, entry, env = {}, ...rest }) {
  return {
    name,
    managed: true,
    async start() {
      return spawnService({
        name,
        command: process.execPath,
        args: ['--enable-source-maps', appEntry(config, entry)],
        env: childEnv(config, env),
        cwd: config.repoRoot,
        logDir: config.logDir,
        runDir: config.runDir,
      });
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 15000 }),
    ...rest,
  };
}

function whatsappSimulator(config) {
  const sim = config.simulator;
  return nodeService(config, {
    name: 'whatsapp-simulator',
    entry: 'dist/src/simulators/whatsapp/main.js',
    host: sim.host,
    port: sim.port,
    display: `${sim.url}  (Graph API simulator → webhooks to ${sim.webhookUrl})`,
    // Only simulate Meta when the app is pointed at this machine; otherwise it talks to the real Graph API.
    managed: isLoopback(sim.host),
    timeoutMs: 30000,
    env: { SIM_PORT: String(sim.port), SIM_WEBHOOK_URL: sim.webhookUrl },
    probe: async () => (await httpGet(`${sim.url}/_sim/health`)).status === 200,
  });
}

function connectorSimulator(config) {
  const c = config.connector;
  return nodeService(config, {
    name: 'livekit-connector-simulator',
    entry: 'dist/src/simulators/livekit-connector/main.js',
    host: c.host,
    port: c.port,
    display: `${c.url}  (LiveKit Connector simulator: /twirp/livekit.Connector/* → Graph API ${config.simulator.url})`,
    // Only stand in for LiveKit Cloud when the app dials this machine.
    managed: isLoopback(c.host),
    timeoutMs: 30000,
    env: { CONNECTOR_SIM_PORT: String(c.port), CONNECTOR_SIM_HOST: c.host.replace(/^\[(.*)\]$/, '$1') },
    probe: async () => (await httpGet(`${c.url}/_sim/health`)).status === 200,
  });
}

function openaiSimulator(config) {
  const o = config.openai;
  return nodeService(config, {
    name: 'openai-simulator',
    entry: 'dist/src/simulators/openai/main.js',
    host: o.host,
    port: o.port,
    display: o.simulated ? `${o.baseUrl}  (OpenAI simulator: transcription with pocketsphinx, rule-based summaries)` : 'OpenAI (OPENAI_API_KEY is set)',
    // With a real key the app talks to OpenAI (or OPENAI_BASE_URL) and nothing is simulated.
    managed: o.simulated,
    timeoutMs: 30000,
    env: { OPENAI_SIM_PORT: String(o.port), OPENAI_SIM_HOST: o.host },
    probe: async () => o.simulated && (await httpGet(`${o.url}/_sim/health`)).status === 200,
  });
}

/**
 * A simulator of an outside service (src/simulators/<dir>) listening at `at` ({host, port, url});
 * started only while the app is pointed at this machine for that service, probed on /_sim/health.
 */
function loopbackSimulator(config, { name, dir, at, about, env }) {
  return nodeService(config, {
    name,
    entry: `dist/src/simulators/${dir}/main.js`,
    host: at.host,
    port: at.port,
    display: `${at.url}  (${about})`,
    managed: isLoopback(at.host),
    timeoutMs: 30000,
    env,
    probe: async () => (await httpGet(`${at.url}/_sim/health`)).status === 200,
  });
}

/** The Telegram Bot API; not started when TELEGRAM_API_URL is elsewhere. */
function telegramSimulator(config) {
  const t = config.telegramSimulator;
  return loopbackSimulator(config, {
    name: 'telegram-simulator',
    dir: 'telegram',
    at: t,
    about: 'Telegram Bot API simulator: /bot<token>/<method>, /_sim control API',
    env: { SIM_PORT: String(t.port), SIM_HOST: t.host },
  });
}

/** FCM HTTP v1 and Google's token endpoint; not started when FCM_API_URL is elsewhere. */
function fcmSimulator(config) {
  const f = config.fcmSimulator;
  return loopbackSimulator(config, {
    name: 'fcm-simulator',
    dir: 'fcm',
    at: f,
    about: `FCM simulator; its development service account: ${f.serviceAccountFile}`,
    env: { SIM_FCM_PORT: String(f.port), SIM_FCM_HOST: f.host, SIM_FCM_SERVICE_ACCOUNT_OUT: f.serviceAccountFile },
  });
}

/** The Pipedrive API; not started when PIPEDRIVE_API_URL is elsewhere. SIM_PIPEDRIVE_TOKEN passes through (the token it accepts). */
function pipedriveSimulator(config) {
  const p = config.pipedriveSimulator;
  return loopbackSimulator(config, {
    name: 'pipedrive-simulator',
    dir: 'pipedrive',
    at: p,
    about: `Pipedrive API simulator: /api/v2/…, /_sim control API; token ${process.env.SIM_PIPEDRIVE_TOKEN || 'recado-dev-pipedrive-token'}`,
    env: { SIM_PORT: String(p.port), SIM_HOST: p.host },
  });
}

/** Asaas v3; not started when ASAAS_API_URL is elsewhere. */
function asaasSimulator(config) {
  const a = config.asaasSimulator;
  return loopbackSimulator(config, {
    name: 'asaas-simulator',
    dir: 'asaas',
    at: a,
    about: `Asaas simulator: /v3/customers, /v3/payments, /v3/webhooks; invoice pages /i/…; key ${process.env.SIM_ASAAS_API_KEY || '$aact_simulator'}`,
    env: { SIM_ASAAS_PORT: String(a.port), SIM_ASAAS_HOST: a.host },
  });
}

/** Pagar.me v5; not started when PAGARME_API_URL is elsewhere. */
function pagarmeSimulator(config) {
  const g = config.pagarmeSimulator;
  return loopbackSimulator(config, {
    name: 'pagarme-simulator',
    dir: 'pagarme',
    at: g,
    about: `Pagar.me simulator: /core/v5/orders, checkout pages /pay/…, webhooks via /_sim/webhooks; key ${process.env.SIM_PAGARME_SECRET_KEY || 'sk_test_simulator'}`,
    env: { SIM_PAGARME_PORT: String(g.port), SIM_PAGARME_HOST: g.host },
  });
}

function migrations(config) {
  return nodeService(config, {
    name: 'migrations',
    entry: 'dist/src/db/migrate.js',
    oneShot: true,
    display: 'node dist/src/db/migrate.js',
    timeoutMs: 180000,
  });
}

function api(config) {
  return nodeService(config, {
    name: 'api',
    entry: 'dist/src/main.js',
    env: openaiAppEnv(config),
    host: '127.0.0.1',
    port: config.api.port,
    display: `${config.api.url}  (OpenAPI ${config.api.url}/docs)`,
    timeoutMs: 60000,
    probe: async () => (await httpGet(`${config.api.url}/health`)).status === 200,
  });
}

function worker(config) {
  return nodeService(config, {
    name: 'worker',
    entry: 'dist/src/worker.js',
    env: openaiAppEnv(config),
    display: 'node dist/src/worker.js',
    timeoutMs: 120000,
    // No port: ready when it says so. Reuse is decided from its pid file instead.
    readyWhen: (child) => /worker running/i.test(tail(child.logFile, 200)),
  });
}

/**
 * In start order. The first four keep the positions scripts/stack.mjs destructures
 * (`[simulator, migrate, api, worker]`); the Connector simulator belongs in its own group right
 * after the WhatsApp simulator's, and the OpenAI simulator starts with the WhatsApp simulator.
 */
export function appServices(config) {
  return [
    whatsappSimulator(config), migrations(config), api(config), worker(config), connectorSimulator(config), openaiSimulator(config),
    telegramSimulator(config), fcmSimulator(config), pipedriveSimulator(config), asaasSimulator(config), pagarmeSimulator(config),
  ];
}

