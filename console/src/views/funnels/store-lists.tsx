import { api, ok } from '../../api/client';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { formatDate, t } from '../../i18n';

/** The deliveries recado could not use: unmapped (no canonical event) and invalid (unreadable), newest first. */
async function loadProblemEvents(storeId: string) {
  const path = { id: storeId };
  const [unmapped, invalid] = await Promise.all(
    (['unmapped', 'invalid'] as const).map((status) => api.GET('/v1/stores/{id}/events', { params: { path, query: { status } } }).then(ok)),
  );
  return [...unmapped, ...invalid].sort((a, b) => b.received_at.localeCompare(a.received_at));
}

export function StoreEvents({ storeId }: { storeId: string }) {
  const [events, reload] = useLoad(() => loadProblemEvents(storeId), [storeId]);
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">{t('funnels.events')}</h2>
      {events.state === 'loading' && <Loading />}
      {events.state === 'error' && <ErrorBox error={events.error} onRetry={reload} />}
      {events.state === 'ready' &&
        (events.data.length === 0 ? (
          <Empty>{t('funnels.noEvents')}</Empty>
        ) : (
          <table class="data-table" aria-labelledby="events-title">
            <thead>
              <tr>
                <th scope="col">{t('funnels.received')}</th>
                <th scope="col">{t('funnels.eventType')}</th>
                <th scope="col">{t('funnels.eventStatus')}</th>
                <th scope="col">{t('funnels.eventReason')}</th>
              </tr>
            </thead>
            <tbody>
              {events.data.map((event) => (
                <tr key={event.id}>
                  <td>{formatDate(event.received_at)}</td>
                  <td>{event.platform_event_type ?? t('contact.none')}</td>
                  <td>
                    <span class="badge">{event.status}</span>
                  </td>
                  <td>{event.reason ?? t('contact.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

function loadFunnels(storeId: string) {
  return api.GET('/v1/stores/{storeId}/funnels', { params: { path: { storeId } } }).then(ok);
}

export function StoreFunnels({ storeId }: { storeId: string }) {
  const [funnels, reload] = useLoad(() => loadFunnels(storeId), [storeId]);
  return (
    <section aria-labelledby="store-funnels-title">
      <h2 id="store-funnels-title">{t('funnels.list')}</h2>
      {funnels.state === 'loading' && <Loading />}
      {funnels.state === 'error' && <ErrorBox error={funnels.error} onRetry={reload} />}
      {funnels.state === 'ready' &&
        (funnels.data.length === 0 ? (
          <Empty>{t('funnels.noFunnels')}</Empty>
        ) : (
          <table class="data-table" aria-labelledby="store-funnels-title">
            <thead>
              <tr>
                <th scope="col">{t('funnels.funnel')}</th>
                <th scope="col">{t('funnels.subject')}</th>
                <th scope="col">{t('funnels.funnelState')}</th>
                <th scope="col">{t('funnels.step')}</th>
                <th scope="col">{t('funnels.started')}</th>
              </tr>
            </thead>
            <tbody>
              {funnels.data.map((funnel) => (
                <tr key={funnel.id}>
                  <td>{funnel.funnel}</td>
                  <td>{funnel.subject}</td>
                  <td>
                    {funnel.state}
                    {funnel.reason && <span class="muted"> — {funnel.reason}</span>}
                  </td>
                  <td class="number">{funnel.step + 1}</td>
                  <td>{formatDate(funnel.started_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
