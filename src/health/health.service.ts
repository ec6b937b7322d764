import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { Pool } from 'pg';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { PG_POOL } from '../db/database';
import { TEMPORAL_CLIENT } from '../infra/infra.module';

export interface DependencyHealth {
  status: 'up' | 'down';
  latency_ms: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  private readonly livekit: RoomServiceClient;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {
    this.livekit = new RoomServiceClient(config.livekit.url, config.livekit.apiKey, config.livekit.apiSecret);
  }

  async check(): Promise<{ status: 'ok' | 'degraded'; dependencies: Record<string, DependencyHealth> }> {
    const checks: Record<string, () => Promise<unknown>> = {
      postgres: () => this.pool.query('SELECT 1'),
      temporal: async () => {
        await this.temporal.connection.ensureConnected();
        await this.temporal.workflowService.describeNamespace({ namespace: this.config.temporal.namespace });
      },
      typesense: async () => {
        const res = await fetch(`${this.config.typesense.url}/health`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
        const body = (await res.json()) as { ok?: boolean };
        if (!res.ok || body.ok !== true) throw new Error(`typesense answered ${res.status} ${JSON.stringify(body)}`);
      },
      livekit: () => this.livekit.listRooms(),
    };
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, run]) => [name, await timed(run)] as const),
    );
    const dependencies = Object.fromEntries(entries);
    const status = entries.every(([, h]) => h.status === 'up') ? 'ok' : 'degraded';
    return { status, dependencies };
  }
}

async function timed(run: () => Promise<unknown>): Promise<DependencyHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      status: 'down',
      latency_ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}
