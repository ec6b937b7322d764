import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { t, useLang } from '../../i18n';
import { StoreEvents, StoreFunnels } from './store-lists';
import { StatsChart } from './stats-chart';

function loadStores() {
  return api.GET('/v1/stores').then(ok);
}

/** The store's statistics per template (named by its event, step and variant) and per funnel. */
async function loadStats(storeId: string) {
  const path = { id: storeId };
  const [byTemplate, byFunnel, templates] = await Promise.all([
    api.GET('/v1/stores/{id}/stats', { params: { path, query: { group_by: 'template' } } }).then(ok),
    api.GET('/v1/stores/{id}/stats', { params: { path, query: { group_by: 'funnel' } } }).then(ok),
    api.GET('/v1/stores/{storeId}/templates', { params: { path: { storeId } } }).then(ok),
  ]);
  return { byTemplate: byTemplate.rows, byFunnel: byFunnel.rows, templates };
}

export function FunnelsView() {
  useLang();
  const [stores, reload] = useLoad(loadStores, []);
  const [picked, setPicked] = useState<string | undefined>();
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('funnels.title')}
      </h1>
      {stores.state === 'loading' && <Loading />}
      {stores.state === 'error' && <ErrorBox error={stores.error} onRetry={reload} />}
      {stores.state === 'ready' &&
        (stores.data.length === 0 ? (
          <Empty>{t('funnels.noStores')}</Empty>
        ) : (
          <StorePicker stores={stores.data} storeId={picked ?? stores.data[0].id} onPick={setPicked} />
        ))}
    </section>
  );
}

function StorePicker({ stores, storeId, onPick }: { stores: Schemas['StoreView'][]; storeId: string; onPick: (id: string) => void }) {
  return (
    <>
      <p>
        <label>
          {t('funnels.store')}{' '}
          <select value={storeId} onChange={(e) => onPick(e.currentTarget.value)}>
            {stores.map((store) => (
              <option key={store.id} value={store.id}>
                {store.name}
              </option>
            ))}
          </select>
        </label>
      </p>
      <StoreStats key={storeId} storeId={storeId} />
      <StoreEvents key={`events-${storeId}`} storeId={storeId} />
      <StoreFunnels key={`funnels-${storeId}`} storeId={storeId} />
    </>
  );
}

function StoreStats({ storeId }: { storeId: string }) {
  const [stats, reload] = useLoad(() => loadStats(storeId), [storeId]);
  if (stats.state === 'loading') return <Loading />;
  if (stats.state === 'error') return <ErrorBox error={stats.error} onRetry={reload} />;
  const { byTemplate, byFunnel, templates } = stats.data;
  if (byTemplate.length === 0 && byFunnel.length === 0) return <Empty>{t('funnels.noStats')}</Empty>;
  const templateName = (row: Schemas['StatsRowView']) => {
    const template = templates.find((tpl) => tpl.id === row.template_id);
    if (!template) return `${row.event_type ?? ''} ${t('funnels.deletedTemplate')}`.trim();
    return [template.event_type, template.step === null ? null : `#${template.step + 1}`, template.variant].filter(Boolean).join(' · ');
  };
  return (
    <div class="charts">
      <StatsChart id="by-template" title={t('funnels.byTemplate')} rows={byTemplate} labelHeading="funnels.template" labelOf={templateName} />
      <StatsChart id="by-funnel" title={t('funnels.byFunnel')} rows={byFunnel} labelHeading="funnels.funnel" labelOf={(row) => row.funnel ?? ''} />
    </div>
  );
}
