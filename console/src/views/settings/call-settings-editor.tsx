import { useState } from 'preact/hooks';
import { api, apiError, ApiError, ok, type Schemas } from '../../api/client';
import { ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { t } from '../../i18n';
import { HolidayFields, HoursFields } from './call-hours-fields';
import { formFromSettings, settingsBody, type SettingsForm } from './settings-form';

type View = Schemas['CallSettingsView'];
type Outcome = { kind: 'saved' } | { kind: 'pushFailed'; message: string } | { kind: 'error'; error: unknown };

export function CallSettingsEditor({ numberId }: { numberId: string }) {
  const path = { params: { path: { id: numberId } } };
  const [result, reload] = useLoad(() => api.GET('/v1/whatsapp-numbers/{id}/call-settings', path).then(ok), [numberId]);
  if (result.state === 'loading') return <Loading />;
  if (result.state === 'error') return <ErrorBox error={result.error} onRetry={reload} />;
  return <Editor numberId={numberId} view={result.data} />;
}

function Editor({ numberId, view }: { numberId: string; view: View }) {
  const [saved, setSaved] = useState(view.settings as Record<string, unknown> | null);
  const [push, setPush] = useState(view.push.status);
  const [form, setForm] = useState<SettingsForm>(() => formFromSettings(saved));
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function save(event: Event) {
    event.preventDefault();
    setSaving(true);
    setOutcome(null);
    try {
      const body = settingsBody(saved, form);
      const result = await api.PUT('/v1/whatsapp-numbers/{id}/call-settings', { params: { path: { id: numberId } }, body });
      if (result.response.status === 502) {
        // Saved, but Meta refused it: the body says why and what is stored now.
        const failed = result.error as unknown as Schemas['CallSettingsPushFailedView'];
        setSaved(failed.call_settings.settings as Record<string, unknown> | null);
        setPush(failed.call_settings.push.status);
        setOutcome({ kind: 'pushFailed', message: failed.meta_error.message });
      } else {
        const stored = ok(result);
        setSaved(stored.settings as Record<string, unknown> | null);
        setPush(stored.push.status);
        setOutcome({ kind: 'saved' });
      }
    } catch (error) {
      setOutcome({ kind: 'error', error: error instanceof ApiError ? error : apiError(0, { message: String(error) }) });
    } finally {
      setSaving(false);
    }
  }

  const toggle = (key: 'enabled' | 'iconVisible' | 'callbackEnabled', label: string) => (
    <label class="check">
      <input type="checkbox" checked={form[key]} onChange={(e) => setForm({ ...form, [key]: e.currentTarget.checked })} /> {label}
    </label>
  );

  return (
    <form class="settings" onSubmit={save} aria-describedby="push-status">
      <p id="push-status" class="muted">
        {t('settings.push', { status: t(`push.${push}`) })}
      </p>
      <fieldset>
        <legend>{t('settings.calling')}</legend>
        {toggle('enabled', t('settings.calling'))}
        {toggle('iconVisible', t('settings.icon'))}
        {toggle('callbackEnabled', t('settings.callback'))}
      </fieldset>
      <HoursFields form={form} onChange={setForm} />
      <HolidayFields form={form} onChange={setForm} />
      <button type="submit" disabled={saving}>
        {saving ? t('settings.saving') : t('settings.save')}
      </button>
      <div aria-live="polite">
        {outcome?.kind === 'saved' && <p role="status" class="success">{t('settings.saved')}</p>}
        {outcome?.kind === 'pushFailed' && <p role="alert">{t('settings.pushFailed', { message: outcome.message })}</p>}
        {outcome?.kind === 'error' && <ErrorBox error={outcome.error} />}
      </div>
    </form>
  );
}
