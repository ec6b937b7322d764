import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import type { LiveEvent } from '../../api/events';
import { Link } from '../../components/link';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { formatDate, t, type MessageKey } from '../../i18n';
import { ChannelLabel } from './channel-label';
import { filtersActive, listQuery, NO_INBOX_FILTERS, type InboxFilters } from './inbox-filters';
import { InboxFiltersForm } from './inbox-filters-form';
import { useInboxFilters } from './use-inbox-filters';
import { useLiveLoad } from './use-live-load';
import './inbox.css';

type Conversation = Schemas['ConversationView'];
/** The API counts unread messages up to this many; more are shown as "99+". */
const UNREAD_SHOWN_MAX = 99;

function loadConversations(filters: InboxFilters, cursor?: string) {
  return api.GET('/v1/conversations', { params: { query: { ...listQuery(filters), cursor } } }).then(ok);
}

/** Any message either way (conversation.updated) or an outbound message's progress moves the list. */
const inboxMatters = (event: LiveEvent) => event.type === 'conversation.updated' || event.type === 'message.updated';

/** The inbox: one line per customer across channels, newest first, kept current by the live stream. */
export function InboxView() {
  const [filters, setFilters] = useInboxFilters();
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('inbox.title')}
      </h1>
      <InboxFiltersForm filters={filters} onChange={setFilters} />
      {/* New filters start over: older pages of the previous list do not belong to this one. */}
      <Conversations key={JSON.stringify(filters)} filters={filters} onClear={() => setFilters(NO_INBOX_FILTERS)} />
    </section>
  );
}

/**
 * The filtered list. A live event reloads it through the same filters, so a conversation that
 * does not match them never pops in.
 */
function Conversations({ filters, onClear }: { filters: InboxFilters; onClear: () => void }) {
  const [first, reload] = useLiveLoad(() => loadConversations(filters), [], inboxMatters);
  // Older pages the agent asked for; the live refresh replaces the first page only.
  const [older, setOlder] = useState<{ items: Conversation[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);

  const loadMore = async (cursor: string) => {
    setMoreError(null);
    try {
      const page = await loadConversations(filters, cursor);
      setOlder((previous) => ({ items: [...(previous?.items ?? []), ...page.items], cursor: page.next_cursor }));
    } catch (error) {
      setMoreError(error);
    }
  };

  return (
    <>
      {first.state === 'loading' && <Loading />}
      {first.state === 'error' && <ErrorBox error={first.error} onRetry={reload} />}
      {first.state === 'ready' && (
        <>
          <ConversationList items={merge(first.data.items, older?.items ?? [])} filtered={filtersActive(filters)} onClear={onClear} />
          {moreError !== null && <ErrorBox error={moreError} />}
          <MoreButton cursor={older ? older.cursor : first.data.next_cursor} onMore={loadMore} />
        </>
      )}
    </>
  );
}

/** The first page as it is now, then older pages without the contacts that moved up since. */
function merge(firstPage: Conversation[], olderPages: Conversation[]): Conversation[] {
  const seen = new Set(firstPage.map((c) => c.contact.id));
  return [...firstPage, ...olderPages.filter((c) => !seen.has(c.contact.id))];
}

function MoreButton({ cursor, onMore }: { cursor: string | null; onMore: (cursor: string) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  if (!cursor) return null;
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await onMore(cursor);
        setBusy(false);
      }}
    >
      {t('inbox.more')}
    </button>
  );
}

function ConversationList({ items, filtered, onClear }: { items: Conversation[]; filtered: boolean; onClear: () => void }) {
  if (items.length === 0 && filtered) {
    return (
      <Empty>
        {t('inbox.emptyFiltered')}{' '}
        <button type="button" class="secondary" onClick={onClear}>
          {t('inbox.filter.clear')}
        </button>
      </Empty>
    );
  }
  if (items.length === 0) return <Empty>{t('inbox.empty')}</Empty>;
  return (
    <ul class="conversation-list" aria-label={t('inbox.list')}>
      {items.map((conversation) => (
        <ConversationRow key={conversation.contact.id} conversation={conversation} />
      ))}
    </ul>
  );
}

function ConversationRow({ conversation }: { conversation: Conversation }) {
  const { contact, last_message: last, unread_count: unread } = conversation;
  const whatsapp = conversation.windows.find((w) => w.channel === 'whatsapp');
  return (
    <li class={unread > 0 ? 'conversation unread' : 'conversation'}>
      <div class="conversation-head">
        <Link to={`/contacts/${contact.id}/thread`}>{contact.name ?? t('contacts.unnamed')}</Link>
        {unread > 0 && (
          <span class="badge badge-unread">{t('inbox.unread', { count: unread > UNREAD_SHOWN_MAX ? `${UNREAD_SHOWN_MAX}+` : unread })}</span>
        )}
        <time class="muted" dateTime={last.at}>
          {formatDate(last.at)}
        </time>
      </div>
      <p class="conversation-preview">
        <ChannelLabel channel={last.channel} />{' '}
        {last.direction === 'outbound' && <span class="muted">{t('inbox.you')} </span>}
        {last.preview}
        {last.direction === 'outbound' && <span class="muted"> · {t(`msg.${last.state}` as MessageKey)}</span>}
      </p>
      {whatsapp && (
        <p class="conversation-window muted">
          {whatsapp.open && whatsapp.closes_at ? t('inbox.window.open', { time: formatDate(whatsapp.closes_at) }) : t('inbox.window.closed')}
        </p>
      )}
    </li>
  );
}
