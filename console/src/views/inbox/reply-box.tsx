import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import type { LiveEvent } from '../../api/events';
import { ErrorBox, Loading } from '../../components/states';
import { t } from '../../i18n';
import { ChannelLabel } from './channel-label';
import { replyReason } from './reply-reason';
import { TemplateFields, type TemplateChoice } from './template-fields';
import { eventField, useLiveLoad } from './use-live-load';

type Option = Schemas['ReplyOptionView'];
type SendBody = NonNullable<Schemas['SendMessageDto']>;

/** One key per draft: a send retried after a dropped answer is not sent twice (Idempotency-Key). */
const newDraftKey = () => `console-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/**
 * The reply on the customer's channel, as GET /v1/contacts/{id}/reply-options allows it: free-form
 * inside the window (or where there is none), an approved template outside it, and the reason said.
 */
export function ReplyBox({ contactId, onSent }: { contactId: string; onSent: () => void }) {
  // A customer's new message may open the window: the options follow the conversation.
  const matters = (event: LiveEvent) => event.type === 'conversation.updated' && eventField(event, 'contact_id') === contactId;
  const [options, reload] = useLiveLoad(
    () => api.GET('/v1/contacts/{id}/reply-options', { params: { path: { id: contactId } } }).then(ok),
    [contactId],
    matters,
  );
  const [picked, setPicked] = useState<string | null>(null);
  return (
    <section class="reply" aria-labelledby="reply-title">
      <h2 id="reply-title">{t('reply.title')}</h2>
      {options.state === 'loading' && <Loading />}
      {options.state === 'error' && <ErrorBox error={options.error} onRetry={reload} />}
      {options.state === 'ready' && options.data.options.length === 0 && <p>{t('reply.noChannel')}</p>}
      {options.state === 'ready' && options.data.options.length > 0 && (
        <ReplyForm
          contactId={contactId}
          options={options.data.options}
          option={options.data.options.find((o) => o.channel_account_id === picked) ?? options.data.options[0]}
          onPick={setPicked}
          onSent={onSent}
        />
      )}
    </section>
  );
}

interface ReplyFormProps {
  contactId: string;
  options: Option[];
  option: Option;
  onPick: (channelAccountId: string) => void;
  onSent: () => void;
}

function ReplyForm({ contactId, options, option, onPick, onSent }: ReplyFormProps) {
  const [text, setText] = useState('');
  const [template, setTemplate] = useState<TemplateChoice | null>(null);
  const [draftKey, setDraftKey] = useState(newDraftKey);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const reason = replyReason(option, new Date());

  const body = (): SendBody | null => {
    if (option.mode === 'free_form') return text.trim() ? { contact_id: contactId, channel_account_id: option.channel_account_id, content: { text } } : null;
    if (option.mode === 'template_only' && template?.complete) {
      const { name, language, parameters, category } = template;
      return { contact_id: contactId, channel_account_id: option.channel_account_id, category, content: { text: template.filled, template: { name, language, parameters } } };
    }
    return null;
  };

  const send = async (event: Event) => {
    event.preventDefault();
    const request = body();
    if (!request) return;
    setSending(true);
    setError(null);
    try {
      ok(await api.POST('/v1/messages', { body: request, headers: { 'idempotency-key': draftKey } }));
      setText('');
      setTemplate(null);
      setDraftKey(newDraftKey());
      onSent();
    } catch (failure) {
      setError(failure);
    } finally {
      setSending(false);
    }
  };

  return (
    <form onSubmit={send} aria-describedby="reply-reason">
      {options.length > 1 && (
        <label class="field">
          {t('reply.channel')}
          <select value={option.channel_account_id} onChange={(e) => onPick(e.currentTarget.value)}>
            {options.map((o) => (
              <option key={o.channel_account_id} value={o.channel_account_id}>
                {t(`channel.${o.channel}`)} — {o.channel_account_name}
              </option>
            ))}
          </select>
        </label>
      )}
      <p id="reply-reason">
        <ChannelLabel channel={option.channel} /> <span class="reply-mode">{t(`reply.mode.${option.mode}`)}</span> — {t(reason.key, reason.params)}
      </p>
      {option.mode === 'free_form' && (
        <label class="field">
          {t('reply.text')}
          <textarea value={text} onInput={(e) => setText(e.currentTarget.value)} maxLength={4096} />
        </label>
      )}
      {option.mode === 'template_only' &&
        (option.templates.length > 0 ? (
          // A new draft (after a send) starts from an empty picker, as the free-form text starts empty.
          <TemplateFields key={`${option.channel_account_id}:${draftKey}`} templates={option.templates} onChange={setTemplate} />
        ) : (
          <p>{t('reply.noTemplates')}</p>
        ))}
      {error !== null && <ErrorBox error={error} />}
      {option.mode !== 'none' && (
        <p>
          <button type="submit" disabled={sending || body() === null}>
            {t(sending ? 'reply.sending' : 'reply.send')}
          </button>
        </p>
      )}
    </form>
  );
}
