import type { Pool } from 'pg';
import { AccessTokens } from '../numbers/access-tokens';
import type { SecretKeys } from '../secrets/secrets';
import { WhatsAppGraphClient } from '../whatsapp/graph-client';
import type { Channel, ChannelDriver, ChannelDrivers } from './driver';
import type { EmailConfig } from './email/email.config';
import { createEmailDriver } from './email/email.driver';
import { createWhatsAppDriver } from './whatsapp/whatsapp.driver';
import { createTelegramDriver } from './telegram/telegram.driver';
import type { TelegramConfig } from './telegram/telegram.config';
import type { AppPushConfig } from './app/app-push.config';
import { createAppPushDriver } from './app/app-push.driver';

export interface ChannelDriverDeps {
  pool: Pool;
  secrets: SecretKeys;
  whatsapp: { graphUrl: string; graphVersion: string };
  telegram: Pick<TelegramConfig, 'apiUrl' | 'requestTimeoutMs'>;
  appPush: AppPushConfig;
  email: EmailConfig;
}

/** Every channel's driver, built once per process from the config. Adding a channel adds one line here. */
export function createChannelDrivers(deps: ChannelDriverDeps): ChannelDrivers {
  const tokens = new AccessTokens(deps.secrets);
  const drivers: ChannelDriver[] = [
    createWhatsAppDriver({
      async graphClientFor(numberId) {
        const { rows } = await deps.pool.query<{ access_token: string }>('SELECT access_token FROM whatsapp_numbers WHERE id = $1', [numberId]);
        if (!rows[0]) throw new Error(`WhatsApp number ${numberId} not found`);
        const accessToken = tokens.open(numberId, rows[0].access_token);
        return new WhatsAppGraphClient({ baseUrl: deps.whatsapp.graphUrl, version: deps.whatsapp.graphVersion, accessToken });
      },
    }),
    createTelegramDriver(deps.telegram),
    createAppPushDriver(deps.appPush, deps.pool),
    createEmailDriver(deps.email),
  ];
  return new Map<Channel, ChannelDriver>(drivers.map((d) => [d.channel, d]));
}
