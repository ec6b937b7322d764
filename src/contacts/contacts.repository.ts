import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { InvalidFieldError } from '../common/errors';
import { inRetryingTransaction, PG_POOL } from '../db/database';
import type { AttributeType, Channel, IdentityKind } from './index/contact-document';
import { identityKey, type Identity } from './identities';
import type { ContactColumns } from './contact-writes';

type Db = Pool | PoolClient;

/** A contact with its parts, as the API shows it. */
export interface ContactRow extends ContactColumns {
  id: string;
  account_id: string;
  revision: string;
  created_at: Date;
  updated_at: Date;
  /** The first WhatsApp identity: where WhatsApp messages and calls go. */
  wa_id: string | null;
  /** When the customer last wrote on WhatsApp: the 24 h customer-service window runs from here. */
  whatsapp_last_inbound_at: Date | null;
  identities: { kind: IdentityKind; value: string }[];
  activity: { channel: Channel; last_inbound_at: string | null; last_outbound_at: string | null }[];
}

/** SQL for the contact's first WhatsApp identity (where its messages and calls go), or null. */
export const FIRST_WHATSAPP_ID = (alias: string, idColumn = 'id') =>
  `(SELECT i.value FROM contact_identities i
     WHERE i.account_id = ${alias}.account_id AND i.contact_id = ${alias}.${idColumn} AND i.kind = 'whatsapp'
     ORDER BY i.created_at, i.value LIMIT 1)`;

/** The WhatsApp id to message or call the contact at; a contact known only by other channels has none. */
export function whatsAppIdOf(contact: Pick<ContactRow, 'id' | 'wa_id'>): string {
  if (!contact.wa_id) throw new InvalidFieldError('contact_id', `contact ${contact.id} has no WhatsApp identity`);
  return contact.wa_id;
}

const CONTACT_ROW = `
  SELECT c.*, ${FIRST_WHATSAPP_ID('c')} AS wa_id,
         (SELECT a.last_inbound_at FROM contact_channel_activity a
           WHERE a.account_id = c.account_id AND a.contact_id = c.id AND a.channel = 'whatsapp') AS whatsapp_last_inbound_at,
         coalesce((SELECT json_agg(json_build_object('kind', i.kind, 'value', i.value) ORDER BY i.kind, i.created_at, i.value)
                     FROM contact_identities i WHERE i.account_id = c.account_id AND i.contact_id = c.id), '[]') AS identities,
         coalesce((SELECT json_agg(json_build_object('channel', a.channel, 'last_inbound_at', a.last_inbound_at,
                                                     'last_outbound_at', a.last_outbound_at))
                     FROM contact_channel_activity a WHERE a.account_id = c.account_id AND a.contact_id = c.id), '[]') AS activity
    FROM contacts c`;

/** The columns a write sets, as jsonb_to_recordset reads them. */
const COLUMNS = `id uuid, name text, status text, tags text[], assigned_agent_id uuid, involved_agent_ids uuid[],
  whatsapp_reachable boolean, app_installed boolean, email_reachable boolean, telegram_reachable boolean, opt_ins jsonb,
  order_number text, quote_value numeric, quote_status text, erp_synced_at timestamptz, attributes jsonb`;
const COLUMN_NAMES = COLUMNS.split(',').map((c) => c.trim().split(' ')[0]);

/** The reachability flag an identity of each kind proves when the customer writes from it. */
const REACHABLE_COLUMN: Record<IdentityKind, string | null> = {
  whatsapp: 'whatsapp_reachable',
  email: 'email_reachable',
  telegram: 'telegram_reachable',
  app: 'app_installed',
  phone: null,
};

