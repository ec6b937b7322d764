import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { liveEvents } from '../../api/events';
import { Link } from '../../components/link';
import { formatDate, t } from '../../i18n';

function loadOngoing() {
  return api.GET('/v1/calls/ongoing').then(ok);
}

/**
 * The calls not ended yet, floating above the history. Every call event of the live stream
 * (participants, invites) reloads them; the list on screen stays until the new one arrives, so a
 * call leaves the panel only when the API no longer counts it as ongoing.
 */
export function OngoingCalls() {
  const [calls, setCalls] = useState<Schemas['CallView'][]>([]);
  useEffect(() => {
    let current = true;
    // A failed read keeps what is shown: the history below still lists every call.
    const refresh = () => loadOngoing().then((data) => current && setCalls(data), () => undefined);
    void refresh();
    const unsubscribe = liveEvents.on((event) => {
      if (event.type.startsWith('call.')) void refresh();
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, []);
  if (calls.length === 0) return null;
  return (
    <aside class="ongoing" aria-labelledby="ongoing-title">
      <h2 id="ongoing-title">{t('calls.ongoingCount', { count: calls.length })}</h2>
      <ul>
        {calls.map((call) => (
          <li key={call.id}>
            <Link to={`/calls/${call.id}`}>{t('calls.open', { when: formatDate(call.created_at) })}</Link>{' '}
            <span class="badge">{t(`callState.${call.state}`)}</span> <span class="muted">{t(`direction.${call.direction}`)}</span>
          </li>
        ))}
      </ul>
    </aside>
  );
}
