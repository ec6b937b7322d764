import { Client, Pool, PoolClient } from 'pg';

export const REALTIME_CHANNEL = 'recado_events';

/** An event for agents' frontends: to the whole account, or to one agent when agentId is set. */
export interface RealtimeEvent {
  accountId: string;
  agentId?: string | null;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Realtime events cross processes (worker → API) through Postgres NOTIFY, so no extra broker
 * is needed. Payloads carry ids and states only (NOTIFY is capped at 8 kB).
 */
export class RealtimeRepository {
  constructor(private readonly pool: Pool) {}

  /** Inside a transaction (db = its client) the event is delivered only if the transaction commits. */
  async publish(event: RealtimeEvent, db: Pool | PoolClient = this.pool): Promise<void> {
    await db.query('SELECT pg_notify($1, $2)', [REALTIME_CHANNEL, JSON.stringify(event)]);
  }

  /** Listens on a dedicated connection, reconnecting after failures. Returns a stop function. */
  listen(databaseUrl: string, onEvent: (e: RealtimeEvent) => void, onError: (err: Error) => void): () => Promise<void> {
    let client: Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    let connecting: Promise<void> | undefined;
    const connect = async () => {
      const c = new Client({ connectionString: databaseUrl });
      c.on('notification', (msg) => {
        if (msg.channel !== REALTIME_CHANNEL || !msg.payload) return;
        try {
          onEvent(JSON.parse(msg.payload) as RealtimeEvent);
        } catch (err) {
          onError(err as Error);
        }
      });
      c.on('error', (err) => {
        onError(err);
        scheduleReconnect();
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${REALTIME_CHANNEL}`);
        // Stopped while connecting: this connection must not outlive the listener.
        if (stopped) await c.end();
        else client = c;
      } catch (err) {
        if (stopped) return void (await c.end().catch(() => {}));
        onError(err as Error);
        await c.end().catch(() => {});
        scheduleReconnect();
      }
    };
    const scheduleReconnect = () => {
      if (stopped || retry) return;
      const old = client;
      client = undefined;
      void old?.end().catch(() => {});
      retry = setTimeout(() => {
        retry = undefined;
        connecting = connect();
      }, 1000);
    };
    connecting = connect();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      await connecting;
      await client?.end().catch(() => {});
    };
  }
}
