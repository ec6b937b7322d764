import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { ErrorBox, Loading } from '../../components/states';
import { formatDate, t, type MessageKey } from '../../i18n';
import { ChannelLabel } from './channel-label';
import { messageText } from './message-text';

type Message = Schemas['ThreadMessageView'];
type RenderedTemplate = NonNullable<Message['rendered_template']>;
type Call = Schemas['ThreadCallView'];
type Segment = Schemas['TranscriptSegmentView'];

/** The anchor a call's deep link ends with (CALL_DEEP_LINK_TEMPLATE: …/thread#call-{call_id}). */
export const callAnchor = (callId: string) => `call-${callId}`;

export function MessageItem({ message }: { message: Message }) {
  const inbound = message.direction === 'inbound';
  const text = messageText(message.type, message.body);
  return (
    <li class={`bubble ${inbound ? 'bubble-inbound' : 'bubble-outbound'}`} id={`message-${message.id}`}>
      <p class="bubble-meta">
        <strong>{t(inbound ? 'thread.customer' : 'thread.business')}</strong>
        <ChannelLabel channel={message.channel} />
        <time dateTime={message.created_at}>{formatDate(message.created_at)}</time>
      </p>
      {message.rendered_template ? <TemplateAsRead template={message.rendered_template} /> : <p>{text ?? `[${message.type}]`}</p>}
      {!inbound && (
        <p class={`bubble-meta message-state ${message.state === 'failed' ? 'state-failed' : ''}`}>
          {t('thread.status', { state: t(`msg.${message.state}` as MessageKey) })}
        </p>
      )}
    </li>
  );
}

const isWebLink = (url: string) => /^https?:\/\//i.test(url);

/** A template message as the customer read it, its name as a small label above. */
function TemplateAsRead({ template }: { template: RenderedTemplate }) {
  return (
    <>
      <p class="template-name">{t('thread.template', { name: template.name })}</p>
      {template.header && <p class="template-header">{template.header}</p>}
      <p>{template.body}</p>
      {template.footer && <p class="template-footer">{template.footer}</p>}
      {template.buttons.length > 0 && (
        <ul class="template-buttons" aria-label={t('thread.templateButtons')}>
          {template.buttons.map((button, i) => (
            <li key={i}>
              {button.url && isWebLink(button.url) ? (
                <a href={button.url} target="_blank" rel="noopener noreferrer">
                  {button.text}
                </a>
              ) : (
                button.text
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * A call in the thread, under the anchor its deep link names. The contact's latest call is open
 * with its transcript; older ones are folded and fetch their transcript when unfolded.
 */
export function CallItem({ call, targeted }: { call: Call; targeted: boolean }) {
  const [open, setOpen] = useState(!call.collapsed || targeted);
  useEffect(() => {
    if (targeted) setOpen(true);
  }, [targeted]);
  const titleId = `${callAnchor(call.id)}-title`;
  return (
    <li class={targeted ? 'call-item targeted' : 'call-item'} id={callAnchor(call.id)} aria-labelledby={titleId} tabIndex={-1}>
      <h3 id={titleId}>
        {t(call.direction === 'user_initiated' ? 'call.inbound' : 'call.outbound')} — {t(`call.${call.state}`)}
      </h3>
      <p class="bubble-meta">
        <time dateTime={call.created_at}>{formatDate(call.created_at)}</time>
        {call.duration_seconds !== null && <span>{t('call.duration', { seconds: call.duration_seconds })}</span>}
        <a href={`#${callAnchor(call.id)}`}>{t('call.link')}</a>
      </p>
      {call.collapsed ? (
        <details open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
          <summary>{t('call.details')}</summary>
          {open && <FoldedCallDetails callId={call.id} />}
        </details>
      ) : (
        <CallNotes transcript={call.transcript} summary={call.summary} />
      )}
    </li>
  );
}

function FoldedCallDetails({ callId }: { callId: string }) {
  const [state, setState] = useState<{ details?: Schemas['CallDetailsView']; error?: unknown }>({});
  useEffect(() => {
    let current = true;
    api
      .GET('/v1/calls/{id}/details', { params: { path: { id: callId } } })
      .then(ok)
      .then(
        (details) => current && setState({ details }),
        (error: unknown) => current && setState({ error }),
      );
    return () => {
      current = false;
    };
  }, [callId]);
  if (state.error !== undefined) return <ErrorBox error={state.error} />;
  if (!state.details) return <Loading />;
  return <CallNotes transcript={state.details.transcript} summary={state.details.summary} />;
}

function CallNotes({ transcript, summary }: { transcript: Segment[] | null; summary: Schemas['CallSummaryView'] | null }) {
  return (
    <>
      {summary && (
        <p>
          <strong>{t('call.summary')}:</strong> {summary.reason} — {summary.outcome}
        </p>
      )}
      <h4>{t('call.transcript')}</h4>
      {transcript && transcript.length > 0 ? (
        <ol class="transcript">
          {transcript.map((segment) => (
            <li key={`${segment.start_ms}-${segment.speaker}`}>
              <strong>{segment.name}:</strong> {segment.text}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{t('call.noTranscript')}</p>
      )}
    </>
  );
}
