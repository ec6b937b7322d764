import { markWinners, mergeCurrencies } from './stats-rows';
import type { StatsCountsRow } from './stats.repository';

const counts = (over: Partial<StatsCountsRow>): StatsCountsRow => ({
  sent: 0, delivered: 0, read: 0, failed: 0, expired: 0, replied: 0, clicked: 0, converted: 0, revenue_minor: null, revenue_currency: null, ...over,
});

describe('funnel statistics rows', () => {
  it('adds a group split by currency into one row, keeping each currency exact', () => {
    const rows = mergeCurrencies([
      counts({ funnel: 'boleto_issued', sent: 3, delivered: 2 }),
      counts({ funnel: 'boleto_issued', sent: 1, converted: 1, revenue_minor: '9007199254740993', revenue_currency: 'BRL' }),
      counts({ funnel: 'boleto_issued', sent: 1, converted: 1, revenue_minor: '500', revenue_currency: 'USD' }),
      counts({ funnel: 'pix_issued', sent: 2 }),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      funnel: 'boleto_issued', sent: 5, delivered: 2, converted: 2, currency: 'BRL', revenue_minor: '9007199254740993', conversion_rate: 0.4,
      revenue_by_currency: [{ currency: 'BRL', revenue_minor: '9007199254740993' }, { currency: 'USD', revenue_minor: '500' }],
    });
    expect(rows[1]).toMatchObject({ funnel: 'pix_issued', sent: 2, revenue_minor: '0', currency: null, conversion_rate: 0 });
  });

  it('names the variant with the best conversion rate only when every variant has the minimum sample', () => {
    const step = (variant: string, sent: number, converted: number, stepNo = 0) => counts({ event_type: 'cart_abandoned', step: stepNo, variant, sent, converted });
    const rows = markWinners(mergeCurrencies([step('A', 30, 3), step('B', 30, 6), step('A', 30, 3, 1), step('B', 29, 9, 1), step('A', 40, 4, 2), step('B', 40, 4, 2)]), 30);
    const winner = (s: number, v: string) => rows.find((r) => r.step === s && r.variant === v)!.winner;
    expect([winner(0, 'A'), winner(0, 'B')]).toEqual([false, true]);
    // B has too few sends at step 1; step 2 is a tie.
    expect([winner(1, 'A'), winner(1, 'B'), winner(2, 'A'), winner(2, 'B')]).toEqual([false, false, false, false]);
  });
});
