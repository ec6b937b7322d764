import { formatList, t } from '../i18n';
import type { Loaded } from './loaded';

/** A call under way in the account (GET /v1/calls/ongoing), as the strip above the history shows it. */
export interface OngoingCall {
  id: string;
  contactName: string;
  agentNames: string[];
  /** When it was answered, as an ISO time; the strip shows how long it has lasted. */
  answeredAt?: string;
}

export interface OngoingCallsStripProps {
  calls: Loaded<OngoingCall[]>;
  /** Now, as Date.now(): passed in, so the parent's clock ticks and the strip stays pure. */
  now: number;
  onOpen(callId: string): void;
}

export function elapsed(fromIso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

const withAgents = (names: string[]) => (names.length ? t('calls.withAgents', { names: formatList(names) }) : t('calls.noAgents'));

export function OngoingCallsStrip({ calls, now, onOpen }: OngoingCallsStripProps) {
  return (
    <nav aria-label={t('calls.ongoingCalls')} class="ongoing-calls">
      <h2>{t('calls.ongoingCalls')}</h2>
      {calls.state === 'loading' ? (
        <p role="status">{t('calls.loadingCalls')}</p>
      ) : calls.state === 'failed' ? (
        <p role="alert">{calls.message}</p>
      ) : calls.value.length === 0 ? (
        <p>{t('calls.noOngoingCalls')}</p>
      ) : (
        <ul>
          {calls.value.map((call) => (
            <li key={call.id}>
              <button type="button" title={t('calls.openCall', { contact: call.contactName })} onClick={() => onOpen(call.id)}>
                <span>{call.contactName}</span> <span>{withAgents(call.agentNames)}</span>
                {call.answeredAt ? <time dateTime={call.answeredAt}> {elapsed(call.answeredAt, now)}</time> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
