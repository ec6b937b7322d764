import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Observable, Subject, filter, interval, map, merge, startWith, tap } from 'rxjs';
import { AccountsRepository } from '../accounts/accounts.repository';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { PG_POOL } from '../db/database';
import type { Principal } from '../common/auth';
import { LOGGER } from '../common/logger.module';
import { RealtimeEvent, RealtimeRepository } from './realtime.repository';

export interface SseMessage {
  type: string;
  data: Record<string, unknown>;
}

const HEARTBEAT_MS = 25_000;

/** Fans events from Postgres NOTIFY out to the SSE streams of this API process. */
@Injectable()
export class RealtimeService implements OnModuleInit, OnModuleDestroy {
  private readonly events = new Subject<RealtimeEvent>();
  private readonly repository: RealtimeRepository;
  private stopListening?: () => Promise<void>;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly accounts: AccountsRepository,
  ) {
    this.repository = new RealtimeRepository(pool);
  }

  onModuleInit() {
    this.stopListening = this.repository.listen(
      this.config.databaseUrl,
      (event) => this.events.next(event),
      (err) => this.logger.warn({ err: err.message }, 'realtime listener error; reconnecting'),
    );
  }

  async onModuleDestroy() {
    this.events.complete();
    await this.stopListening?.();
  }

  publish(event: RealtimeEvent): Promise<void> {
    return this.repository.publish(event);
  }

  /** The stream one caller may see: its account's events, minus those addressed to other agents. */
  streamFor(principal: Principal): Observable<SseMessage> {
    const visible = this.events.pipe(
      filter((e) => e.accountId === principal.accountId),
      filter((e) => !e.agentId || principal.agentId === null || e.agentId === principal.agentId),
      map((e) => ({ type: e.type, data: e.data })),
    );
    // An agent's open stream is their presence: refreshed on connect and with every heartbeat.
    const touch = () => {
      if (principal.agentId) {
        this.accounts.touchAgent(principal.accountId, principal.agentId).catch((err: Error) =>
          this.logger.warn({ err: err.message }, 'could not record agent presence'),
        );
      }
    };
    touch();
    const heartbeat = interval(HEARTBEAT_MS).pipe(
      tap(touch),
      map(() => ({ type: 'heartbeat', data: {} })),
    );
    // The first event flushes the response headers, so clients know at once they are subscribed.
    const ready = { type: 'ready', data: { account_id: principal.accountId, agent_id: principal.agentId } };
    return merge(visible, heartbeat).pipe(startWith(ready));
  }
}
