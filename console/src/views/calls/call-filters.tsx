import { useState } from 'preact/hooks';
import type { Schemas } from '../../api/client';
import { t, type MessageKey } from '../../i18n';

export const CALL_STATES = ['dialing', 'ringing', 'accepted', 'completed', 'rejected', 'not_answered', 'failed'] as const;
const DIRECTIONS = ['business_initiated', 'user_initiated'] as const;

/** The history's filters as the form holds them: empty strings mean "any". */
export interface CallFilters {
  direction: '' | (typeof DIRECTIONS)[number];
  state: '' | (typeof CALL_STATES)[number];
  agentId: string;
  contactId: string;
  /** datetime-local values (the agent's own time zone). */
  from: string;
  to: string;
  hasRecording: '' | 'true' | 'false';
  hasTranscript: '' | 'true' | 'false';
}

export const NO_CALL_FILTERS: CallFilters = {
  direction: '',
  state: '',
  agentId: '',
  contactId: '',
  from: '',
  to: '',
  hasRecording: '',
  hasTranscript: '',
};

/** The query of GET /v1/calls for these filters: local times become RFC 3339 instants. */
export function historyQuery(filters: CallFilters) {
  const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const flag = (value: '' | 'true' | 'false') => (value === '' ? undefined : value === 'true');
  return {
    direction: filters.direction || undefined,
    state: filters.state || undefined,
    agent_id: filters.agentId || undefined,
    contact_id: filters.contactId.trim() || undefined,
    from: instant(filters.from),
    to: instant(filters.to),
    has_recording: flag(filters.hasRecording),
    has_transcript: flag(filters.hasTranscript),
  };
}

interface Props {
  initial: CallFilters;
  agents: Schemas['AgentView'][];
  onApply: (filters: CallFilters) => void;
}

/** The history's filter form: every control labelled, applied on submit (Enter works from any field). */
export function CallFiltersForm({ initial, agents, onApply }: Props) {
  const [draft, setDraft] = useState(initial);
  const set = <K extends keyof CallFilters>(key: K, value: CallFilters[K]) => setDraft({ ...draft, [key]: value });
  const select = (key: keyof CallFilters, label: MessageKey, options: Array<[string, string]>) => (
    <label>
      {t(label)}{' '}
      <select value={draft[key]} onChange={(e) => set(key, e.currentTarget.value as never)}>
        <option value="">{t('calls.any')}</option>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form
      class="call-filters"
      aria-label={t('calls.filters')}
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <fieldset>
        <legend>{t('calls.filters')}</legend>
        <div class="row">
          {select('direction', 'calls.direction', DIRECTIONS.map((d) => [d, t(`direction.${d}`)]))}
          {select('state', 'calls.state', CALL_STATES.map((s) => [s, t(`callState.${s}`)]))}
          {select('agentId', 'calls.agent', agents.map((a) => [a.id, a.name]))}
          <label>
            {t('calls.contact')}{' '}
            <input value={draft.contactId} onInput={(e) => set('contactId', e.currentTarget.value)} size={36} />
          </label>
        </div>
        <div class="row">
          <label>
            {t('calls.from')}{' '}
            <input type="datetime-local" value={draft.from} onInput={(e) => set('from', e.currentTarget.value)} />
          </label>
          <label>
            {t('calls.to')}{' '}
            <input type="datetime-local" value={draft.to} onInput={(e) => set('to', e.currentTarget.value)} />
          </label>
          {select('hasRecording', 'calls.recording', [
            ['true', t('calls.withRecording')],
            ['false', t('calls.withoutRecording')],
          ])}
          {select('hasTranscript', 'calls.transcript', [
            ['true', t('calls.withTranscript')],
            ['false', t('calls.withoutTranscript')],
          ])}
        </div>
        <div class="row">
          <button type="submit">{t('calls.apply')}</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(NO_CALL_FILTERS);
              onApply(NO_CALL_FILTERS);
            }}
          >
            {t('calls.clear')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
