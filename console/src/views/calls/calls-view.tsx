import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { Link } from '../../components/link';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { formatDate, t } from '../../i18n';
import { CallFiltersForm, historyQuery, NO_CALL_FILTERS, type CallFilters } from './call-filters';
import { OngoingCalls } from './ongoing-calls';

const PAGE_SIZE = 25;
type HistoryItem = Schemas['CallHistoryItemView'];

function loadPage(filters: CallFilters, cursor?: string) {
  return api.GET('/v1/calls', { params: { query: { ...historyQuery(filters), limit: PAGE_SIZE, cursor } } }).then(ok);
}

/** The agents of the account, for the agent filter; a refusal leaves the filter with "any" only. */
function loadAgents() {
  return api
    .GET('/v1/agents')
    .then(ok)
    .catch(() => [] as Schemas['AgentView'][]);
}

export function CallsView() {
  const [filters, setFilters] = useState(NO_CALL_FILTERS);
  const [agents] = useLoad(loadAgents, []);
  const [first, reload] = useLoad(() => loadPage(filters), [filters]);
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('calls.title')}
      </h1>
      <OngoingCalls />
      <CallFiltersForm initial={filters} agents={agents.state === 'ready' ? agents.data : []} onApply={setFilters} />
      {first.state === 'loading' && <Loading />}
      {first.state === 'error' && <ErrorBox error={first.error} onRetry={reload} />}
      {first.state === 'ready' && <CallList key={JSON.stringify(filters)} filters={filters} firstPage={first.data} />}
    </section>
  );
}

/** The pages read so far; "load more" follows next_cursor until the last page. */
function CallList({ filters, firstPage }: { filters: CallFilters; firstPage: Schemas['CallHistoryPage'] }) {
  const [items, setItems] = useState(firstPage.items);
  const [cursor, setCursor] = useState(firstPage.next_cursor);
  const [more, setMore] = useState<{ loading: boolean; error?: unknown }>({ loading: false });
  if (items.length === 0) return <Empty>{t('calls.empty')}</Empty>;
  const loadMore = async () => {
    if (!cursor) return;
    setMore({ loading: true });
    try {
      const page = await loadPage(filters, cursor);
      setItems([...items, ...page.items]);
      setCursor(page.next_cursor);
      setMore({ loading: false });
    } catch (error) {
      setMore({ loading: false, error });
    }
  };
  return (
    <div class="results">
      <h2 id="calls-list-title">{t('calls.list')}</h2>
      <table class="data-table" aria-labelledby="calls-list-title">
        <thead>
          <tr>
            <th scope="col">{t('calls.when')}</th>
            <th scope="col">{t('calls.direction')}</th>
            <th scope="col">{t('calls.state')}</th>
            <th scope="col">{t('calls.recording')}</th>
            <th scope="col">{t('calls.transcript')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((call) => (
            <CallRow key={call.id} call={call} />
          ))}
        </tbody>
      </table>
      {more.loading && <Loading />}
      {more.error !== undefined && <ErrorBox error={more.error} onRetry={loadMore} />}
      {cursor && !more.loading && (
        <button type="button" onClick={loadMore}>
          {t('calls.more')}
        </button>
      )}
    </div>
  );
}

function CallRow({ call }: { call: HistoryItem }) {
  const when = formatDate(call.created_at);
  const yes = '✓';
  return (
    <tr>
      <td>
        <Link to={`/calls/${call.id}`}>{t('calls.open', { when })}</Link>
        {call.duration_seconds !== null && <span class="muted"> · {t('calls.duration', { seconds: call.duration_seconds })}</span>}
      </td>
      <td>{t(`direction.${call.direction}`)}</td>
      <td>
        <span class={`badge badge-${call.state}`}>{t(`callState.${call.state}`)}</span>
      </td>
      <td>{call.has_recording ? yes : t('contact.none')}</td>
      <td>{call.has_transcript ? yes : t('contact.none')}</td>
    </tr>
  );
}
