import path from 'node:path';
import type { Duration } from '@temporalio/common';
import { DAY_MS, WEEK_MS, type PermissionLimits, type PermissionRequestLimits } from '../calls/policy';
import { KEY_ID_PATTERN, parseSecretKey, type SecretKey, type SecretKeys } from '../secrets/secrets';
import {
  DEFAULT_CALLING_MIN_MESSAGING_TIER,
  MESSAGING_TIER_LIMITS,
  parseMessagingTier,
  type MessagingLimitTier,
} from '../calls/settings/readiness';
import { findRepoRoot } from '../common/repo-root';
import { ConfigError } from './config-error';
import { loadCallAudioConfig, type CallAudioConfig } from './call-audio.config';
import { DEFAULT_PRICE_TABLE, parsePriceTable, type PriceTable } from '../channels/pricing/price-table';
import { loadTelegramConfig, type TelegramConfig } from '../channels/telegram/telegram.config';
import { loadAppPushConfig, type AppPushConfig } from '../channels/app/app-push.config';
import { loadEmailConfig, type EmailConfig } from '../channels/email/email.config';
import { loadInboundConfig, type InboundConfig } from '../webhooks/inbound.config';
import { loadOutboxConfig, type OutboxConfig } from '../funnels/outbox/outbox.config';
import { loadFunnelsConfig, type FunnelsConfig } from '../funnels/funnels.config';
import { loadFunnelStatsConfig, type FunnelStatsConfig } from '../funnels/stats/funnel-stats.config';
import { loadCheckoutConfig, type CheckoutConfig } from '../checkout/checkout.config';
import { loadCrmConfig, type CrmConfig } from '../crm/crm.config';
import { loadPaymentsConfig, type PaymentsConfig } from '../payments/payments.config';

function prices(json: string | undefined): PriceTable {
  if (!json) return DEFAULT_PRICE_TABLE;
  try {
    return parsePriceTable(json);
  } catch (err) {
    throw new ConfigError('CHANNEL_PRICES', (err as Error).message.replace(/^CHANNEL_PRICES:? ?/, ''));
  }
}

export { ConfigError } from './config-error';

/**
 * Environment parsed and validated once at start-up. Every variable has a documented
 * default for the local stack (see README "Environment variables"); in production
 * (RECADO_ENV=production) the secrets must be set explicitly.
 */

type Env = Record<string, string | undefined>;

const DEV_SECRETS = {
  RECADO_ADMIN_TOKEN: 'recado-dev-admin-token',
  WHATSAPP_APP_SECRET: 'recado-dev-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'recado-dev-verify-token',
  TYPESENSE_API_KEY: 'recado-dev-typesense-key',
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'secret',
  // sha256("recado-dev-secret-key"): public, for the local stack only.
  RECADO_SECRET_KEY: 'DPShy0tP1EIFJbsNwSTRjz1eAjN6p9jJVLpSZZDSuhg=',
  RECADO_SECRET_KEY_ID: 'dev',
} as const;

