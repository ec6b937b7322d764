import { api, ok, type Schemas } from '../../api/client';
import { Link } from '../../components/link';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { formatDate, t } from '../../i18n';
import { RecordingPlayer } from './recording-player';

type Details = Schemas['CallDetailsView'];

function loadDetails(id: string) {
  return api.GET('/v1/calls/{id}/details', { params: { path: { id } } }).then(ok);
}

/** m:ss from the call's answer, as the transcript's offsets are counted. */
export function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function CallDetailsView({ id }: { id: string }) {
  const [result, reload] = useLoad(() => loadDetails(id), [id]);
  return (
    <section aria-labelledby="view-title">
      <p>
        <Link to="/calls">← {t('call.back')}</Link>
      </p>
      {result.state === 'loading' && <Loading />}
      {result.state === 'error' && <ErrorBox error={result.error} onRetry={reload} />}
      {result.state === 'ready' && <CallDetails details={result.data} />}
    </section>
  );
}

function CallDetails({ details }: { details: Details }) {
  const { call } = details;
  const customerName = details.participants.find((p) => p.kind === 'customer')?.name ?? t('call.customer');
  return (
    <>
      <h1 id="view-title" tabIndex={-1}>
        {t('call.title', { when: formatDate(call.created_at) })}
      </h1>
      <p class="row">
        <span class="badge">{t(`callState.${call.state}`)}</span>
        <span>{t(`direction.${call.direction}`)}</span>
        {call.duration_seconds !== null && <span class="muted">{t('calls.duration', { seconds: call.duration_seconds })}</span>}
        <Link to={`/contacts/${call.contact_id}/thread#call-${call.id}`}>{t('call.thread')}</Link>
      </p>
      <div class="cards">
        <section class="card" aria-labelledby="participants-title">
          <h2 id="participants-title">{t('call.participants')}</h2>
          <ul>
            {details.participants.map((p) => (
              <li key={p.identity}>
                {p.name ?? p.identity} <span class="muted">({p.kind === 'customer' ? t('call.customer') : t('call.agentKind')})</span>
              </li>
            ))}
          </ul>
        </section>
        <section class="card" aria-labelledby="summary-title">
          <h2 id="summary-title">{t('call.summary')}</h2>
          <Summary summary={details.summary} />
        </section>
      </div>
      <section aria-labelledby="recordings-title">
        <h2 id="recordings-title">{t('call.recordings')}</h2>
        {details.recordings.length === 0 ? (
          <Empty>{t('call.noRecordings')}</Empty>
        ) : (
          details.recordings.map((recording) => (
            <RecordingPlayer key={recording.id} callId={call.id} recording={recording} label={recordingLabel(recording, details, customerName)} />
          ))
        )}
      </section>
      <section aria-labelledby="transcript-title">
        <h2 id="transcript-title">{t('call.transcript')}</h2>
        <Transcript segments={details.transcript} />
      </section>
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">{t('call.steps')}</h2>
        <ul>
          {(['recording', 'transcription', 'summary'] as const).map((step) => (
            <li key={step}>
              {t('call.step', { step, status: details.steps[step].status })}
              {details.steps[step].reason && <span class="muted"> — {details.steps[step].reason}</span>}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** "Everyone (mixed)" or whose voice a per-speaker track carries. */
function recordingLabel(recording: Schemas['RecordingView'], details: Details, customerName: string): string {
  if (recording.kind === 'mixed') return t('call.recordingMixed');
  const agent = details.participants.find((p) => p.kind === 'agent' && p.agent_id === recording.agent_id);
  const speaker = recording.speaker === 'customer' ? customerName : agent?.name ?? t('call.agentKind');
  return t('call.recordingSpeaker', { speaker });
}

function Transcript({ segments }: { segments: Details['transcript'] }) {
  if (!segments || segments.length === 0) return <Empty>{t('call.noTranscript')}</Empty>;
  return (
    <ol class="transcript">
      {segments.map((segment) => (
        <li key={`${segment.start_ms}-${segment.speaker}`} class={`speaker-${segment.speaker}`}>
          <span class="muted">{clock(segment.start_ms)}</span> <strong>{segment.name}:</strong> {segment.text}
        </li>
      ))}
    </ol>
  );
}

function Summary({ summary }: { summary: Details['summary'] }) {
  if (!summary) return <Empty>{t('call.noSummary')}</Empty>;
  return (
    <dl>
      <div>
        <dt>{t('call.reason')}</dt>
        <dd>{summary.reason}</dd>
      </div>
      <div>
        <dt>{t('call.outcome')}</dt>
        <dd>{summary.outcome}</dd>
      </div>
      <div>
        <dt>{t('call.nextSteps')}</dt>
        <dd>{summary.next_steps.join('; ') || t('contact.none')}</dd>
      </div>
      <div>
        <dt>{t('call.sentiment')}</dt>
        <dd>{summary.sentiment}</dd>
      </div>
      <div>
        <dt>{t('call.followUp')}</dt>
        <dd>{summary.follow_up_date ?? t('contact.none')}</dd>
      </div>
    </dl>
  );
}
