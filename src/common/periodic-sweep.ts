import type { Client } from '@temporalio/client';

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
}