export const DEFAULTS = {
  API_HOST: '127.0.0.1',
  API_PORT: '3000',
  // Where platforms reach this API from outside (the stores' webhook URLs are built on it).
  PUBLIC_API_URL: 'http://127.0.0.1:3000',
  DATABASE_URL: 'postgres://recado:recado@127.0.0.1:5433/recado',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TASK_QUEUE: 'recado',
  TYPESENSE_URL: 'http://127.0.0.1:8108',
  LIVEKIT_URL: 'http://127.0.0.1:7880',
  LIVEKIT_CONNECTOR_URL: 'http://127.0.0.1:7890',
  WHATSAPP_GRAPH_URL: 'http://127.0.0.1:4010',
  WHATSAPP_GRAPH_VERSION: 'v23.0',
  LOG_LEVEL: 'info',
  WORKER_METRICS_ADDRESS: '',
  MESSAGE_SEND_TIMEOUT: '30s',
  MESSAGE_UNKNOWN_OUTCOME_WAIT: '10m',
  MESSAGE_GIVE_UP_AFTER: '48h',
  // A routed message with no delivery receipt after this long goes to the next channel.
  DISPATCH_RECEIPT_TIMEOUT: '10m',
  CALL_PERMISSION_TEMPORARY_GRANT: '7d',
  CALL_PERMISSION_REQUEST_TTL: '7d',
  CALL_PERMISSION_MAX_FAILED_CALLS: '4',
  CALL_PERMISSION_REQUESTS_PER_DAY: '1',
  CALL_PERMISSION_REQUESTS_PER_WEEK: '2',
  CALL_RING_TIMEOUT: '30s',
  CALL_RING_GRACE: '5s',
  CALL_ACCEPT_TIMEOUT: '15s',
  CALL_ANSWER_WINDOW: '30s',
  CALL_WAVE_DELAY: '15s',
  CALL_MISSED_TEXT: 'Recebemos sua ligação, mas ninguém pôde atender agora. Vamos retornar em breve.',
  CALL_OUTSIDE_HOURS_TEXT: 'Recebemos sua ligação fora do nosso horário de atendimento. Vamos retornar assim que abrirmos.',
  CALL_QUOTA_PER_24H: '5',
  CALL_JOIN_TOKEN_TTL: '10m',
  CALLING_MIN_MESSAGING_TIER: DEFAULT_CALLING_MIN_MESSAGING_TIER,
  CALL_PERMISSION_REQUEST_TEXT: 'Podemos te ligar pelo WhatsApp para continuar o atendimento?',
  RECADO_SECRET_KEYS_PREVIOUS: '',
  TYPESENSE_COLLECTION: 'contacts',
  CONTACTS_BULK_MAX: '1000',
  CONTACT_INDEX_TASK_QUEUE: '',
  CONTACT_INDEX_BATCH_SIZE: '200',
  CONTACT_INDEX_MAX_DRAINS: '8',
  CONTACT_INDEX_DRAINS_PER_WORKER: '4',
  CONTACT_INDEX_LEASE: '60s',
  CONTACT_INDEX_IDLE_POLL: '500ms',
  CONTACT_INDEX_DRAIN_BUDGET: '30s',
  CONTACT_INDEX_MAX_ATTEMPTS: '5',
  CONTACT_INDEX_RETRY_BACKOFF: '5s',
  CONTACT_ERASURE_STEP_TIMEOUT: '10s',
  ...DEV_SECRETS,
} as const;