@Injectable()
export class ContactsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A write transaction, run again if Postgres aborts it as a deadlock victim. */
  transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    return inRetryingTransaction(this.pool, work);
  }

  /**
   * Serialises writers that name the same identity or contact id until the transaction ends,
   * so two of them never both create the customer. Keys are taken in one sorted pass: no deadlock.
   */
  async lock(tx: PoolClient, accountId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await tx.query(
      `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended($1 || ':' || key, 0) AS k
                                               FROM unnest($2::text[]) key ORDER BY 1) s`,
      [accountId, keys],
    );
  }

  /** Which contact holds each identity, by identityKey. */
  async identityOwners(tx: PoolClient, accountId: string, identities: Identity[]): Promise<Map<string, string>> {
    if (identities.length === 0) return new Map();
    const { rows } = await tx.query<{ kind: IdentityKind; value: string; contact_id: string }>(
      `SELECT i.kind, i.value, i.contact_id FROM contact_identities i
         JOIN unnest($2::text[], $3::text[]) AS w(kind, value) ON i.kind = w.kind AND i.value = w.value
        WHERE i.account_id = $1`,
      [accountId, identities.map((i) => i.kind), identities.map((i) => i.value)],
    );
    return new Map(rows.map((r) => [identityKey(r), r.contact_id]));
  }

  /** The current rows of the contacts about to be written, locked. */
  async lockContacts(tx: PoolClient, accountId: string, ids: string[]): Promise<Map<string, ContactColumns>> {
    if (ids.length === 0) return new Map();
    const { rows } = await tx.query<ContactColumns & { id: string }>(
      `SELECT * FROM contacts WHERE account_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
      [accountId, ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Ids already used by contacts of other accounts (ids are unique across accounts). */
  async idsOfOtherAccounts(tx: PoolClient, accountId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM contacts WHERE id = ANY($2::uuid[]) AND account_id <> $1', [
      accountId,
      ids,
    ]);
    return new Set(rows.map((r) => r.id));
  }

  async agentsOfAccount(db: Db, accountId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await db.query<{ id: string }>('SELECT id FROM agents WHERE account_id = $1 AND id = ANY($2::uuid[])', [
      accountId,
      ids,
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Inserts new contacts and updates changed ones, set-based: one statement each however many. */
  async writeContacts(
    tx: PoolClient,
    accountId: string,
    created: (ContactColumns & { id: string })[],
    updated: (ContactColumns & { id: string })[],
  ): Promise<void> {
    // In id order, as the index drains lock them: fewer deadlocks between the two.
    const json = (rows: (ContactColumns & { id: string })[]) =>
      JSON.stringify(rows.map((r) => pick(r, COLUMN_NAMES)).sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1)));
    if (created.length) {
      await tx.query(
        `INSERT INTO contacts (account_id, ${COLUMN_NAMES.join(', ')})
         SELECT $2, ${COLUMN_NAMES.map((c) => `r.${c}`).join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${COLUMNS})`,
        [json(created), accountId],
      );
    }
    if (updated.length) {
      await tx.query(
        `UPDATE contacts c SET ${COLUMN_NAMES.filter((c) => c !== 'id').map((c) => `${c} = r.${c}`).join(', ')}
           FROM jsonb_to_recordset($1::jsonb) AS r(${COLUMNS})
          WHERE c.account_id = $2 AND c.id = r.id`,
        [json(updated), accountId],
      );
    }
  }

  async addIdentities(tx: PoolClient, accountId: string, identities: (Identity & { contactId: string })[]): Promise<void> {
    if (identities.length === 0) return;
    await tx.query(
      `INSERT INTO contact_identities (account_id, contact_id, kind, value)
       SELECT $1, contact_id, kind, value FROM unnest($2::uuid[], $3::text[], $4::text[]) AS w(contact_id, kind, value)
       ON CONFLICT DO NOTHING`,
      [accountId, identities.map((i) => i.contactId), identities.map((i) => i.kind), identities.map((i) => i.value)],
    );
  }

  /**
   * The customer behind a WhatsApp id (a message or call from them, a message to them): found,
   * or created reachable on WhatsApp. A non-null name (their WhatsApp profile name) replaces the old one.
   */
  async findOrCreateByWhatsApp(accountId: string, waId: string, name: string | null, tx?: PoolClient): Promise<ContactRow> {
    return this.findOrCreateByIdentity(accountId, { kind: 'whatsapp', value: waId }, name, tx);
  }

  /**
   * The contact an inbound message or call comes from, created (reachable on that channel) the
   * first time. A name the provider gives replaces the stored one on WhatsApp, where the profile
   * name is the customer's own choice; elsewhere it only fills a missing name.
   */
  async findOrCreateByIdentity(accountId: string, identity: Identity, name: string | null, tx?: PoolClient): Promise<ContactRow> {
    return this.findOrCreateByIdentities(accountId, [identity], name, tx);
  }

  /**
   * The contact several identities of one customer name (a checkout's phone, WhatsApp id and
   * e-mail): the owner of the first one found, in the order given, else a new contact. The
   * identities nobody holds yet are added to it; one another contact holds stays with that one.
   */
  async findOrCreateByIdentities(accountId: string, identities: Identity[], name: string | null, tx?: PoolClient): Promise<ContactRow> {
    if (!tx) return this.transaction((t) => this.findOrCreateByIdentities(accountId, identities, name, t));
    if (identities.length === 0) throw new Error('findOrCreateByIdentities needs at least one identity');
    await this.lock(tx, accountId, identities.map(identityKey));
    const owners = await this.identityOwners(tx, accountId, identities);
    let id = identities.map((i) => owners.get(identityKey(i))).find((owner) => owner !== undefined);
    const reachable = [...new Set(identities.map((i) => REACHABLE_COLUMN[i.kind]).filter((c): c is string => c !== null))];
    const primary = identities[0].kind;
    if (id) {
      const rename = primary === 'whatsapp' ? 'coalesce($3, name)' : 'coalesce(name, $3)';
      const set = [`name = ${rename}`, ...reachable.map((c) => `${c} = true`)].join(', ');
      const changed = [`name IS DISTINCT FROM ${rename}`, ...reachable.map((c) => `NOT ${c}`)].join(' OR ');
      await tx.query(`UPDATE contacts SET ${set} WHERE account_id = $1 AND id = $2 AND (${changed})`, [accountId, id, name]);
    } else {
      id = (
        await tx.query<{ id: string }>(
          `INSERT INTO contacts (account_id, name${reachable.map((c) => `, ${c}`).join('')})
           VALUES ($1, $2${reachable.map(() => ', true').join('')}) RETURNING id`,
          [accountId, name],
        )
      ).rows[0].id;
    }
    const contactId = id;
    await this.addIdentities(tx, accountId, identities.filter((i) => !owners.has(identityKey(i))).map((i) => ({ ...i, contactId })));
    return (await this.findById(accountId, contactId, tx))!;
  }

  async recordInbound(accountId: string, contactId: string, channel: Channel, at: Date, db: Db = this.pool) {
    await db.query(
      `INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_inbound_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, contact_id, channel)
       DO UPDATE SET last_inbound_at = greatest(contact_channel_activity.last_inbound_at, EXCLUDED.last_inbound_at)`,
      [accountId, contactId, channel, at],
    );
  }

  /** A message to the customer was accepted by the channel's provider. */
  async recordOutbound(accountId: string, contactId: string, channel: Channel, at: Date, db: Db = this.pool) {
    await db.query(
      `INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_outbound_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, contact_id, channel)
       DO UPDATE SET last_outbound_at = greatest(contact_channel_activity.last_outbound_at, EXCLUDED.last_outbound_at)`,
      [accountId, contactId, channel, at],
    );
  }

  /** The agent responsible for the customer (rings first when they call); null clears it. */
  async assignAgent(accountId: string, id: string, agentId: string | null): Promise<ContactRow | undefined> {
    const { rowCount } = await this.pool.query(
      `UPDATE contacts SET assigned_agent_id = $3
        WHERE account_id = $1 AND id = $2
          AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM agents WHERE account_id = $1 AND id = $3))`,
      [accountId, id, agentId],
    );
    return rowCount ? this.findById(accountId, id) : undefined;
  }

  async findById(accountId: string, id: string, db: Db = this.pool): Promise<ContactRow | undefined> {
    return (await db.query<ContactRow>(`${CONTACT_ROW} WHERE c.account_id = $1 AND c.id = $2`, [accountId, id])).rows[0];
  }

  async findByIds(accountId: string, ids: string[], db: Db = this.pool): Promise<ContactRow[]> {
    return (await db.query<ContactRow>(`${CONTACT_ROW} WHERE c.account_id = $1 AND c.id = ANY($2::uuid[])`, [accountId, ids])).rows;
  }

  async list(accountId: string, filter: { identity?: Identity; limit: number }): Promise<ContactRow[]> {
    const byIdentity = filter.identity
      ? `AND c.id IN (SELECT contact_id FROM contact_identities WHERE account_id = $1 AND kind = $3 AND value = $4)`
      : 'AND $3::text IS NULL AND $4::text IS NULL';
    return (
      await this.pool.query<ContactRow>(`${CONTACT_ROW} WHERE c.account_id = $1 ${byIdentity} ORDER BY c.updated_at DESC LIMIT $2`, [
        accountId,
        filter.limit,
        filter.identity?.kind ?? null,
        filter.identity?.value ?? null,
      ])
    ).rows;
  }

  async attributeTypes(accountId: string, db: Db = this.pool): Promise<Record<string, AttributeType>> {
    const { rows } = await db.query<{ key: string; type: AttributeType }>(
      'SELECT key, type FROM contact_attribute_definitions WHERE account_id = $1',
      [accountId],
    );
    return Object.fromEntries(rows.map((r) => [r.key, r.type]));
  }
}

function pick(row: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (row as Record<string, unknown>)[k] ?? null]));
}
