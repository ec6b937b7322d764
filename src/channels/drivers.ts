import type { Pool } from 'pg';
import { AccessTokens } from '../numbers/access-tokens';
import type { SecretKeys } from '../secrets/secrets';
import { WhatsAppGraphClient } from '../whatsapp/graph-client';
import type { Channel, ChannelDriver, ChannelDrivers } from './driver';
import { loadEmailConfig } from './email/email.config';
import { createEmailDriver } from './email/email.driver';
import { createWhatsAppDriver } from './whatsapp/whatsapp.driver';

export interface ChannelDriverDeps {
  pool: Pool;
  secrets: SecretKeys;
  whatsapp: { graphUrl: string; graphVersion: string };
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
    createEmailDriver(loadEmailConfig()),
  ];
  return new Map<Channel, ChannelDriver>(drivers.map((d) => [d.channel, d]));
}
