import type { JSX } from 'preact';
import type { MessageKey } from './i18n';
import { matchRoute } from './router';
import { CallDetailsView } from './views/calls/call-details-view';
import { CallsView } from './views/calls/calls-view';
import { ContactDetailsView } from './views/contacts/contact-details-view';
import { ContactsView } from './views/contacts/contacts-view';
import { FunnelsView } from './views/funnels/funnels-view';
import { InboxView } from './views/inbox/inbox-view';
import { ThreadView } from './views/inbox/thread-view';
import { SettingsView } from './views/settings/settings-view';

export interface Route {
  path: string;
  /** Shown in the navigation under this label; routes without one are reached by links. */
  nav?: MessageKey;
  /** The navigation entry highlighted while this route is open. */
  section: string;
  view: (params: Record<string, string>) => JSX.Element;
}

/** Every view of the console. A new view is one line here (and its folder under views/). */
export const ROUTES: Route[] = [
  { path: '/', section: '/', nav: 'nav.inbox', view: () => <InboxView /> },
  { path: '/contacts/:id/thread', section: '/', view: (p) => <ThreadView contactId={p.id} /> },
  { path: '/contacts', section: '/contacts', nav: 'nav.contacts', view: () => <ContactsView /> },
  { path: '/contacts/:id', section: '/contacts', view: (p) => <ContactDetailsView id={p.id} /> },
  { path: '/calls', section: '/calls', nav: 'nav.calls', view: () => <CallsView /> },
  { path: '/calls/:id', section: '/calls', view: (p) => <CallDetailsView id={p.id} /> },
  { path: '/funnels', section: '/funnels', nav: 'nav.funnels', view: () => <FunnelsView /> },
  { path: '/settings', section: '/settings', nav: 'nav.settings', view: () => <SettingsView /> },
];

export function resolveRoute(path: string): { route: Route | undefined; params: Record<string, string> } {
  for (const route of ROUTES) {
    const params = matchRoute(route.path, path);
    if (params) return { route, params };
  }
  return { route: undefined, params: {} };
}

