import { envReader } from '../../config/env-reader';

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

export function loadTelegramConfig(env: Env = process.env): TelegramConfig {
  const read = envReader(env, TELEGRAM_DEFAULTS);
  return {
    apiUrl: read.httpUrl('TELEGRAM_API_URL'),
    requestTimeoutMs: read.ms('TELEGRAM_REQUEST_TIMEOUT', 1),
    pollTimeoutSeconds: read.int('TELEGRAM_POLL_TIMEOUT_SECONDS', 0, 50),
    pollLimit: read.int('TELEGRAM_POLL_LIMIT', 1, 100),
    pollRetryDelayMs: read.ms('TELEGRAM_POLL_RETRY_DELAY'),
    pollRefreshMs: read.ms('TELEGRAM_POLL_REFRESH', 1),
    pollingEnabled: read.flag('TELEGRAM_POLLING', env.RECADO_ENV !== 'test'),
  };
}
