import { describe, expect, it } from '@jest/globals';
import { filtersActive, filtersFromSearch, INBOX_CHANNELS, listQuery, NO_INBOX_FILTERS, searchOfFilters } from './inbox-filters';

describe("the inbox's filters in the URL", () => {
  it('round-trip through the query string, in the API’s own words', () => {
    const filters = { channel: 'email' as const, assignedToMe: true };
    expect(searchOfFilters(filters)).toBe('?channel=email&assigned=me');
    expect(filtersFromSearch('?channel=email&assigned=me')).toEqual(filters);
    expect(searchOfFilters(NO_INBOX_FILTERS)).toBe('');
    expect(filtersFromSearch('')).toEqual(NO_INBOX_FILTERS);
  });

  it('ignore what the API would refuse', () => {
    expect(filtersFromSearch('?channel=fax&assigned=yes')).toEqual(NO_INBOX_FILTERS);
    expect(filtersFromSearch('?channel=toString')).toEqual(NO_INBOX_FILTERS);
  });

  it('become the list query, and say when any is set', () => {
    expect(listQuery({ channel: 'telegram', assignedToMe: false })).toEqual({ channel: 'telegram', assigned: undefined });
    expect(listQuery({ channel: null, assignedToMe: true })).toEqual({ channel: undefined, assigned: 'me' });
    expect(filtersActive(NO_INBOX_FILTERS)).toBe(false);
    expect(filtersActive({ channel: 'app', assignedToMe: false })).toBe(true);
    expect(INBOX_CHANNELS).toEqual(['whatsapp', 'email', 'telegram', 'app']);
  });
});
