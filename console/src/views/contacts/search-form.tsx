import { useState } from 'preact/hooks';
import type { Schemas } from '../../api/client';
import { t } from '../../i18n';

type Channel = Schemas['ContactSearchHitView']['reachable'][number];
const CHANNELS: Channel[] = ['whatsapp', 'email', 'telegram', 'app'];

/** The filters the console offers; each maps to a query parameter of GET /v1/contacts/search. */
export interface SearchFilters {
  q: string;
  status: string;
  tag: string;
  reachable: Channel | '';
}

export const NO_FILTERS: SearchFilters = { q: '', status: '', tag: '', reachable: '' };

export function SearchForm({ initial, onSearch }: { initial: SearchFilters; onSearch: (filters: SearchFilters) => void }) {
  const [filters, setFilters] = useState(initial);
  const set = (key: keyof SearchFilters) => (event: { currentTarget: { value: string } }) =>
    setFilters({ ...filters, [key]: event.currentTarget.value });
  return (
    <form
      role="search"
      class="search"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(filters);
      }}
    >
      <label for="q">{t('contacts.search')}</label>
      <div class="search-row">
        <input id="q" type="search" placeholder={t('contacts.query')} value={filters.q} onInput={set('q')} />
        <button type="submit">{t('contacts.submit')}</button>
      </div>
      <fieldset>
        <legend>{t('contacts.filters')}</legend>
        <label>
          {t('contacts.status')} <input value={filters.status} onInput={set('status')} />
        </label>
        <label>
          {t('contacts.tag')} <input value={filters.tag} onInput={set('tag')} />
        </label>
        <label>
          {t('contacts.reachable')}{' '}
          <select value={filters.reachable} onChange={set('reachable')}>
            <option value="">{t('contacts.any')}</option>
            {CHANNELS.map((channel) => (
              <option key={channel} value={channel}>
                {channel}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
    </form>
  );
}
