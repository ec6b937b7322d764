import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { PG_POOL, createPool } from '../db/database';

export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');

/**
 * The API's connections to Postgres and Temporal. The Temporal connection is lazy, so the API
 * starts (and /health says what is wrong) even when Temporal is not up yet.
 */
@Global()
@Module({
  providers: [
    { provide: PG_POOL, inject: [CONFIG], useFactory: (config: Config) => createPool(config.databaseUrl, 20) },
    {
      provide: TEMPORAL_CLIENT,
      inject: [CONFIG],
      useFactory: (config: Config) =>
        new Client({
          connection: Connection.lazy({ address: config.temporal.address }),
          namespace: config.temporal.namespace,
        }),
    },
  ],
  exports: [PG_POOL, TEMPORAL_CLIENT],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  /** After every module's onModuleDestroy: their last queries and Temporal calls have finished. */
  async onApplicationShutdown() {
    await this.temporal.connection.close().catch(() => {});
    await this.pool.end();
  }
}
