// Resolves the stack's configuration from the environment: the same variable names the app
// reads (src/config/config.ts), with the same local defaults, plus where data and tools live.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Keep in step with scripts/setup.sh (it installs these exact versions).
export const TOOL_VERSIONS = {
  temporal: 'v1.5.1',
  livekit: 'v1.13.5',
  typesense: '0.24.1',
  seaweedfs: 'v0.0.0-20261109003541-7506e5f91cd6', // the Go module's pseudo-version of weed 4.53
};

export const DEFAULTS = {
  DATABASE_URL: 'postgres://recado:recado@127.0.0.1:5433/recado',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_UI_PORT: '8233',
  TEMPORAL_NAMESPACE: 'default',
  TYPESENSE_URL: 'http://127.0.0.1:8108',
  TYPESENSE_API_KEY: 'recado-dev-typesense-key',
  LIVEKIT_URL: 'http://127.0.0.1:7880',
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'secret',
  LIVEKIT_CONNECTOR_URL: 'http://127.0.0.1:7890',
  LIVEKIT_TEST_SERVER_URL: 'http://127.0.0.1:7891',
  WHATSAPP_GRAPH_URL: 'http://127.0.0.1:4010',
  WHATSAPP_APP_SECRET: 'recado-dev-app-secret',
  // The Telegram Bot API and FCM recado talks to: the local simulators (src/simulators/telegram,
  // src/simulators/fcm); point these at api.telegram.org / fcm.googleapis.com for the real ones.
  TELEGRAM_API_URL: 'http://127.0.0.1:4030',
  FCM_API_URL: 'http://127.0.0.1:4040',
  FCM_TOKEN_URL: 'http://127.0.0.1:4040/token',
  // The CRM and payment gateways lead capture talks to: the local simulators (src/simulators/pipedrive,
  // asaas, pagarme); point these at api.pipedrive.com / api.asaas.com / api.pagar.me for the real ones.
  PIPEDRIVE_API_URL: 'http://127.0.0.1:4050',
  ASAAS_API_URL: 'http://127.0.0.1:4060',
  PAGARME_API_URL: 'http://127.0.0.1:4070',
  // The recordings bucket (RECORDING_STORAGE=s3): SeaweedFS's S3 gateway, one identity with these keys.
  RECORDING_S3_ENDPOINT: 'http://127.0.0.1:8333',
  RECORDING_S3_REGION: 'us-east-1',
  RECORDING_S3_BUCKET: 'recado-recordings',
  RECORDING_S3_ACCESS_KEY_ID: 'recado-dev-s3-key',
  RECORDING_S3_SECRET_ACCESS_KEY: 'recado-dev-s3-secret',
  // The mail servers (scripts/stack/mail.mjs): Postfix for SMTP, Dovecot for IMAP. Any address at
  // RECADO_MAIL_DOMAINS is a mailbox with RECADO_MAIL_PASSWORD; unknown*@ addresses bounce.
  RECADO_SMTP_HOST: '127.0.0.1',
  RECADO_SMTP_PORT: '2525',
  RECADO_IMAP_HOST: '127.0.0.1',
  RECADO_IMAP_PORT: '1143',
  RECADO_MAIL_DOMAINS: 'recado.test,customer.test',
  RECADO_MAIL_PASSWORD: 'recado-dev-mail',
  API_PORT: '3000',
  OPENAI_SIM_HOST: '127.0.0.1',
  OPENAI_SIM_PORT: '4020',
};

