import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, ok, type Schemas } from '../../api/client';
import { liveEvents } from '../../api/events';
import { enterCall } from '../../calls/enter-call';
import { prepareCallRoom } from '../../calls/room';
import { ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { formatDate, t } from '../../i18n';

type Permission = Schemas['CallPermissionView'];

/** A refusal the API explains with a time: 429 `next_allowed_at` (request limits, the 24 h call quota). */
function nextAllowedAt(error: unknown): string | null {
  const body = error instanceof ApiError ? (error.body as { next_allowed_at?: string } | undefined) : undefined;
  return body?.next_allowed_at ?? null;
}

/**
 * Calling the customer from their page: the call permission on the business number (its state
 * and when the next request is allowed), asking for it, and the Call button. The state follows
 * the call_permission.updated events.
 */
export function ContactCalls({ contactId }: { contactId: string }) {
  const [numbers] = useLoad(() => api.GET('/v1/whatsapp-numbers').then(ok), []);
  const [numberId, setNumberId] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (numbers.state === 'ready' && !numberId) setNumberId(numbers.data[0]?.id);
  }, [numbers]);

  return (
    <section class="card contact-calls" aria-labelledby="contact-calls-title">
      <h2 id="contact-calls-title">{t('contactCalls.title')}</h2>
      {numbers.state === 'loading' && <Loading />}
      {numbers.state === 'error' && <ErrorBox error={numbers.error} />}
      {numbers.state === 'ready' && numbers.data.length === 0 && <p>{t('contactCalls.noNumber')}</p>}
      {numbers.state === 'ready' && numbers.data.length > 1 && (
        <label>
          {t('contactCalls.number')}{' '}
          <select value={numberId} onChange={(e) => setNumberId(e.currentTarget.value)}>
            {numbers.data.map((n) => (
              <option key={n.id} value={n.id}>
                {n.display_phone_number}
              </option>
            ))}
          </select>
        </label>
      )}
      {numberId && <PermissionAndCall contactId={contactId} numberId={numberId} />}
    </section>
  );
}

function PermissionAndCall({ contactId, numberId }: { contactId: string; numberId: string }) {
  const query = { params: { query: { whatsapp_number_id: numberId, contact_id: contactId } } };
  const [permission, reload] = useLoad(() => api.GET('/v1/call-permissions', query).then(ok), [contactId, numberId]);
  const [busy, setBusy] = useState<'request' | 'call' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(
    () =>
      liveEvents.on(({ type, data }) => {
        const event = (data ?? {}) as { contact_id?: string; whatsapp_number_id?: string };
        if (type === 'call_permission.updated' && event.contact_id === contactId && event.whatsapp_number_id === numberId) reload();
      }),
    [contactId, numberId],
  );

  async function run(action: 'request' | 'call') {
    setBusy(action);
    setError(null);
    setNotice(null);
    const body = { whatsapp_number_id: numberId, contact_id: contactId };
    try {
      if (action === 'request') {
        ok(await api.POST('/v1/call-permissions/requests', { body }));
        setNotice(t('contactCalls.requested'));
        reload();
      } else {
        prepareCallRoom(); // the audio library downloads while the call is placed
        const started = ok(await api.POST('/v1/calls', { body }));
        enterCall({ callId: started.call.id, contactId, join: started.join });
        setNotice(t('contactCalls.calling'));
      }
    } catch (err) {
      setError(err);
      const next = nextAllowedAt(err);
      if (next) setNotice(t(action === 'request' ? 'contactCalls.nextRequest' : 'contactCalls.quotaUsed', { at: formatDate(next) }));
    } finally {
      setBusy(null);
    }
  }

  if (permission.state === 'loading') return <Loading />;
  if (permission.state === 'error') return <ErrorBox error={permission.error} onRetry={reload} />;
  const p = permission.data;
  return (
    <>
      <PermissionState permission={p} />
      <div class="actions">
        <button type="button" disabled={busy !== null || p.status === 'pending'} onClick={() => void run('request')}>
          {busy === 'request' ? t('contactCalls.requesting') : t('contactCalls.request')}
        </button>{' '}
        <button type="button" disabled={busy !== null || p.status !== 'granted'} onClick={() => void run('call')}>
          {busy === 'call' ? t('contactCalls.dialing') : t('contactCalls.call')}
        </button>
      </div>
      {notice && <p role="status">{notice}</p>}
      {error !== null && <ErrorBox error={error} />}
    </>
  );
}

function PermissionState({ permission: p }: { permission: Permission }) {
  // Meta's live start_call limit, once refreshed (POST /v1/call-permissions/refresh): the 24 h quota it imposes.
  const startCall = (p.meta as { start_call?: { limits?: Array<{ maxAllowed?: number; currentUsage?: number; timePeriod?: string }> } } | null)?.start_call;
  const quota = startCall?.limits?.[0];
  return (
    <dl>
      <dt>{t('contactCalls.permission')}</dt>
      <dd>
        <span role="status">{t(`permission.${p.status}`)}</span>
      </dd>
      {p.expires_at && (
        <>
          <dt>{t('contactCalls.expires')}</dt>
          <dd>{formatDate(p.expires_at)}</dd>
        </>
      )}
      <dt>{t('contactCalls.nextAllowed')}</dt>
      <dd>{p.next_request_allowed_at ? formatDate(p.next_request_allowed_at) : t('contactCalls.now')}</dd>
      {quota?.maxAllowed !== undefined && (
        <>
          <dt>{t('contactCalls.quota')}</dt>
          <dd>{t('contactCalls.quotaUsage', { used: quota.currentUsage ?? 0, max: quota.maxAllowed })}</dd>
        </>
      )}
    </dl>
  );
}
