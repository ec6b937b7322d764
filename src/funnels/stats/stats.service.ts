import { Inject, Injectable } from '@nestjs/common';
import { InvalidFieldError, NotFoundError } from '../../common/errors';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import type { RecipientStatsView, StoreStatsView } from './stats.dto';
import { markWinners, mergeCurrencies } from './stats-rows';
import { StatsRepository, type Period, type StatsGroup } from './stats.repository';

/** A store's funnel statistics: per template, step, A/B variant or funnel, and per recipient. */
@Injectable()
export class StatsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly stats: StatsRepository,
  ) {}

  async byGroup(accountId: string, storeId: string, query: { group_by: StatsGroup; from?: string; to?: string }): Promise<StoreStatsView> {
    const period = parsePeriod(query);
    await this.ensureStore(accountId, storeId);
    const rows = mergeCurrencies(await this.stats.counts(accountId, storeId, query.group_by, period));
    return {
      group_by: query.group_by,
      from: period.from?.toISOString() ?? null,
      to: period.to?.toISOString() ?? null,
      rows: query.group_by === 'variant' ? markWinners(rows, this.config.funnelStats.abMinSample) : rows,
    };
  }

  async recipients(accountId: string, storeId: string, query: { from?: string; to?: string }): Promise<RecipientStatsView> {
    const period = parsePeriod(query);
    await this.ensureStore(accountId, storeId);
    const r = await this.stats.recipients(accountId, storeId, period);
    return {
      from: period.from?.toISOString() ?? null,
      to: period.to?.toISOString() ?? null,
      contacts_reached: r.contacts,
      messages: r.messages,
      messages_per_contact: { avg: r.avg ?? 0, p50: r.p50 ?? 0, max: r.max ?? 0 },
      per_day: { '1': r.day_1, '2': r.day_2, '3': r.day_3, '4+': r.day_4_plus },
    };
  }

  private async ensureStore(accountId: string, storeId: string): Promise<void> {
    if (!(await this.stats.storeExists(accountId, storeId))) throw new NotFoundError('store', storeId);
  }
}

function parsePeriod(query: { from?: string; to?: string }): Period {
  const at = (field: 'from' | 'to'): Date | null => {
    const value = query[field];
    if (value === undefined) return null;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new InvalidFieldError(field, `"${value}" is not a date-time recado can read`);
    return date;
  };
  const period = { from: at('from'), to: at('to') };
  if (period.from && period.to && period.from > period.to) throw new InvalidFieldError('from', 'must not be after to');
  return period;
}
