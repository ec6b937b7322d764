import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * A realistic customer base for bench:contacts: Brazilian names and mobile numbers, most with
 * WhatsApp, many with e-mail, some with an order and a quote, tags, a salesperson, and the
 * account's five custom attributes. Written straight to Postgres in large statements (the
 * triggers mark every row dirty, so the real indexer builds the search index from them).
 */

export const BENCH_ATTRIBUTES = [
  { key: 'region', type: 'string' },
  { key: 'score', type: 'number' },
  { key: 'vip', type: 'boolean' },
  { key: 'renewal_at', type: 'date' },
  { key: 'brands', type: 'string_list' },
] as const;

export const REGIONS = ['sul', 'sudeste', 'norte', 'nordeste', 'centro-oeste'];
export const STATUSES = ['lead', 'qualified', 'quoted', 'customer', 'churned', 'inactive'];
export const QUOTE_STATUSES = ['draft', 'sent', 'accepted', 'rejected', 'expired'];
export const TAGS = ['vip', 'atacado', 'varejo', 'recorrente', 'inadimplente', 'indicacao', 'feira-2026', 'black-friday',
  'newsletter', 'whatsapp-first', 'b2b', 'b2c', 'sp', 'rj', 'mg', 'pr', 'rs', 'ba', 'pe', 'ce'];
const BRANDS = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'wonka', 'tyrell'];
export const FIRST = ['Maria', 'Ana', 'Francisca', 'Antônia', 'Adriana', 'Juliana', 'Márcia', 'Fernanda', 'Patrícia', 'Aline',
  'José', 'João', 'Antônio', 'Francisco', 'Carlos', 'Paulo', 'Pedro', 'Lucas', 'Luiz', 'Marcos', 'Gabriel', 'Rafael',
  'Beatriz', 'Camila', 'Larissa', 'Letícia', 'Bruno', 'Diego', 'Thiago', 'Rodrigo'];
export const SURNAMES = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima',
  'Gomes', 'Costa', 'Ribeiro', 'Martins', 'Carvalho', 'Almeida', 'Lopes', 'Soares', 'Fernandes', 'Vieira', 'Barbosa',
  'Rocha', 'Dias', 'Nascimento', 'Andrade', 'Moreira', 'Nunes', 'Marques', 'Machado', 'Mendes', 'Freitas'];
const DDD = [11, 11, 11, 21, 21, 31, 41, 47, 48, 51, 61, 62, 71, 81, 85, 91];

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];
const some = <T>(values: readonly T[], max: number): T[] => [...new Set(Array.from({ length: Math.floor(Math.random() * (max + 1)) }, () => pick(values)))];
const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const DAY = 86_400_000;

interface SeedRow {
  id: string;
  name: string;
  status: string;
  tags: string[];
  assigned_agent_id: string | null;
  whatsapp_reachable: boolean;
  email_reachable: boolean;
  app_installed: boolean;
  opt_ins: Record<string, boolean>;
  order_number: string | null;
  quote_value: number | null;
  quote_status: string | null;
  erp_synced_at: string | null;
  attributes: Record<string, unknown>;
  phone: string;
  email: string | null;
}

function seedRow(i: number, agents: string[]): SeedRow {
  const first = pick(FIRST);
  const last = `${pick(SURNAMES)} ${pick(SURNAMES)}`;
  // Unique per i: DDD + 9 + eight digits derived from the index.
  const phone = `+55${pick(DDD)}9${String(10_000_000 + i).slice(-8)}`;
  const hasEmail = Math.random() < 0.6;
  const hasOrder = Math.random() < 0.5;
  const now = Date.now();
  return {
    id: randomUUID(),
    name: `${first} ${last}`,
    status: pick(STATUSES),
    tags: some(TAGS, 3),
    assigned_agent_id: Math.random() < 0.8 ? pick(agents) : null,
    whatsapp_reachable: Math.random() < 0.85,
    email_reachable: hasEmail,
    app_installed: Math.random() < 0.3,
    opt_ins: { marketing: Math.random() < 0.6, utility: Math.random() < 0.95 },
    order_number: hasOrder ? `PED-${String(100_000 + i)}` : null,
    quote_value: hasOrder ? Math.round(Math.random() * 5_000_000) / 100 : null,
    quote_status: hasOrder ? pick(QUOTE_STATUSES) : null,
    erp_synced_at: Math.random() < 0.7 ? new Date(now - Math.random() * 30 * DAY).toISOString() : null,
    attributes: {
      region: pick(REGIONS),
      score: Math.floor(Math.random() * 100),
      vip: Math.random() < 0.1,
      renewal_at: new Date(now + (Math.random() - 0.3) * 365 * DAY).toISOString().slice(0, 10),
      brands: some(BRANDS, 3),
    },
    phone,
    email: hasEmail ? `${ascii(first)}.${ascii(last).replace(/ /g, '.')}${i}@example.com.br` : null,
  };
}

/** Inserts `count` contacts of the account in statements of `batch` rows; returns their ids. */
export async function seedContacts(
  pool: Pool,
  accountId: string,
  agents: string[],
  count: number,
  onProgress: (done: number) => void,
  batch = 5_000,
): Promise<string[]> {
  const ids: string[] = [];
  const workers = 2;
  let next = 0;
  const insertBatch = async (from: number, to: number) => {
    const rows = Array.from({ length: to - from }, (_, k) => seedRow(from + k, agents));
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO contacts (id, account_id, name, status, tags, assigned_agent_id, whatsapp_reachable, email_reachable,
                               app_installed, opt_ins, order_number, quote_value, quote_status, erp_synced_at, attributes)
         SELECT id, $2, name, status, tags, assigned_agent_id, whatsapp_reachable, email_reachable,
                app_installed, opt_ins, order_number, quote_value, quote_status, erp_synced_at, attributes
           FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, name text, status text, tags text[], assigned_agent_id uuid,
                whatsapp_reachable boolean, email_reachable boolean, app_installed boolean, opt_ins jsonb, order_number text,
                quote_value numeric, quote_status text, erp_synced_at timestamptz, attributes jsonb)`,
        [JSON.stringify(rows), accountId],
      );
      const identities = rows.flatMap((r) => [
        { contact_id: r.id, kind: 'phone', value: r.phone },
        ...(r.whatsapp_reachable ? [{ contact_id: r.id, kind: 'whatsapp', value: r.phone.slice(1) }] : []),
        ...(r.email ? [{ contact_id: r.id, kind: 'email', value: r.email }] : []),
      ]);
      await client.query(
        `INSERT INTO contact_identities (account_id, contact_id, kind, value)
         SELECT $2, contact_id, kind, value FROM jsonb_to_recordset($1::jsonb) AS r(contact_id uuid, kind text, value text)`,
        [JSON.stringify(identities), accountId],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    for (const r of rows) ids.push(r.id);
    onProgress(ids.length);
  };
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + batch);
        await insertBatch(from, next);
      }
    }),
  );
  return ids;
}
