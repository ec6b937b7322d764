import { t } from '../../i18n';
import { INBOX_CHANNELS, type InboxFilters } from './inbox-filters';

/** The inbox's filters: each control applies as it changes (the list below follows). */
export function InboxFiltersForm({ filters, onChange }: { filters: InboxFilters; onChange: (next: InboxFilters) => void }) {
  return (
    <form class="inbox-filters" aria-labelledby="inbox-filters-title" onSubmit={(event) => event.preventDefault()}>
      <fieldset>
        <legend id="inbox-filters-title">{t('inbox.filters')}</legend>
        <label>
          {t('inbox.filter.channel')}{' '}
          <select
            value={filters.channel ?? ''}
            onChange={(event) => {
              const value = event.currentTarget.value;
              onChange({ ...filters, channel: INBOX_CHANNELS.find((c) => c === value) ?? null });
            }}
          >
            <option value="">{t('inbox.filter.anyChannel')}</option>
            {INBOX_CHANNELS.map((channel) => (
              <option key={channel} value={channel}>
                {t(`channel.${channel}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={filters.assignedToMe}
            onChange={(event) => onChange({ ...filters, assignedToMe: event.currentTarget.checked })}
          />{' '}
          {t('inbox.filter.mine')}
        </label>
      </fieldset>
    </form>
  );
}
