import type { Loaded } from './loaded';
import type { CallTexts } from './texts';

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
  t: CallTexts;
  onOpen(callId: string): void;
}

export function elapsed(fromIso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

export function OngoingCallsStrip({ calls, now, t, onOpen }: OngoingCallsStripProps) {
  return (
    <nav aria-label={t.ongoingCalls} class="ongoing-calls">
      <h2>{t.ongoingCalls}</h2>
      {calls.state === 'loading' ? (
        <p role="status">{t.loadingCalls}</p>
      ) : calls.state === 'failed' ? (
        <p role="alert">{calls.message}</p>
      ) : calls.value.length === 0 ? (
        <p>{t.noOngoingCalls}</p>
      ) : (
        <ul>
          {calls.value.map((call) => (
            <li key={call.id}>
              <button type="button" title={t.openCall(call.contactName)} onClick={() => onOpen(call.id)}>
                <span>{call.contactName}</span> <span>{t.withAgents(call.agentNames)}</span>
                {call.answeredAt ? <time dateTime={call.answeredAt}> {elapsed(call.answeredAt, now)}</time> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