export interface Config {
  env: 'development' | 'test' | 'production';
  /** `publicUrl`: PUBLIC_API_URL, where outside platforms post (stores' webhook URLs). */
  api: { host: string; port: number; publicUrl: string };
  adminToken: string;
  /** Keys that seal provider credentials at rest (src/secrets). */
  secrets: SecretKeys;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  /** `collection` is the alias searches and the indexer use; it points at `<collection>_<timestamp>`. */
  typesense: { url: string; apiKey: string; collection: string };
  contacts: {
    /** Most contacts one bulk upsert request may carry. */
    bulkMax: number;
  };
  /** host:port where a worker process serves Prometheus metrics (Temporal's and recado's drains); null: none. */
  workerMetricsAddress: string | null;
  /** The Postgres outbox → Typesense indexer (workflows/contact-indexer.workflow.ts). */
  contactIndex: {
    /** Drain activities run here, on every worker process (default: `<TEMPORAL_TASK_QUEUE>-contact-index`). */
    taskQueue: string;
    /** Documents per Typesense import request. */
    batchSize: number;
    /** Most drains running at once over all workers. */
    maxDrains: number;
    /** Most drains one worker process runs at once. */
    drainsPerWorker: number;
    /** A claimed contact is another drain's to take after this (its drain died). */
    lease: Duration;
    /** How often an idle coordinator looks at the backlog. */
    idlePoll: Duration;
    /** One drain activity works this long at most, then returns so the coordinator can rescale. */
    drainBudget: Duration;
    /** Attempts at indexing one contact Typesense keeps rejecting before it is parked. */
    maxAttempts: number;
    /** Wait before a rejected contact is tried again. */
    retryBackoff: Duration;
  };
  /** LGPD erasure (src/contacts/erasure). */
  contactErasure: {
    /** Each step outside Postgres (Typesense, Temporal) gives up after this: the DELETE answers 503, a retry finishes. */
    stepTimeout: Duration;
  };
  livekit: { url: string; apiKey: string; apiSecret: string; connectorUrl: string };
  /** Recordings, the post-call AI steps and deep links (call-audio.config.ts). */
  callAudio: CallAudioConfig;
  whatsapp: { graphUrl: string; graphVersion: string; appSecret: string; verifyToken: string };
  /** Channels beyond WhatsApp, routing and the cost ledger (src/channels). */
  channels: {
    /** CHANNEL_PRICES over Meta's Brazil rate card (src/channels/pricing/price-table.ts). */
    prices: PriceTable;
    /** A routed message with no delivery receipt after this long falls back to the next channel. */
    receiptTimeout: Duration;
    /** TELEGRAM_* (src/channels/telegram/telegram.config.ts). */
    telegram: TelegramConfig;
    /** FCM_* and APP_PUSH_* (src/channels/app/app-push.config.ts). */
    appPush: AppPushConfig;
    /** EMAIL_* (src/channels/email/email.config.ts). */
    email: EmailConfig;
  };
  /** WEBHOOK_* (src/webhooks/inbound.config.ts): intake of webhook deliveries. */
  webhooks: InboundConfig;
  /** OUTBOX_* and PLANS: the paced outbox and its dispatch rules (src/funnels/outbox/outbox.config.ts). */
  outbox: OutboxConfig;
  /** OUTBOX_* and FUNNEL_* (src/funnels/funnels.config.ts). */
  funnels: FunnelsConfig;
  /** FUNNEL_* and KEYWORD_CALLBACK_* (src/funnels/stats/funnel-stats.config.ts). */
  funnelStats: FunnelStatsConfig;
  /** CHECKOUT_* (src/checkout/checkout.config.ts): checkout intents and their recovery. */
  checkout: CheckoutConfig;
  /** PIPEDRIVE_* (src/crm/crm.config.ts): the CRM drivers. */
  crm: CrmConfig;
  /** PAGARME_API_URL, ASAAS_API_URL, PAYMENT_LINK_* (src/payments/payments.config.ts). */
  payments: PaymentsConfig;
  messages: {
    /** startToClose timeout of one provider send attempt. */
    sendTimeout: Duration;
    /** How long to wait for a status webhook after an attempt whose outcome is unknown (worker died mid-call) before sending again. */
    unknownOutcomeWait: Duration;
    /** A message Meta has not accepted after this long (number disconnected, rate limits) is marked failed. */
    giveUpAfter: Duration;
  };
  calls: {
    permissionRequestText: string;
    /** How long a business-initiated call rings before it is given up as not answered. */
    ringTimeout: Duration;
    /** recado's own ring timer runs this much past the Connector's ringingTimeout, which ends the call first. */
    ringGrace: Duration;
    /** One attempt at accepting a customer's call (the Connector may wait for the room before it answers). */
    acceptTimeout: Duration;
    /** A customer's call must be accepted within this (Meta shows "not answered" after ~30–60 s). */
    answerWindow: Duration;
    /** Agents involved with the customer ring alone this long before everyone online rings too. */
    waveDelay: Duration;
    /** Automatic replies when nobody could take a customer's call ("URA lite"). */
    missedCallText: string;
    outsideHoursText: string;
    /** Connected business-initiated calls per customer per rolling 24 h (Meta's live limit may lower it). */
    quotaPer24h: number;
    /** Readiness: the least messaging limit tier Meta lets make calls. */
    minMessagingTier: MessagingLimitTier;
    /** Lifetime of an agent's LiveKit join token, in seconds. */
    joinTokenTtlSeconds: number;
    permission: PermissionLimits;
    requestLimits: PermissionRequestLimits;
  };
}

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration string this module validated ("30s", "7d"). */
export function durationMs(value: Duration | string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export function loadConfig(env: Env = process.env): Config {
  const recadoEnv = (env.RECADO_ENV ?? 'development') as Config['env'];
  if (!['development', 'test', 'production'].includes(recadoEnv)) {
    throw new ConfigError('RECADO_ENV', `must be development, test or production, got "${recadoEnv}"`);
  }
  const get = (name: keyof typeof DEFAULTS): string => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (recadoEnv === 'production' && name in DEV_SECRETS) {
      throw new ConfigError(name, 'is required when RECADO_ENV=production');
    }
    return DEFAULTS[name];
  };
  const url = (name: keyof typeof DEFAULTS, protocols: string[]): string => {
    const value = get(name);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, `is not a valid URL: "${value}"`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
    }
    return value.replace(/\/+$/, '');
  };
  const port = (name: keyof typeof DEFAULTS): number => {
    const value = get(name);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      throw new ConfigError(name, `must be a port number 1-65535, got "${value}"`);
    }
    return n;
  };
  const duration = (name: keyof typeof DEFAULTS): Duration => {
    const value = get(name);
    if (!DURATION.test(value)) {
      throw new ConfigError(name, `must be a duration like 500ms, 30s, 10m, 2h or 7d, got "${value}"`);
    }
    return value as Duration;
  };
  const count = (name: keyof typeof DEFAULTS, min: number): number => {
    const value = get(name);
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(name, `must be a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
  const minMessagingTier = parseMessagingTier(get('CALLING_MIN_MESSAGING_TIER'));
  if (!minMessagingTier) {
    throw new ConfigError(
      'CALLING_MIN_MESSAGING_TIER',
      `must be one of ${Object.keys(MESSAGING_TIER_LIMITS).join(', ')}, got "${get('CALLING_MIN_MESSAGING_TIER')}"`,
    );
  }
  const logLevel = get('LOG_LEVEL') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const graphVersion = get('WHATSAPP_GRAPH_VERSION');
  if (!/^v\d+\.\d+$/.test(graphVersion)) {
    throw new ConfigError('WHATSAPP_GRAPH_VERSION', `must look like v23.0, got "${graphVersion}"`);
  }
  const temporalAddress = get('TEMPORAL_ADDRESS');
  if (!/^[^:\s]+:\d+$/.test(temporalAddress)) {
    throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port, got "${temporalAddress}"`);
  }

  return {
    env: recadoEnv,
    api: { host: get('API_HOST'), port: port('API_PORT'), publicUrl: url('PUBLIC_API_URL', ['http:', 'https:']).replace(/\/+$/, '') },
    adminToken: get('RECADO_ADMIN_TOKEN'),
    secrets: secretKeys(env, get),
    logLevel,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    temporal: {
      address: temporalAddress,
      namespace: get('TEMPORAL_NAMESPACE'),
      taskQueue: get('TEMPORAL_TASK_QUEUE'),
    },
    typesense: {
      url: url('TYPESENSE_URL', ['http:', 'https:']),
      apiKey: get('TYPESENSE_API_KEY'),
      collection: collectionName(get('TYPESENSE_COLLECTION')),
    },
    contacts: { bulkMax: count('CONTACTS_BULK_MAX', 1) },
    workerMetricsAddress: hostPortOf('WORKER_METRICS_ADDRESS', get('WORKER_METRICS_ADDRESS')),
    contactIndex: {
      taskQueue: get('CONTACT_INDEX_TASK_QUEUE') || `${get('TEMPORAL_TASK_QUEUE')}-contact-index`,
      batchSize: count('CONTACT_INDEX_BATCH_SIZE', 1),
      maxDrains: count('CONTACT_INDEX_MAX_DRAINS', 1),
      drainsPerWorker: count('CONTACT_INDEX_DRAINS_PER_WORKER', 1),
      lease: duration('CONTACT_INDEX_LEASE'),
      idlePoll: duration('CONTACT_INDEX_IDLE_POLL'),
      drainBudget: duration('CONTACT_INDEX_DRAIN_BUDGET'),
      maxAttempts: count('CONTACT_INDEX_MAX_ATTEMPTS', 1),
      retryBackoff: duration('CONTACT_INDEX_RETRY_BACKOFF'),
    },
    contactErasure: { stepTimeout: duration('CONTACT_ERASURE_STEP_TIMEOUT') },
    livekit: {
      url: url('LIVEKIT_URL', ['http:', 'https:', 'ws:', 'wss:']),
      apiKey: get('LIVEKIT_API_KEY'),
      apiSecret: get('LIVEKIT_API_SECRET'),
      connectorUrl: url('LIVEKIT_CONNECTOR_URL', ['http:', 'https:']),
    },
    callAudio: loadCallAudioConfig(env, env.RECADO_DATA_DIR || path.join(findRepoRoot(), '.recado')),
    whatsapp: {
      graphUrl: url('WHATSAPP_GRAPH_URL', ['http:', 'https:']),
      graphVersion,
      appSecret: get('WHATSAPP_APP_SECRET'),
      verifyToken: get('WHATSAPP_VERIFY_TOKEN'),
    },
    channels: {
      prices: prices(env.CHANNEL_PRICES),
      receiptTimeout: duration('DISPATCH_RECEIPT_TIMEOUT'),
      telegram: loadTelegramConfig(env),
      appPush: loadAppPushConfig(env),
      email: loadEmailConfig(env),
    },
    webhooks: loadInboundConfig(env),
    outbox: loadOutboxConfig(env),
    funnels: loadFunnelsConfig(env),
    funnelStats: loadFunnelStatsConfig(env),
    checkout: loadCheckoutConfig(env),
    crm: loadCrmConfig(env),
    payments: loadPaymentsConfig(env),
    messages: {
      sendTimeout: duration('MESSAGE_SEND_TIMEOUT'),
      unknownOutcomeWait: duration('MESSAGE_UNKNOWN_OUTCOME_WAIT'),
      giveUpAfter: duration('MESSAGE_GIVE_UP_AFTER'),
    },
    calls: {
      permissionRequestText: get('CALL_PERMISSION_REQUEST_TEXT'),
      ringTimeout: duration('CALL_RING_TIMEOUT'),
      ringGrace: duration('CALL_RING_GRACE'),
      acceptTimeout: duration('CALL_ACCEPT_TIMEOUT'),
      answerWindow: duration('CALL_ANSWER_WINDOW'),
      waveDelay: duration('CALL_WAVE_DELAY'),
      missedCallText: get('CALL_MISSED_TEXT'),
      outsideHoursText: get('CALL_OUTSIDE_HOURS_TEXT'),
      quotaPer24h: count('CALL_QUOTA_PER_24H', 0),
      minMessagingTier,
      joinTokenTtlSeconds: Math.round(durationMs(duration('CALL_JOIN_TOKEN_TTL')) / 1000),
      permission: {
        temporaryGrantMs: durationMs(duration('CALL_PERMISSION_TEMPORARY_GRANT')),
        requestTtlMs: durationMs(duration('CALL_PERMISSION_REQUEST_TTL')),
        maxConsecutiveFailedCalls: count('CALL_PERMISSION_MAX_FAILED_CALLS', 1),
      },
      // Meta's windows are a rolling day and a rolling week; only the counts vary.
      requestLimits: {
        daily: { max: count('CALL_PERMISSION_REQUESTS_PER_DAY', 1), windowMs: DAY_MS },
        weekly: { max: count('CALL_PERMISSION_REQUESTS_PER_WEEK', 1), windowMs: WEEK_MS },
      },
    },
  };
}

