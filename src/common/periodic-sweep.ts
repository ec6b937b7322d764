import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';

/**
 * A sweep the API runs every `everyMs` (workflows that did not start while Temporal was down).
 * At shutdown the interval stops, the Temporal call in flight is cancelled (so it does not keep
 * retrying on a connection about to close) and the sweep is awaited. Each call gets its own
 * abort signal: the client adds a listener per call and never removes it.
 */
export class PeriodicSweep {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private inFlight?: AbortController;
  private stopped = false;

  constructor(
    private readonly temporal: Client,
    private readonly everyMs: number,
    private readonly sweep: () => Promise<unknown>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.stopped) this.running = this.sweep();
    }, this.everyMs);
    this.timer.unref();
  }

  /** Runs `fn`'s Temporal calls so that stop() can cancel them. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.stopped) throw new Error('the API is shutting down');
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      return await this.temporal.withAbortSignal(controller.signal, fn);
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.inFlight?.abort();
    await this.running.catch(() => {});
  }

  /**
   * The usual sweep: a batch of rows (`list`) whose workflow did not start or needs a nudge, each
   * handed to `each` with its Temporal calls cancellable at shutdown; a failure is logged (naming
   * `what`) and the next sweep tries again. `run` does one sweep now and counts the rows.
   */
  static overRows<T>(
    temporal: Client,
    everyMs: number,
    options: { logger: Logger; what: string; list: () => Promise<T[]>; each: (row: T) => Promise<unknown> },
  ): RowSweep {
    const run = async (): Promise<number> => {
      try {
        const rows = await options.list();
        for (const row of rows) await sweeper.call(() => options.each(row));
        return rows.length;
      } catch (err) {
        options.logger.warn({ err: (err as Error).message }, `could not ${options.what}; will retry`);
        return 0;
      }
    };
    const sweeper = Object.assign(new PeriodicSweep(temporal, everyMs, run), { run });
    return sweeper;
  }
}

/** A PeriodicSweep over rows, that can also be run once now. */
export type RowSweep = PeriodicSweep & { run(): Promise<number> };
