import { useEffect } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { liveEvents } from '../../api/events';
import { Link } from '../../components/link';
import { useLoad } from '../../components/use-load';
import { formatDate, t } from '../../i18n';

function loadOngoing() {
  return api.GET('/v1/calls/ongoing').then(ok);
}

/**
 * The calls not ended yet, floating above the history. Every call event of the live stream
 * (state changes, participants, invites) reloads them, so a call appears and leaves as it happens.
 */
export function OngoingCalls() {
  const [ongoing, reload] = useLoad(loadOngoing, []);
  useEffect(() => liveEvents.on((event) => event.type.startsWith('call') && !event.type.startsWith('call_permission') && reload()), [reload]);
  // Nothing ongoing (or the list could not be read): the history below says enough.
  if (ongoing.state !== 'ready' || ongoing.data.length === 0) return null;
  return (
    <aside class="ongoing" aria-labelledby="ongoing-title" aria-live="polite">
      <h2 id="ongoing-title">{t('calls.ongoingCount', { count: ongoing.data.length })}</h2>
      <ul>
        {ongoing.data.map((call) => (
          <li key={call.id}>
            <Link to={`/calls/${call.id}`}>{t('calls.open', { when: formatDate(call.created_at) })}</Link>{' '}
            <span class="badge">{t(`callState.${call.state}`)}</span> <span class="muted">{t(`direction.${call.direction}`)}</span>
          </li>
        ))}
      </ul>
    </aside>
  );
}
