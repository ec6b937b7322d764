/**
 * Stored deliveries waiting to be processed in this process: at most `capacity` waiting and
 * `concurrency` running. A delivery that does not fit is refused (it is already stored: the
 * sweeper processes it later), so a burst never turns into unbounded memory.
 */
export class DeliveryQueue<T extends { id: string }> {
  private readonly waiting: T[] = [];
  /** Ids waiting or running here: the sweeper leaves them alone. */
  private readonly held = new Set<string>();
  private running = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  /** Called when an item's work is over (done or failed), or when it is dropped by stop. */
  private readonly finished = new Map<string, () => void>();

  constructor(
    private readonly work: (item: T) => Promise<void>,
    private readonly options: {
      capacity: number;
      concurrency: number;
      onEmpty?: () => void;
      /** While true (requests are being acknowledged), one item runs at a time: acks come first. */
      busy?: () => boolean;
    },
  ) {}

  /** False when the queue is full or stopped (the item is not taken). `onFinished`: when its work is over. */
  offer(item: T, onFinished?: () => void): boolean {
    if (this.stopped || this.waiting.length >= this.options.capacity || this.held.has(item.id)) return false;
    this.waiting.push(item);
    this.held.add(item.id);
    if (onFinished) this.finished.set(item.id, onFinished);
    this.pump();
    return true;
  }

  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** Free places for waiting items. */
  get room(): number {
    return this.stopped ? 0 : this.options.capacity - this.waiting.length;
  }

  get depth(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes nothing more; what waits is dropped (stored: the sweeper has it), what runs finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const item of this.waiting.splice(0)) this.release(item.id);
    await this.idle();
  }

  private release(id: string): void {
    this.held.delete(id);
    const onFinished = this.finished.get(id);
    this.finished.delete(id);
    onFinished?.();
  }

  private pump(): void {
    const concurrency = this.options.busy?.() ? 1 : this.options.concurrency;
    while (this.running < concurrency && this.waiting.length > 0) {
      const item = this.waiting.shift()!;
      if (this.waiting.length === 0 && !this.stopped) this.options.onEmpty?.();
      this.running++;
      // `work` reports its own failures; a throw here must not stop the queue.
      void this.work(item)
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.release(item.id);
          this.pump();
          if (this.depth === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
