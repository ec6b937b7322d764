/** Backlog now and at the start of the last round (contacts ready to be drained). */
export interface BacklogSample {
  now: number;
  before: number;
}

/**
 * How many drains the contact indexer runs next round. `drainRatePerDrain` is what one drain
 * handled in the last round (documents per drain per round, 0 when unknown). Enough drains to
 * clear the backlog plus the round's growth in one round; one more than before when the backlog
 * outgrew the drains; at most half as many as before when it shrinks (no flapping); 0 when idle.
 */
export function drainsWanted(backlog: BacklogSample, previous: number, drainRatePerDrain: number, max: number): number {
  if (backlog.now <= 0) return 0;
  if (previous <= 0 || drainRatePerDrain <= 0) return Math.min(max, Math.max(1, previous));
  const growth = Math.max(0, backlog.now - backlog.before);
  let wanted = Math.ceil((backlog.now + growth) / drainRatePerDrain);
  if (backlog.now > backlog.before) wanted = Math.max(wanted, previous + 1);
  wanted = Math.max(wanted, Math.ceil(previous / 2));
  return Math.min(max, Math.max(1, wanted));
}
