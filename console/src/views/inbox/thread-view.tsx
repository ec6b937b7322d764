import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import type { LiveEvent } from '../../api/events';
import { Link } from '../../components/link';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { t } from '../../i18n';
import { ReplyBox } from './reply-box';
import { CallItem, MessageItem, callAnchor } from './thread-items';
import { inboxPath } from './use-inbox-filters';
import { eventField, useLiveLoad } from './use-live-load';
import './inbox.css';

type Item = Schemas['ThreadItemView'];

function loadThread(contactId: string, cursor?: string) {
  return api.GET('/v1/contacts/{id}/thread', { params: { path: { id: contactId }, query: { cursor } } }).then(ok);
}

/** Opening the thread reads it: the inbox stops counting these messages as unread for this agent. */
function markRead(contactId: string) {
  api.POST('/v1/conversations/{id}/read', { params: { path: { id: contactId } } }).catch(() => {
    // Unread counts are a convenience: a failure here must not disturb the thread.
  });
}

const itemKey = (item: Item) => (item.message ? `m:${item.message.id}` : `c:${item.call?.id ?? item.at}`);

/** A contact's messages and calls, oldest at the top as in a chat, with the reply box below. */
export function ThreadView({ contactId }: { contactId: string }) {
  const [contact, reloadContact] = useLoad(() => api.GET('/v1/contacts/{id}', { params: { path: { id: contactId } } }).then(ok), [contactId]);
  const [known] = useState(() => new Set<string>());
  // New messages either way and calls of this contact, or the progress of a message on screen.
  const matters = (event: LiveEvent) =>
    (['conversation.updated', 'call.updated'].includes(event.type) && eventField(event, 'contact_id') === contactId) ||
    (event.type === 'message.updated' && known.has(eventField(event, 'message_id')));
  const [first, reload] = useLiveLoad(() => loadThread(contactId), [contactId], matters);
  const [older, setOlder] = useState<{ items: Item[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);

  useEffect(() => setOlder(null), [contactId]);
  useEffect(() => {
    if (first.state === 'ready') markRead(contactId);
  }, [first]);

  const newestFirst = first.state === 'ready' ? merge(first.data.items, older?.items ?? []) : [];
  newestFirst.forEach((item) => item.message && known.add(item.message.id));
  const cursor = older ? older.cursor : first.state === 'ready' ? first.data.next_cursor : null;
  const name = contact.state === 'ready' ? (contact.data.name ?? t('contacts.unnamed')) : '…';

  const loadOlder = async (from: string) => {
    setMoreError(null);
    try {
      const page = await loadThread(contactId, from);
      setOlder((previous) => ({ items: [...(previous?.items ?? []), ...page.items], cursor: page.next_cursor }));
    } catch (error) {
      setMoreError(error);
    }
  };

  return (
    <section aria-labelledby="view-title" class="thread-layout">
      <p>
        <Link to={inboxPath()}>← {t('thread.back')}</Link> · <Link to={`/contacts/${contactId}`}>{t('thread.contact')}</Link>
      </p>
      <h1 id="view-title" tabIndex={-1}>
        {t('thread.title', { name })}
      </h1>
      {contact.state === 'error' ? (
        // No such contact (or no access): one error, not one per panel.
        <ErrorBox error={contact.error} onRetry={reloadContact} />
      ) : (
        <>
          <section aria-labelledby="thread-items-title">
            <h2 id="thread-items-title">{t('thread.items')}</h2>
            {first.state === 'loading' && <Loading />}
            {first.state === 'error' && <ErrorBox error={first.error} onRetry={reload} />}
            {first.state === 'ready' && (
              <>
                {cursor && (
                  <button type="button" onClick={() => loadOlder(cursor)}>
                    {t('thread.older')}
                  </button>
                )}
                {moreError !== null && <ErrorBox error={moreError} />}
                <ThreadItems newestFirst={newestFirst} />
              </>
            )}
          </section>
          <ReplyBox contactId={contactId} onSent={reload} />
        </>
      )}
    </section>
  );
}

/** The first page as it is now, then the older pages without what the first page already has. */
function merge(firstPage: Item[], olderPages: Item[]): Item[] {
  const seen = new Set(firstPage.map(itemKey));
  return [...firstPage, ...olderPages.filter((item) => !seen.has(itemKey(item)))];
}

function ThreadItems({ newestFirst }: { newestFirst: Item[] }) {
  const target = location.hash.startsWith('#call-') ? location.hash.slice(1) : '';
  // A deep link to a call: bring it into view once it is on screen (unfolded if it was folded).
  useEffect(() => {
    const element = target ? document.getElementById(target) : null;
    if (element) {
      element.scrollIntoView({ block: 'center' });
      element.focus();
    }
  }, [target, newestFirst.length > 0]);
  if (newestFirst.length === 0) return <Empty>{t('thread.empty')}</Empty>;
  return (
    <ol class="thread">
      {[...newestFirst].reverse().map((item) =>
        item.message ? (
          <MessageItem key={itemKey(item)} message={item.message} />
        ) : item.call ? (
          <CallItem key={itemKey(item)} call={item.call} targeted={callAnchor(item.call.id) === target} />
        ) : null,
      )}
    </ol>
  );
}
