import { drainsWanted } from './drains-wanted';

describe('drainsWanted', () => {
  it('is 0 when nothing is ready, whatever ran before', () => {
    expect(drainsWanted({ now: 0, before: 0 }, 0, 0, 8)).toBe(0);
    expect(drainsWanted({ now: 0, before: 5000 }, 6, 800, 8)).toBe(0);
  });

  it('starts with one drain when work appears and the rate is not known yet', () => {
    expect(drainsWanted({ now: 10, before: 0 }, 0, 0, 8)).toBe(1);
    expect(drainsWanted({ now: 50_000, before: 0 }, 0, 0, 8)).toBe(1);
    expect(drainsWanted({ now: 50_000, before: 40_000 }, 3, 0, 8)).toBe(3);
  });

  it('grows when the backlog grows faster than the drains take it', () => {
    // one drain did 1000 last round, 4000 are left and 1000 more arrived than were drained
    expect(drainsWanted({ now: 4000, before: 3000 }, 1, 1000, 8)).toBe(5);
    // growing but a round clears it: still one more than before
    expect(drainsWanted({ now: 300, before: 200 }, 2, 1000, 8)).toBe(3);
  });

  it('runs enough drains to clear a large backlog in one round, never more than the maximum', () => {
    expect(drainsWanted({ now: 2500, before: 3000 }, 1, 500, 8)).toBe(5);
    expect(drainsWanted({ now: 1_000_000, before: 900_000 }, 4, 1000, 8)).toBe(8);
  });

  it('scales down at most by half per round as the backlog shrinks', () => {
    expect(drainsWanted({ now: 100, before: 5000 }, 8, 1000, 8)).toBe(4);
    expect(drainsWanted({ now: 100, before: 400 }, 4, 1000, 8)).toBe(2);
    expect(drainsWanted({ now: 100, before: 200 }, 2, 1000, 8)).toBe(1);
    expect(drainsWanted({ now: 1, before: 200 }, 1, 1000, 8)).toBe(1);
  });

  it('respects a maximum of one', () => {
    expect(drainsWanted({ now: 10_000, before: 0 }, 1, 10, 1)).toBe(1);
  });
});
