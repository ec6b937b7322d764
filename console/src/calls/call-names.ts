import { api, ok } from '../api/client';

/**
 * The names the call components show: events carry ids only (`contact_id`, `invited_by`), so
 * each is looked up once and kept for the page's life. A failed lookup is forgotten, so the
 * next event asks again.
 */
const contacts = new Map<string, Promise<string | null>>();
let agents: Promise<Map<string, string>> | undefined;

export function contactName(id: string): Promise<string | null> {
  let name = contacts.get(id);
  if (!name) {
    name = api
      .GET('/v1/contacts/{id}', { params: { path: { id } } })
      .then(ok)
      .then((contact) => contact.name ?? contact.identities[0]?.value ?? null);
    name.catch(() => contacts.delete(id));
    contacts.set(id, name);
  }
  return name.catch(() => null);
}

export function agentName(id: string): Promise<string | null> {
  if (!agents) {
    agents = api
      .GET('/v1/agents')
      .then(ok)
      .then((list) => new Map(list.map((agent) => [agent.id, agent.name])));
    agents.catch(() => (agents = undefined));
  }
  return agents.then((names) => names.get(id) ?? null).catch(() => null);
}
