import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { t } from '../../i18n';

/** Whether the customer may call, and the switch (PUT / DELETE /v1/contacts/{id}/call-block). */
export function CallBlock({ contactId }: { contactId: string }) {
  const params = { params: { path: { id: contactId } } };
  const [result, reload, replace] = useLoad(() => api.GET('/v1/contacts/{id}/call-block', params).then(ok), [contactId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function toggle(block: boolean) {
    setBusy(true);
    setError(null);
    try {
      replace(ok(block ? await api.PUT('/v1/contacts/{id}/call-block', params) : await api.DELETE('/v1/contacts/{id}/call-block', params)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="block-title">
      <h2 id="block-title">{t('block.title')}</h2>
      {result.state === 'loading' && <Loading />}
      {result.state === 'error' && <ErrorBox error={result.error} onRetry={reload} />}
      {result.state === 'ready' && (
        <>
          <p role="status">{t(result.data.blocked ? 'block.blocked' : 'block.allowed')}</p>
          <button type="button" disabled={busy} onClick={() => toggle(!result.data.blocked)}>
            {t(result.data.blocked ? 'block.unblock' : 'block.block')}
          </button>
        </>
      )}
      {error !== null && <ErrorBox error={error} />}
    </section>
  );
}
