import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { t } from '../../i18n';
import { CallSettingsEditor } from './call-settings-editor';

/** Call settings per WhatsApp number: pick the number, then edit its settings. */
export function SettingsView() {
  const [numbers, reload] = useLoad(() => api.GET('/v1/whatsapp-numbers').then(ok), []);
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('settings.title')}
      </h1>
      {numbers.state === 'loading' && <Loading />}
      {numbers.state === 'error' && <ErrorBox error={numbers.error} onRetry={reload} />}
      {numbers.state === 'ready' && numbers.data.length === 0 && <Empty>{t('settings.noNumbers')}</Empty>}
      {numbers.state === 'ready' && numbers.data.length > 0 && (
        <>
          <label>
            {t('settings.number')}{' '}
            <select value={chosen ?? numbers.data[0].id} onChange={(e) => setChosen(e.currentTarget.value)}>
              {numbers.data.map((number) => (
                <option key={number.id} value={number.id}>
                  {number.display_phone_number}
                </option>
              ))}
            </select>
          </label>
          <CallSettingsEditor key={chosen ?? numbers.data[0].id} numberId={chosen ?? numbers.data[0].id} />
        </>
      )}
    </section>
  );
}
