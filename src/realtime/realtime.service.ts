import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Observable, Subscriber, interval, map, merge, startWith, tap } from 'rxjs';
import { AccountsRepository } from '../accounts/accounts.repository';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { PG_POOL } from '../db/database';
import type { Principal } from '../common/auth';
import { LOGGER } from '../common/logger.module';
import { PRESENCE_HEARTBEAT_MS } from './presence';
import { RealtimeEvent, RealtimeRepository } from './realtime.repository';

export interface SseMessage {
  type: string;
  data: Record<string, unknown>;
}

/** The open streams of one account: account-wide ones (API keys) and each agent's. */
interface AccountStreams {
  accountWide: Set<Subscriber<SseMessage>>;
  byAgent: Map<string, Set<Subscriber<SseMessage>>>;
}

/**
 * Fans events from Postgres NOTIFY out to the SSE streams of this API process. Streams are
 * indexed by account and agent, so an event costs the streams that see it, not every open one.
 */
@Injectable()
export class RealtimeService implements OnModuleInit, OnModuleDestroy {
  private readonly streams = new Map<string, AccountStreams>();
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
      (event) => this.dispatch(event),
      (err) => this.logger.warn({ err: err.message }, 'realtime listener error; reconnecting'),
    );
  }

  async onModuleDestroy() {
    for (const account of [...this.streams.values()]) {
      for (const set of [account.accountWide, ...account.byAgent.values()]) for (const stream of [...set]) stream.complete();
    }
    await this.stopListening?.();
  }

  publish(event: RealtimeEvent): Promise<void> {
    return this.repository.publish(event);
  }

  /** The stream one caller may see: its account's events, minus those addressed to other agents. */
  streamFor(principal: Principal): Observable<SseMessage> {
    const visible = new Observable<SseMessage>((subscriber) => {
      const set = this.streamSet(principal.accountId, principal.agentId);
      set.add(subscriber);
      return () => {
        set.delete(subscriber);
        this.prune(principal.accountId, principal.agentId);
      };
    });
    // An agent's open stream is their presence: refreshed on connect and with every heartbeat.
    const touch = () => {
      if (principal.agentId) {
        this.accounts.touchAgent(principal.accountId, principal.agentId).catch((err: Error) =>
          this.logger.warn({ err: err.message }, 'could not record agent presence'),
        );
      }
    };
    touch();
    const heartbeat = interval(PRESENCE_HEARTBEAT_MS).pipe(
      tap(touch),
      map(() => ({ type: 'heartbeat', data: {} })),
    );
    // The first event flushes the response headers, so clients know at once they are subscribed.
    const ready = { type: 'ready', data: { account_id: principal.accountId, agent_id: principal.agentId } };
    return merge(visible, heartbeat).pipe(startWith(ready));
  }

  /** Account-wide events reach every stream of the account; an agent's event, theirs and the account-wide ones. */
  private dispatch(event: RealtimeEvent) {
    const account = this.streams.get(event.accountId);
    if (!account) return;
    const message = { type: event.type, data: event.data };
    const agentStreams = event.agentId ? [account.byAgent.get(event.agentId) ?? []] : account.byAgent.values();
    for (const stream of account.accountWide) stream.next(message);
    for (const set of agentStreams) for (const stream of set) stream.next(message);
  }

  private streamSet(accountId: string, agentId: string | null): Set<Subscriber<SseMessage>> {
    let account = this.streams.get(accountId);
    if (!account) this.streams.set(accountId, (account = { accountWide: new Set(), byAgent: new Map() }));
    if (agentId === null) return account.accountWide;
    let set = account.byAgent.get(agentId);
    if (!set) account.byAgent.set(agentId, (set = new Set()));
    return set;
  }

  private prune(accountId: string, agentId: string | null) {
    const account = this.streams.get(accountId);
    if (!account) return;
    if (agentId !== null && account.byAgent.get(agentId)?.size === 0) account.byAgent.delete(agentId);
    if (account.accountWide.size === 0 && account.byAgent.size === 0) this.streams.delete(accountId);
  }
}