/** The key the app gets when it talks to the OpenAI simulator (any `sk-…` key is accepted there). */
export const OPENAI_SIMULATOR_KEY = 'sk-recado-simulator';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host) {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseUrl(name, value) {
  try {
    return new URL(value);
  } catch {
    throw new Error(`${name} is not a valid URL: "${value}"`);
  }
}

function portOf(name, url, fallback) {
  const port = Number(url.port || fallback);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} has no usable port: "${url.href}"`);
  return port;
}

function parsePort(name, value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return port;
}

/** The per-user, per-version tool cache shared by every clone on this machine. */
export function toolsDir(env = process.env) {
  if (env.RECADO_TOOLS_DIR) return env.RECADO_TOOLS_DIR;
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'recado', 'tools');
}

/** Finds a binary in the tool cache, falling back to PATH (e.g. a system-wide install). */
function findTool(candidates, nameOnPath) {
  for (const candidate of candidates) if (isExecutable(candidate)) return candidate;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, nameOnPath);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin; prefer the newest. */
function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  let majors = [];
  try {
    majors = fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  } catch {
    /* not a Debian layout */
  }
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (isExecutable(path.join(bin, 'postgres'))) return bin;
  }
  const onPath = findTool([], 'postgres');
  return onPath ? path.dirname(fs.realpathSync(onPath)) : null;
}

export function loadConfig(env = process.env) {
  const get = (name) => (env[name] !== undefined && env[name] !== '' ? env[name] : DEFAULTS[name]);
  const resolved = Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, get(k)]));

  const dataDir = path.resolve(env.RECADO_DATA_DIR || path.join(REPO_ROOT, '.recado'));
  const tools = toolsDir(env);

  const db = parseUrl('DATABASE_URL', resolved.DATABASE_URL);
  const temporalMatch = /^([^:\s]+):(\d+)$/.exec(resolved.TEMPORAL_ADDRESS);
  if (!temporalMatch) throw new Error(`TEMPORAL_ADDRESS must be host:port, got "${resolved.TEMPORAL_ADDRESS}"`);
  const typesense = parseUrl('TYPESENSE_URL', resolved.TYPESENSE_URL);
  const livekit = parseUrl('LIVEKIT_URL', resolved.LIVEKIT_URL);
  const connector = parseUrl('LIVEKIT_CONNECTOR_URL', resolved.LIVEKIT_CONNECTOR_URL);
  const testServer = parseUrl('LIVEKIT_TEST_SERVER_URL', resolved.LIVEKIT_TEST_SERVER_URL);
  const graph = parseUrl('WHATSAPP_GRAPH_URL', resolved.WHATSAPP_GRAPH_URL);
  const telegram = parseUrl('TELEGRAM_API_URL', resolved.TELEGRAM_API_URL);
  const fcm = parseUrl('FCM_API_URL', resolved.FCM_API_URL);
  const pipedrive = parseUrl('PIPEDRIVE_API_URL', resolved.PIPEDRIVE_API_URL);
  const asaas = parseUrl('ASAAS_API_URL', resolved.ASAAS_API_URL);
  const pagarme = parseUrl('PAGARME_API_URL', resolved.PAGARME_API_URL);
  const s3 = parseUrl('RECORDING_S3_ENDPOINT', resolved.RECORDING_S3_ENDPOINT);
  const apiPort = parsePort('API_PORT', resolved.API_PORT);
  const defaultPort = (u) => ({ 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 })[u.protocol];

  // LiveKit is configured with ws(s):// URLs as often as http(s)://; probes speak HTTP.
  const livekitHttp = `${livekit.protocol.replace(/^ws/, 'http')}//${livekit.host}`;

  const config = {
    repoRoot: REPO_ROOT,
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    runDir: path.join(dataDir, 'run'),
    toolsDir: tools,
    env: resolved,
    postgres: {
      host: db.hostname,
      port: portOf('DATABASE_URL', db, 5432),
      user: decodeURIComponent(db.username || 'postgres'),
      password: decodeURIComponent(db.password || ''),
      database: decodeURIComponent(db.pathname.replace(/^\//, '')) || 'postgres',
      dir: path.join(dataDir, 'pg'),
      socketDir: pgSocketDir(dataDir, portOf('DATABASE_URL', db, 5432)),
      bin: findPostgresBin(),
    },
    temporal: {
      host: temporalMatch[1],
      port: Number(temporalMatch[2]),
      uiPort: parsePort('TEMPORAL_UI_PORT', resolved.TEMPORAL_UI_PORT),
      namespace: resolved.TEMPORAL_NAMESPACE,
      dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
      bin: findTool([path.join(tools, `temporal-${TOOL_VERSIONS.temporal}`, 'temporal')], 'temporal'),
      configFile: path.join(REPO_ROOT, 'temporal', 'dev-server.json'),
    },
    typesense: {
      host: typesense.hostname,
      port: portOf('TYPESENSE_URL', typesense, defaultPort(typesense)),
      url: `${typesense.protocol}//${typesense.host}`,
      apiKey: resolved.TYPESENSE_API_KEY,
      dir: path.join(dataDir, 'typesense'),
      bin: findTool([path.join(tools, `typesense-${TOOL_VERSIONS.typesense}`, 'typesense-server')], 'typesense-server'),
    },
    livekit: {
      host: livekit.hostname,
      port: portOf('LIVEKIT_URL', livekit, defaultPort(livekit)),
      url: livekitHttp,
      apiKey: resolved.LIVEKIT_API_KEY,
      apiSecret: resolved.LIVEKIT_API_SECRET,
      bin: findTool([path.join(tools, `livekit-${TOOL_VERSIONS.livekit}`, 'server')], 'livekit-server'),
    },
    // The Connector (WhatsApp calls) API recado dials: our simulator locally (src/simulators/livekit-connector), LiveKit Cloud otherwise.
    connector: {
      host: connector.hostname,
      port: portOf('LIVEKIT_CONNECTOR_URL', connector, defaultPort(connector)),
      url: `${connector.protocol}//${connector.host}`,
    },
    // LiveKit's own stateless mock of its Twirp API (cmd/test-server): tests check the SDK's requests against it.
    testServer: {
      host: testServer.hostname,
      port: portOf('LIVEKIT_TEST_SERVER_URL', testServer, defaultPort(testServer)),
      url: `${testServer.protocol}//${testServer.host}`,
      bin: findTool([path.join(tools, `livekit-${TOOL_VERSIONS.livekit}`, 'test-server')], 'livekit-test-server'),
    },
    // SeaweedFS (`weed mini`): its S3 gateway is the recordings bucket; master, volume, filer and
    // admin take the next ports (and each its gRPC port 10000 above), so one S3 port places them all.
    seaweedfs: {
      host: s3.hostname,
      port: portOf('RECORDING_S3_ENDPOINT', s3, defaultPort(s3)),
      url: `${s3.protocol}//${s3.host}`,
      bucket: resolved.RECORDING_S3_BUCKET,
      accessKeyId: resolved.RECORDING_S3_ACCESS_KEY_ID,
      secretAccessKey: resolved.RECORDING_S3_SECRET_ACCESS_KEY,
      dir: path.join(dataDir, 'seaweedfs'),
      bin: findTool([path.join(tools, `seaweedfs-${TOOL_VERSIONS.seaweedfs}`, 'weed')], 'weed'),
    },
    mail: mailConfig(resolved, dataDir),
    simulator: {
      host: graph.hostname,
      port: portOf('WHATSAPP_GRAPH_URL', graph, defaultPort(graph)),
      url: `${graph.protocol}//${graph.host}`,
      webhookUrl: env.SIM_WEBHOOK_URL || `http://127.0.0.1:${apiPort}/v1/webhooks/whatsapp`,
    },
    telegramSimulator: { host: telegram.hostname, port: portOf('TELEGRAM_API_URL', telegram, defaultPort(telegram)), url: `${telegram.protocol}//${telegram.host}` },
    fcmSimulator: {
      host: fcm.hostname,
      port: portOf('FCM_API_URL', fcm, defaultPort(fcm)),
      url: `${fcm.protocol}//${fcm.host}`,
      // The key file of the service account the simulator trusts: paste it when connecting an app locally.
      serviceAccountFile: path.join(dataDir, 'fcm-service-account.json'),
    },
    pipedriveSimulator: { host: pipedrive.hostname, port: portOf('PIPEDRIVE_API_URL', pipedrive, defaultPort(pipedrive)), url: `${pipedrive.protocol}//${pipedrive.host}` },
    asaasSimulator: { host: asaas.hostname, port: portOf('ASAAS_API_URL', asaas, defaultPort(asaas)), url: `${asaas.protocol}//${asaas.host}` },
    pagarmeSimulator: { host: pagarme.hostname, port: portOf('PAGARME_API_URL', pagarme, defaultPort(pagarme)), url: `${pagarme.protocol}//${pagarme.host}` },
    api: { port: apiPort, url: `http://127.0.0.1:${apiPort}` },
    // Without OPENAI_API_KEY the app's AI calls go to the local simulator (src/simulators/openai).
    openai: openaiConfig(env, resolved),
  };
  if (isLoopback(config.connector.host) && isLoopback(config.testServer.host) && config.connector.port === config.testServer.port) {
    throw new Error(`LIVEKIT_CONNECTOR_URL and LIVEKIT_TEST_SERVER_URL both use port ${config.connector.port}: the Connector simulator and LiveKit's test-server need one each`);
  }
  return config;
}

/**
 * Unix socket paths are limited to ~107 bytes; a deep checkout would overflow, so fall back to
 * a short per-data-dir folder under the system temp dir.
 */
function pgSocketDir(dataDir, port) {
  const preferred = path.join(dataDir, 'run');
  if (`${preferred}/.s.PGSQL.${port}.lock`.length <= 100) return preferred;
  let hash = 0;
  for (const ch of dataDir) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return path.join(os.tmpdir(), `recado-pg-${hash.toString(16)}`);
}

/** Postfix and Dovecot (scripts/stack/mail.mjs) share one host; LMTP and SASL sit just below the SMTP port. */
function mailConfig(resolved, dataDir) {
  if (resolved.RECADO_SMTP_HOST !== resolved.RECADO_IMAP_HOST) {
    throw new Error(`RECADO_SMTP_HOST and RECADO_IMAP_HOST must be the same host (the stack runs Postfix and Dovecot side by side), got "${resolved.RECADO_SMTP_HOST}" and "${resolved.RECADO_IMAP_HOST}"`);
  }
  const smtpPort = parsePort('RECADO_SMTP_PORT', resolved.RECADO_SMTP_PORT);
  const domains = resolved.RECADO_MAIL_DOMAINS.split(/[\s,]+/).filter(Boolean).map((d) => d.toLowerCase());
  if (domains.length === 0) throw new Error('RECADO_MAIL_DOMAINS must name at least one domain');
  return {
    host: resolved.RECADO_SMTP_HOST,
    smtpPort,
    imapPort: parsePort('RECADO_IMAP_PORT', resolved.RECADO_IMAP_PORT),
    lmtpPort: smtpPort - 1,
    saslPort: smtpPort - 2,
    domains,
    password: resolved.RECADO_MAIL_PASSWORD,
    dir: path.join(dataDir, 'mail'),
    dovecotBin: findTool(['/usr/sbin/dovecot'], 'dovecot'),
    postfixBin: findTool(['/usr/sbin/postfix'], 'postfix'),
    // Debian's place for Postfix's daemons (postconf daemon_directory); not something to look up on PATH.
    postfixMaster: isExecutable('/usr/lib/postfix/sbin/master') ? '/usr/lib/postfix/sbin/master' : null,
  };
}

function openaiConfig(env, resolved) {
  const host = resolved.OPENAI_SIM_HOST;
  const port = parsePort('OPENAI_SIM_PORT', resolved.OPENAI_SIM_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { simulated: !env.OPENAI_API_KEY, host, port, url, baseUrl: `${url}/v1` };
}

/**
 * What the API and worker get for the AI provider: the simulator's key and URL when no real key
 * is set, nothing otherwise (then OPENAI_API_KEY / OPENAI_BASE_URL pass through from the env).
 */
export function openaiAppEnv(config) {
  if (!config.openai.simulated) return {};
  return { OPENAI_API_KEY: OPENAI_SIMULATOR_KEY, OPENAI_BASE_URL: config.openai.baseUrl };
}

/** The environment every child (and the `run` command) gets: ours plus resolved defaults. */
export function childEnv(config, extra = {}) {
  return {
    ...process.env,
    ...config.env,
    RECADO_DATA_DIR: config.dataDir,
    ...extra,
  };
}
