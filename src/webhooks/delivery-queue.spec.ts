import { DeliveryQueue } from './delivery-queue';

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('DeliveryQueue', () => {
  it('holds at most `capacity` waiting and runs at most `concurrency`; what does not fit is refused', async () => {
    const g = gate();
    const started: string[] = [];
    const queue = new DeliveryQueue<{ id: string }>(async (d) => {
      started.push(d.id);
      await g.opened;
    }, { capacity: 2, concurrency: 1 });

    expect(queue.offer({ id: '1' })).toBe(true); // running
    expect(queue.offer({ id: '2' })).toBe(true); // waiting
    expect(queue.offer({ id: '3' })).toBe(true); // waiting
    expect(queue.offer({ id: '4' })).toBe(false); // full: left for the sweeper
    expect(queue.offer({ id: '2' })).toBe(false); // already held
    expect(started).toEqual(['1']);
    expect([queue.holds('3'), queue.holds('4'), queue.depth, queue.room]).toEqual([true, false, 3, 0]);

    g.open();
    await queue.idle();
    expect(started).toEqual(['1', '2', '3']);
    expect([queue.holds('3'), queue.depth, queue.room]).toEqual([false, 0, 2]);
  });

  it('a failing item does not stop the queue; onEmpty fires when the last waiting item starts', async () => {
    let empties = 0;
    const done: string[] = [];
    const queue = new DeliveryQueue<{ id: string }>(async (d) => {
      if (d.id === 'bad') throw new Error('boom');
      done.push(d.id);
    }, { capacity: 10, concurrency: 2, onEmpty: () => empties++ });
    for (const id of ['bad', 'a', 'b']) queue.offer({ id });
    await queue.idle();
    expect(done).toEqual(['a', 'b']);
    expect(empties).toBeGreaterThan(0);
  });

  it('stop drops what waits (it is stored) and lets what runs finish', async () => {
    const g = gate();
    const done: string[] = [];
    const queue = new DeliveryQueue<{ id: string }>(async (d) => {
      await g.opened;
      done.push(d.id);
    }, { capacity: 10, concurrency: 1 });
    queue.offer({ id: 'running' });
    queue.offer({ id: 'waiting' });
    const stopped = queue.stop();
    g.open();
    await stopped;
    expect(done).toEqual(['running']);
    expect(queue.offer({ id: 'late' })).toBe(false);
  });
});

describe('DeliveryQueue onFinished', () => {
  it('tells each caller when its own item is over, however busy the queue stays', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const queue = new DeliveryQueue<{ id: string }>(async (d) => {
      if (d.id === 'slow') await blocked;
    }, { capacity: 10, concurrency: 2 });
    queue.offer({ id: 'slow' });
    let mineDone = false;
    await new Promise<void>((resolve) => queue.offer({ id: 'mine' }, () => ((mineDone = true), resolve())));
    expect(mineDone).toBe(true);
    expect(queue.depth).toBe(1); // the slow one still runs
    release();
    await queue.idle();
  });
});

describe('DeliveryQueue while busy', () => {
  it('runs one item at a time while busy, and its full concurrency once not', async () => {
    let busy = true;
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const queue = new DeliveryQueue<{ id: string }>(
      () =>
        new Promise<void>((resolve) => {
          running++;
          most = Math.max(most, running);
          release.push(() => {
            running--;
            resolve();
          });
        }),
      { capacity: 10, concurrency: 3, busy: () => busy },
    );
    for (const id of ['a', 'b', 'c', 'd']) queue.offer({ id });
    expect(running).toBe(1);
    busy = false;
    release.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(3);
    while (release.length) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await queue.idle();
    expect(most).toBe(3);
  });
});
