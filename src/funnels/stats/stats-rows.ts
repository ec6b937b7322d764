import type { GroupKey, StatsCountsRow } from './stats.repository';

const COUNTS = ['sent', 'delivered', 'read', 'failed', 'expired', 'replied', 'clicked', 'converted'] as const;
const KEYS: GroupKey[] = ['template_id', 'event_type', 'funnel', 'step', 'variant'];

export interface StatsRow extends Omit<StatsCountsRow, 'revenue_minor' | 'revenue_currency'> {
  /** In the group's currency (the one with the most revenue when there are several; all in revenue_by_currency). */
  revenue_minor: string;
  currency: string | null;
  revenue_by_currency: Array<{ currency: string; revenue_minor: string }>;
  /** converted / sent, 0 without sends. */
  conversion_rate: number;
  /** group_by=variant only: the A/B winner of its event type and step. */
  winner?: boolean;
}

function keyOf(row: Partial<Record<GroupKey, unknown>>): string {
  return JSON.stringify(KEYS.map((k) => (k in row ? row[k] : undefined)));
}

/** One row per group: the repository splits a group by revenue currency; counts add up, revenues stay per currency. */
export function mergeCurrencies(rows: StatsCountsRow[]): StatsRow[] {
  const groups = new Map<string, { row: StatsRow; revenue: Map<string, bigint> }>();
  for (const r of rows) {
    const key = keyOf(r);
    let g = groups.get(key);
    if (!g) {
      const keys = Object.fromEntries(KEYS.filter((k) => k in r).map((k) => [k, r[k]]));
      const zero = Object.fromEntries(COUNTS.map((c) => [c, 0])) as Record<(typeof COUNTS)[number], number>;
      g = { row: { ...keys, ...zero, revenue_minor: '0', currency: null, revenue_by_currency: [], conversion_rate: 0 }, revenue: new Map() };
      groups.set(key, g);
    }
    for (const c of COUNTS) g.row[c] += r[c];
    if (r.revenue_currency && r.revenue_minor !== null) {
      g.revenue.set(r.revenue_currency, (g.revenue.get(r.revenue_currency) ?? 0n) + BigInt(r.revenue_minor));
    }
  }
  return [...groups.values()].map(({ row, revenue }) => {
    const byCurrency = [...revenue].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0].localeCompare(b[0])));
    row.revenue_by_currency = byCurrency.map(([currency, amount]) => ({ currency, revenue_minor: amount.toString() }));
    row.currency = byCurrency[0]?.[0] ?? null;
    row.revenue_minor = (byCurrency[0]?.[1] ?? 0n).toString();
    row.conversion_rate = conversionRate(row.converted, row.sent);
    return row;
  });
}

export function conversionRate(converted: number, sent: number): number {
  return sent === 0 ? 0 : Math.round((converted / sent) * 10_000) / 10_000;
}

/**
 * The A/B winner of each event type and step, by conversion rate: named only when the step has
 * two or more variants, every one of them sent at least `minSample` times, and one rate is
 * strictly the highest. Otherwise no row of that step is the winner.
 */
export function markWinners(rows: StatsRow[], minSample: number): StatsRow[] {
  const steps = new Map<string, StatsRow[]>();
  for (const r of rows) {
    r.winner = false;
    if (r.variant === null || r.variant === undefined) continue;
    const key = JSON.stringify([r.event_type, r.step]);
    steps.set(key, [...(steps.get(key) ?? []), r]);
  }
  for (const variants of steps.values()) {
    if (variants.length < 2 || variants.some((v) => v.sent < minSample)) continue;
    const rate = (v: StatsRow) => v.converted / v.sent;
    const best = Math.max(...variants.map(rate));
    const leaders = variants.filter((v) => rate(v) === best);
    if (leaders.length === 1) leaders[0].winner = true;
  }
  return rows;
}