/** `host:port` to listen on, or null when empty. */
function hostPortOf(name: string, value: string): string | null {
  if (value === '') return null;
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(value) || Number(value.split(':')[1]) > 65535) {
    throw new ConfigError(name, `must be host:port (e.g. 127.0.0.1:9464) or empty, got "${value}"`);
  }
  return value;
}

function collectionName(value: string): string {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(value)) {
    throw new ConfigError('TYPESENSE_COLLECTION', `must be 1-41 lower-case letters, digits or _, starting with a letter, got "${value}"`);
  }
  return value;
}

function secretKeys(env: Env, get: (name: keyof typeof DEFAULTS) => string): SecretKeys {
  const key = (name: string, value: string, which = ''): Buffer => {
    const parsed = parseSecretKey(value);
    if (!parsed) {
      throw new ConfigError(name, `${which}must be 32 bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`);
    }
    return parsed;
  };
  const keyId = (name: string, value: string): string => {
    if (!KEY_ID_PATTERN.test(value)) throw new ConfigError(name, `must be 1-32 letters, digits, _ or -, got "${value}"`);
    return value;
  };
  // A real key under the dev key's id would make the two indistinguishable in stored envelopes.
  if (env.RECADO_SECRET_KEY && !env.RECADO_SECRET_KEY_ID) {
    throw new ConfigError('RECADO_SECRET_KEY_ID', 'is required when RECADO_SECRET_KEY is set');
  }
  const currentKey = key('RECADO_SECRET_KEY', get('RECADO_SECRET_KEY'));
  const current: SecretKey = { id: keyId('RECADO_SECRET_KEY_ID', get('RECADO_SECRET_KEY_ID')), key: currentKey };
  const previous: SecretKey[] = [];
  for (const entry of get('RECADO_SECRET_KEYS_PREVIOUS').split(/[\s,]+/).filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at < 1) throw new ConfigError('RECADO_SECRET_KEYS_PREVIOUS', 'must be a comma-separated list of kid=key');
    const id = keyId('RECADO_SECRET_KEYS_PREVIOUS', entry.slice(0, at));
    if (id === current.id || previous.some((k) => k.id === id)) {
      throw new ConfigError('RECADO_SECRET_KEYS_PREVIOUS', `key id "${id}" is given twice (or is RECADO_SECRET_KEY_ID)`);
    }
    previous.push({ id, key: key('RECADO_SECRET_KEYS_PREVIOUS', entry.slice(at + 1), `key "${id}" `) });
  }
  return { current, previous };
}

/** For process entry points: a bad variable ends the process with a message naming it. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`configuration error: ${err.message}`);
    process.exit(1);
  }
}
