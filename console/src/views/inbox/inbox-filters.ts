import type { operations } from '../../api/schema';

type ListQuery = NonNullable<operations['InboxController_list']['parameters']['query']>;
export type InboxChannel = NonNullable<ListQuery['channel']>;

/** Every channel GET /v1/conversations filters by; keyed by the API's type, so a new channel fails the typecheck here. */
const CHANNEL_SET: Record<InboxChannel, true> = { whatsapp: true, email: true, telegram: true, app: true };
export const INBOX_CHANNELS = Object.keys(CHANNEL_SET) as InboxChannel[];

/** The inbox's filters: a channel (null: any) and "assigned to me". */
export interface InboxFilters {
  channel: InboxChannel | null;
  assignedToMe: boolean;
}

export const NO_INBOX_FILTERS: InboxFilters = { channel: null, assignedToMe: false };

const isChannel = (value: string | null): value is InboxChannel => value !== null && Object.hasOwn(CHANNEL_SET, value);

/** The filters a URL's query string carries (?channel=email&assigned=me); anything unknown is ignored. */
export function filtersFromSearch(search: string): InboxFilters {
  const params = new URLSearchParams(search);
  const channel = params.get('channel');
  return { channel: isChannel(channel) ? channel : null, assignedToMe: params.get('assigned') === 'me' };
}

/** The query string for these filters ('' without any), in the API's own words so a link says what it lists. */
export function searchOfFilters(filters: InboxFilters): string {
  const params = new URLSearchParams();
  if (filters.channel) params.set('channel', filters.channel);
  if (filters.assignedToMe) params.set('assigned', 'me');
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** The query of GET /v1/conversations for these filters. */
export function listQuery(filters: InboxFilters): Pick<ListQuery, 'channel' | 'assigned'> {
  return { channel: filters.channel ?? undefined, assigned: filters.assignedToMe ? 'me' : undefined };
}

export const filtersActive = (filters: InboxFilters) => filters.channel !== null || filters.assignedToMe;
