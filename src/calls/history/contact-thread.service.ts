import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { NotFoundError } from '../../common/errors';
import { SentTemplates } from '../../conversations/sent-templates.service';
import { messageView } from '../../messages/messages.service';
import { callView } from '../calls.service';
import type { CallSummaryView, HistoryPageQuery, TranscriptSegmentView } from './call-history.dto';
import { DEFAULT_HISTORY_PAGE } from './call-history.dto';
import { ContactThreadRepository } from './contact-thread.repository';
import type { ThreadItemView, ThreadPage } from './contact-thread.dto';
import { CURSOR_INSTANT, UUID, decodeCursor, encodeCursor, invalidCursor } from './cursor';

const THREAD_CURSOR = { t: 'string', k: 'string', i: 'string' } as const;

export function deepLink(template: string, contactId: string, callId: string): string {
  return template.replaceAll('{contact_id}', encodeURIComponent(contactId)).replaceAll('{call_id}', encodeURIComponent(callId));
}

/** A contact's conversation: messages and calls interleaved, the latest call unfolded with its transcript. */
@Injectable()
export class ContactThreadService {
  constructor(
    private readonly repository: ContactThreadRepository,
    private readonly sentTemplates: SentTemplates,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async thread(accountId: string, contactId: string, q: HistoryPageQuery): Promise<ThreadPage> {
    if (!(await this.repository.contactExists(accountId, contactId))) throw new NotFoundError('contact', contactId);
    const limit = q.limit ?? DEFAULT_HISTORY_PAGE;
    const key = decodeCursor(q.cursor, THREAD_CURSOR);
    if (key && (!CURSOR_INSTANT.test(key.t) || !['message', 'call'].includes(key.k) || !UUID.test(key.i))) throw invalidCursor();
    const entries = await this.repository.entries(accountId, contactId, key && { at: key.t, kind: key.k, id: key.i }, limit + 1);
    const page = entries.slice(0, limit);
    const ids = (kind: string) => page.filter((e) => e.kind === kind).map((e) => e.id);
    const [messages, calls, latestCallId] = await Promise.all([
      this.repository.messages(accountId, ids('message')),
      this.repository.calls(accountId, ids('call')),
      this.repository.latestCallId(accountId, contactId),
    ]);
    const messageById = new Map(messages.map((m) => [m.id, m]));
    const renderedTemplates = await this.sentTemplates.render(accountId, messages);
    const callById = new Map(calls.map((c) => [c.id, c]));
    const items: ThreadItemView[] = [];
    for (const e of page) {
      if (e.kind === 'message') {
        const m = messageById.get(e.id);
        if (m) items.push({ kind: 'message', at: m.created_at, message: { ...messageView(m), rendered_template: renderedTemplates.get(m.id) ?? null }, call: null });
        continue;
      }
      const c = callById.get(e.id);
      if (!c) continue; // erased between the two reads
      const latest = c.id === latestCallId;
      items.push({
        kind: 'call',
        at: c.created_at,
        message: null,
        call: {
          ...callView(c),
          has_recording: c.has_recording,
          has_transcript: c.has_transcript,
          deep_link: deepLink(this.config.callAudio.deepLinkTemplate, contactId, c.id),
          collapsed: !latest,
          transcript: latest ? ((c.transcript as TranscriptSegmentView[] | null) ?? null) : null,
          summary: (c.summary as CallSummaryView | null) ?? null,
        },
      });
    }
    const last = page[page.length - 1];
    return {
      items,
      next_cursor: entries.length > limit && last ? encodeCursor({ t: last.cursor_at, k: last.kind, i: last.id }) : null,
    };
  }
}
