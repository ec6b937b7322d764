import { ConfigError } from '../../config/config-error';

/**
 * The Telegram channel's settings (README "Telegram"). Parsed once at start-up with the rest of
 * the environment; every variable has a documented default.
 */

type Env = Record<string, string | undefined>;

export const TELEGRAM_DEFAULTS = {
  /** The Bot API's base URL; locally the simulator (src/simulators/telegram, port 4030). */
  TELEGRAM_API_URL: 'https://api.telegram.org',
  /** One Bot API request (a send, answerCallbackQuery) gives up after this. */
  TELEGRAM_REQUEST_TIMEOUT: '10s',
  /** getUpdates long-poll timeout, in seconds (Telegram allows up to 50). */
  TELEGRAM_POLL_TIMEOUT_SECONDS: '25',
  /** Updates one getUpdates call returns at most (Telegram: 1-100). */
  TELEGRAM_POLL_LIMIT: '100',
  /** After a failed getUpdates (network, 5xx, 409) the poller waits this long before the next. */
  TELEGRAM_POLL_RETRY_DELAY: '5s',
  /** How often the poller looks for channel accounts connected (or switched to polling) since it started. */
  TELEGRAM_POLL_REFRESH: '30s',
  /** Run the getUpdates poller in the API process ('true'/'false'); off by default when RECADO_ENV=test. */
  TELEGRAM_POLLING: '',
} as const;

export interface TelegramConfig {
  apiUrl: string;
  requestTimeoutMs: number;
  pollTimeoutSeconds: number;
  pollLimit: number;
  pollRetryDelayMs: number;
  pollRefreshMs: number;
  /** Whether the API process starts the getUpdates poller on its own. */
  pollingEnabled: boolean;
}

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function loadTelegramConfig(env: Env = process.env): TelegramConfig {
  const get = (name: keyof typeof TELEGRAM_DEFAULTS): string => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : TELEGRAM_DEFAULTS[name];
  };
  const ms = (name: keyof typeof TELEGRAM_DEFAULTS): number => {
    const value = get(name);
    const match = DURATION.exec(value);
    if (!match) throw new ConfigError(name, `must be a duration like 500ms, 30s or 10m, got "${value}"`);
    return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  };
  const int = (name: keyof typeof TELEGRAM_DEFAULTS, min: number, max: number): number => {
    const value = get(name);
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be a whole number ${min}-${max}, got "${value}"`);
    return n;
  };

  const apiUrl = get('TELEGRAM_API_URL');
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new ConfigError('TELEGRAM_API_URL', `is not a valid URL: "${apiUrl}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError('TELEGRAM_API_URL', `must use http: or https:, got "${parsed.protocol}"`);
  }

  const polling = get('TELEGRAM_POLLING');
  if (polling !== '' && polling !== 'true' && polling !== 'false') {
    throw new ConfigError('TELEGRAM_POLLING', `must be true or false, got "${polling}"`);
  }

  return {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    requestTimeoutMs: ms('TELEGRAM_REQUEST_TIMEOUT'),
    pollTimeoutSeconds: int('TELEGRAM_POLL_TIMEOUT_SECONDS', 0, 50),
    pollLimit: int('TELEGRAM_POLL_LIMIT', 1, 100),
    pollRetryDelayMs: ms('TELEGRAM_POLL_RETRY_DELAY'),
    pollRefreshMs: ms('TELEGRAM_POLL_REFRESH'),
    pollingEnabled: polling === '' ? env.RECADO_ENV !== 'test' : polling === 'true',
  };
}
