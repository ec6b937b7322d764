/**
 * Writes concurrent requests' rows with one multi-row statement (one commit) instead of one each.
 * Up to `writers` statements run at once; a row arriving while they all run waits for the next
 * one, together with every other row that arrived meanwhile (up to `batchMax`). Under light load
 * a row is written at once, alone; under heavy load the commits, not the rows, are what is paid.
 *
 * When a shared statement fails, each of its rows is written alone, so one bad row fails only
 * its own request.
 */
export class GroupCommit<Row, Id> {
  private pending: Array<{ row: Row; resolve: (id: Id) => void; reject: (err: unknown) => void }> = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly writeMany: (rows: Row[]) => Promise<Id[]>,
    private readonly options: { batchMax: number; writers: number },
  ) {}

  write(row: Row): Promise<Id> {
    return new Promise<Id>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      // Rows of the same event-loop turn go together; later ones join whatever is next.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.running < this.options.writers) {
      const batch = this.pending.splice(0, this.options.batchMax);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.flush();
      });
    }
  }

  private async run(batch: typeof this.pending): Promise<void> {
    try {
      const ids = await this.writeMany(batch.map((b) => b.row));
      batch.forEach((b, i) => b.resolve(ids[i]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      await Promise.all(batch.map(async (b) => {
        try {
          b.resolve((await this.writeMany([b.row]))[0]);
        } catch (one) {
          b.reject(one);
        }
      }));
    }
  }
}
