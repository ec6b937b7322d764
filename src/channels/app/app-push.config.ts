import { envReader } from '../../config/env-reader';

/**
 * Configuration of the app-push channel (FCM HTTP v1 and the signed-webhook push), parsed once
 * from the environment. Every variable has a documented default (README, "App push").
 */

type Env = Record<string, string | undefined>;

export const APP_PUSH_DEFAULTS = {
  /** FCM HTTP v1 base URL; locally the FCM simulator (src/simulators/fcm, port 4030). */
  FCM_API_URL: 'https://fcm.googleapis.com',
  /** Where service-account assertions are exchanged; empty: the key file's token_uri (Google's). */
  FCM_TOKEN_URL: '',
  /** Timeout of one provider request (token exchange, messages:send, webhook POST). */
  APP_PUSH_HTTP_TIMEOUT: '10s',
  /** A cached OAuth2 access token is renewed this long before it expires. */
  APP_PUSH_TOKEN_REFRESH_MARGIN: '5m',
  /** Longest notification title and body (characters): longer content is refused, never cut. */
  APP_PUSH_TITLE_MAX: '100',
  APP_PUSH_BODY_MAX: '1000',
  /** Buttons become notification actions: Android shows at most 3. */
  APP_PUSH_BUTTONS_MAX: '3',
  APP_PUSH_BUTTON_TITLE_MAX: '40',
  /** How far X-Recado-Signature's t= may be from now on a receipts request. */
  APP_PUSH_SIGNATURE_TOLERANCE: '5m',
} as const;

export interface AppPushConfig {
  fcmApiUrl: string;
  /** null: each service account's token_uri. */
  fcmTokenUrl: string | null;
  httpTimeoutMs: number;
  tokenRefreshMarginMs: number;
  limits: { titleMax: number; bodyMax: number; buttonsMax: number; buttonTitleMax: number };
  signatureToleranceSeconds: number;
}

export function loadAppPushConfig(env: Env = process.env): AppPushConfig {
  const read = envReader(env, APP_PUSH_DEFAULTS);
  const get = read.get;
  const url = read.httpUrl;
  const ms = (name: keyof typeof APP_PUSH_DEFAULTS) => read.ms(name, 1);
  const count = (name: keyof typeof APP_PUSH_DEFAULTS, max: number) => read.int(name, 1, max);
  return {
    fcmApiUrl: url('FCM_API_URL'),
    fcmTokenUrl: get('FCM_TOKEN_URL') ? url('FCM_TOKEN_URL') : null,
    httpTimeoutMs: ms('APP_PUSH_HTTP_TIMEOUT'),
    tokenRefreshMarginMs: ms('APP_PUSH_TOKEN_REFRESH_MARGIN'),
    limits: {
      titleMax: count('APP_PUSH_TITLE_MAX', 1000),
      // FCM refuses payloads over 4096 bytes: a longer body could never be sent.
      bodyMax: count('APP_PUSH_BODY_MAX', 4000),
      buttonsMax: count('APP_PUSH_BUTTONS_MAX', 10),
      buttonTitleMax: count('APP_PUSH_BUTTON_TITLE_MAX', 200),
    },
    signatureToleranceSeconds: Math.round(ms('APP_PUSH_SIGNATURE_TOLERANCE') / 1000),
  };
}
