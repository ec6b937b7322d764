import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('writes rows of the same moment with one statement, ids in order; at most `writers` statements at once', async () => {
    const statements: number[][] = [];
    let running = 0;
    let most = 0;
    let next = 100;
    const writer = new GroupCommit<number, number>(async (rows) => {
      running++;
      most = Math.max(most, running);
      statements.push(rows);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return rows.map(() => next++);
    }, { batchMax: 3, writers: 2 });

    const ids = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((row) => writer.write(row)));
    expect(statements.flat().sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(statements.every((s) => s.length <= 3)).toBe(true);
    expect(statements.length).toBeLessThan(7);
    expect(most).toBeLessThanOrEqual(2);
    // Each row gets the id its statement returned for its position.
    const idOf = new Map<number, number>();
    let id = 100;
    for (const s of statements) for (const row of s) idOf.set(row, id++);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7].map((row) => idOf.get(row)));
  });

  it('a failing shared statement is retried row by row: only the bad row fails', async () => {
    const writer = new GroupCommit<string, string>(async (rows) => {
      if (rows.includes('bad')) throw new Error('invalid byte sequence');
      return rows.map((r) => `id-${r}`);
    }, { batchMax: 10, writers: 1 });
    const results = await Promise.allSettled(['a', 'bad', 'b'].map((row) => writer.write(row)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 'id-a' },
      { status: 'rejected', reason: expect.objectContaining({ message: 'invalid byte sequence' }) },
      { status: 'fulfilled', value: 'id-b' },
    ]);
  });
});
