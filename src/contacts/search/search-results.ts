import { activityField, attributeField, CHANNELS, type Channel, type ContactDocument } from '../index/contact-document';
import type { AttributeDefs } from './search-params';

/** A search hit in API names: document fields translated back (ca_region_s → attributes.region, epoch ms → ISO). */
export interface ContactHit {
  id: string;
  name: string | null;
  phones: string[];
  emails: string[];
  whatsapp_ids: string[];
  telegram_ids: string[];
  app_user_ids: string[];
  status: string | null;
  tags: string[];
  assigned_agent_id: string | null;
  involved_agent_ids: string[];
  reachable: Channel[];
  opt_in: string[];
  opt_out: string[];
  order_number: string | null;
  quote_value: number | null;
  quote_status: string | null;
  erp_synced_at: string | null;
  attributes: Record<string, string | number | boolean | string[]>;
  channels: Record<Channel, { last_inbound_at: string | null; last_outbound_at: string | null }>;
  revision: number;
  created_at: string;
  updated_at: string;
}

export interface FacetView {
  field: string;
  counts: { value: string; count: number }[];
}

const iso = (ms: unknown): string | null => (typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null);
const list = <T = string>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function toContactHit(doc: ContactDocument, defs: AttributeDefs): ContactHit {
  const attributes: ContactHit['attributes'] = {};
  for (const [key, type] of defs) {
    const value = doc[attributeField(key, type) as `ca_${string}`];
    if (value === undefined || value === null) continue;
    if (type === 'date') {
      const at = iso(value);
      if (at !== null) attributes[key] = at;
    } else {
      attributes[key] = value as string | number | boolean | string[];
    }
  }
  const channels = Object.fromEntries(
    CHANNELS.map((c) => [c, { last_inbound_at: iso(doc[activityField('inbound', c)]), last_outbound_at: iso(doc[activityField('outbound', c)]) }]),
  ) as ContactHit['channels'];
  return {
    id: doc.id,
    name: text(doc.name),
    phones: list(doc.phones),
    emails: list(doc.emails),
    whatsapp_ids: list(doc.whatsapp_ids),
    telegram_ids: list(doc.telegram_ids),
    app_user_ids: list(doc.app_user_ids),
    status: text(doc.status),
    tags: list(doc.tags),
    assigned_agent_id: text(doc.assigned_agent_id),
    involved_agent_ids: list(doc.involved_agent_ids),
    reachable: list<Channel>(doc.reachable),
    opt_in: list(doc.opt_in),
    opt_out: list(doc.opt_out),
    order_number: text(doc.order_number),
    quote_value: typeof doc.quote_value === 'number' ? doc.quote_value : null,
    quote_status: text(doc.quote_status),
    erp_synced_at: iso(doc.erp_synced_at),
    attributes,
    channels,
    revision: Number(doc.revision),
    created_at: iso(doc.created_at) ?? new Date(0).toISOString(),
    updated_at: iso(doc.updated_at) ?? new Date(0).toISOString(),
  };
}

interface TypesenseFacetCount {
  field_name: string;
  counts: { value: string; count: number }[];
}

/** Facets in the order asked, under their API names; a facet Typesense did not count (no document has the field yet) is empty. */
export function toFacets(asked: Map<string, string>, counted: TypesenseFacetCount[] | undefined): FacetView[] {
  const byField = new Map((counted ?? []).map((f) => [f.field_name, f.counts]));
  return [...asked].map(([name, field]) => ({
    field: name,
    counts: (byField.get(field) ?? []).map((c) => ({ value: String(c.value), count: c.count })),
  }));
}
