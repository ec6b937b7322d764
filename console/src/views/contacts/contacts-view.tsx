import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { Link } from '../../components/link';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { t, type MessageKey } from '../../i18n';
import { NO_FILTERS, SearchForm, type SearchFilters } from './search-form';

const PER_PAGE = 20;
const FACETS: Record<string, MessageKey> = { status: 'contacts.facet.status', tags: 'contacts.facet.tags', reachable: 'contacts.facet.reachable' };
/** A facet value applied as a filter: facet field → the filter it sets. */
const FACET_FILTER: Record<string, keyof SearchFilters> = { status: 'status', tags: 'tag', reachable: 'reachable' };

function search(filters: SearchFilters, page: number) {
  return api
    .GET('/v1/contacts/search', {
      params: {
        query: {
          q: filters.q || undefined,
          status: filters.status ? [filters.status] : undefined,
          tag: filters.tag ? [filters.tag] : undefined,
          reachable: filters.reachable ? [filters.reachable] : undefined,
          facet_by: Object.keys(FACETS).join(','),
          page,
          per_page: PER_PAGE,
        },
      },
    })
    .then(ok);
}

export function ContactsView() {
  const [filters, setFilters] = useState(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [result, reload] = useLoad(() => search(filters, page), [filters, page]);
  const apply = (next: SearchFilters) => {
    setFilters(next);
    setPage(1);
  };
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('contacts.title')}
      </h1>
      <SearchForm key={JSON.stringify(filters)} initial={filters} onSearch={apply} />
      {result.state === 'loading' && <Loading />}
      {result.state === 'error' && <ErrorBox error={result.error} onRetry={reload} />}
      {result.state === 'ready' && (
        <div class="results-layout">
          <Results data={result.data} page={page} onPage={setPage} />
          <Facets facets={result.data.facets} onPick={(field, value) => apply({ ...filters, [FACET_FILTER[field]]: value })} />
        </div>
      )}
    </section>
  );
}

function Results({ data, page, onPage }: { data: Schemas['ContactSearchView']; page: number; onPage: (page: number) => void }) {
  if (data.hits.length === 0) return <Empty>{t('contacts.empty')}</Empty>;
  const pages = Math.max(1, Math.ceil(data.found / data.per_page));
  return (
    <div class="results">
      <h2 id="results-title">{t('contacts.results')}</h2>
      <p role="status">{t('contacts.found', { count: data.found })}</p>
      <ul aria-labelledby="results-title" class="contact-list">
        {data.hits.map((hit) => (
          <li key={hit.id}>
            <Link to={`/contacts/${hit.id}`}>{hit.name ?? t('contacts.unnamed')}</Link>
            <span class="muted"> {[...hit.phones, ...hit.emails].slice(0, 2).join(' · ')}</span>
            {hit.status && <span class="badge">{hit.status}</span>}
            {hit.tags.map((tag) => (
              <span key={tag} class="badge badge-tag">
                {tag}
              </span>
            ))}
          </li>
        ))}
      </ul>
      {pages > 1 && (
        <div class="pager">
          <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            {t('contacts.previous')}
          </button>
          <span>{t('contacts.page', { page, pages })}</span>
          <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            {t('contacts.next')}
          </button>
        </div>
      )}
    </div>
  );
}

function Facets({ facets, onPick }: { facets: Schemas['ContactSearchFacetView'][]; onPick: (field: string, value: string) => void }) {
  const shown = facets.filter((facet) => facet.field in FACETS && facet.counts.length > 0);
  if (shown.length === 0) return null;
  return (
    <aside aria-label={t('contacts.facets')} class="facets">
      {shown.map((facet) => (
        <div key={facet.field}>
          <h2>{t(FACETS[facet.field])}</h2>
          <ul>
            {facet.counts.map((count) => (
              <li key={count.value}>
                <button type="button" class="link-button" onClick={() => onPick(facet.field, count.value)}>
                  {count.value} <span class="muted">({count.count})</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </aside>
  );
}
