import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { PG_POOL } from '../db/database';
import { createChannelDrivers } from './drivers';

/** The channel drivers (ChannelDrivers): the API renders and validates with them, the worker sends. */
export const CHANNEL_DRIVERS = Symbol('CHANNEL_DRIVERS');

export const channelDriversProvider: Provider = {
  provide: CHANNEL_DRIVERS,
  inject: [CONFIG, PG_POOL],
  useFactory: (config: Config, pool: Pool) =>
    createChannelDrivers({ pool, secrets: config.secrets, whatsapp: config.whatsapp, telegram: config.channels.telegram, appPush: config.channels.appPush, email: config.channels.email }),
};
