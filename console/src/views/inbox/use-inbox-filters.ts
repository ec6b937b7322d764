import { useEffect, useState } from 'preact/hooks';
import { href } from '../../router';
import { filtersFromSearch, searchOfFilters, type InboxFilters } from './inbox-filters';

// The inbox's last query string: the thread's way back returns to the same filtered list.
let lastInboxSearch = '';

/** The inbox's path with the filters it last showed ('/?channel=email'). */
export const inboxPath = () => `/${lastInboxSearch}`;

/**
 * The inbox's filters, kept in the URL's query string: a reload shows the same list, each change
 * is a history entry (Back returns to the previous filters), and Back/Forward re-read them.
 */
export function useInboxFilters(): [InboxFilters, (next: InboxFilters) => void] {
  const [filters, setFilters] = useState(() => filtersFromSearch(location.search));
  useEffect(() => {
    lastInboxSearch = searchOfFilters(filters);
  }, [filters]);
  useEffect(() => {
    const reread = () => setFilters(filtersFromSearch(location.search));
    addEventListener('popstate', reread);
    return () => removeEventListener('popstate', reread);
  }, []);
  const apply = (next: InboxFilters) => {
    history.pushState(null, '', href(`/${searchOfFilters(next)}`));
    setFilters(next);
  };
  return [filters, apply];
}
