import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Pool } from 'pg';
import type { Client as TypesenseClient } from 'typesense';
import type { Config } from '../src/config/config';
import { toContactDocument } from '../src/contacts/index/contact-document';
import { accountAlias, createTypesenseClient, ensureContactsCollection } from '../src/contacts/index/contacts-collection';
import { dropTestCollections } from './support/contact-index';
import { callPermissionWorkflowId } from '../workflows/call-permission.workflow';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import { recadoSearchAttributes } from '../workflows/search-attributes';
import { inboundTextWebhook } from './support/payloads';
import { createTenant, eventually, randomWaId, startApi, temporalClient, testConfig, type RunningApi } from './support/stack';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

interface Seeded {
  id: string;
  waId: string;
  phone: string;
  email: string;
  messageIds: string[];
  workflowIds: string[];
}

describe('LGPD erasure: DELETE /v1/contacts/{id}', () => {
  let config: Config;
  let api: RunningApi;
  let pool: Pool;
  let temporal: Client;
  let typesense: TypesenseClient;
  let a: Tenant;
  let b: Tenant;
  const started: string[] = [];

  beforeAll(async () => {
    config = testConfig();
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl });
    temporal = await temporalClient(config);
    typesense = createTypesenseClient(config.typesense);
    a = await createTenant(api, config, 'Loja A');
    b = await createTenant(api, config, 'Loja B');
  });

  afterAll(async () => {
    // The workflows nobody polls: end what the erasures did not.
    for (const id of started) {
      await temporal.workflow.getHandle(id).terminate('test finished').catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    }
    await temporal?.connection.close();
    if (typesense) await dropTestCollections(typesense, config.typesense.collection);
    await pool?.end();
    await api?.close();
  });

  /** A contact with identities, activity, messages, a call, a permission and its request, tasks, a block, a document, a running workflow. */
  async function seedContact(tenant: Tenant, waId = randomWaId(), name = 'Maria Silva'): Promise<Seeded> {
    const phone = `+${waId}`;
    const email = `cliente.${waId}@example.com`;
    const { rows } = await pool.query<{ id: string; created_at: Date; updated_at: Date }>(
      `INSERT INTO contacts (account_id, name, tags, order_number) VALUES ($1, $2, '{vip}', $3) RETURNING id, created_at, updated_at`,
      [tenant.accountId, name, `PED-${waId}`],
    );
    const id = rows[0].id;
    const identities = [
      { kind: 'phone', value: phone },
      { kind: 'whatsapp', value: waId },
      { kind: 'email', value: email },
    ] as const;
    for (const i of identities) {
      await pool.query('INSERT INTO contact_identities (account_id, contact_id, kind, value) VALUES ($1, $2, $3, $4)', [tenant.accountId, id, i.kind, i.value]);
    }
    await pool.query(`INSERT INTO contact_channel_activity (account_id, contact_id, channel, last_inbound_at) VALUES ($1, $2, 'whatsapp', now())`, [tenant.accountId, id]);
    const message = (direction: string, body: unknown, state: string) =>
      pool.query<{ id: string }>(
        `INSERT INTO messages (account_id, contact_id, channel, channel_account_id, direction, type, body, state)
         VALUES ($1, $2, 'whatsapp', $3, $4, 'text', $5, $6) RETURNING id`,
        [tenant.accountId, id, tenant.numberId, direction, JSON.stringify(body), state],
      );
    const inbound = (await message('inbound', { from: waId, text: { body: `Sou ${name}` } }, 'received')).rows[0].id;
    const outbound = (await message('outbound', { to: waId, type: 'text', text: { body: 'Olá!' } }, 'sent')).rows[0].id;
    const callId = randomUUID();
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name)
       VALUES ($1, $2, $3, $4, 'user_initiated', 'completed', $5)`,
      [callId, tenant.accountId, tenant.numberId, id, `call-${callId}`],
    );
    await pool.query(
      `INSERT INTO call_permissions (account_id, whatsapp_number_id, contact_id, status, state)
       VALUES ($1, $2, $3, 'granted', $4)`,
      [tenant.accountId, tenant.numberId, id, JSON.stringify({ status: 'granted', waId })],
    );
    await pool.query(
      'INSERT INTO call_permission_requests (account_id, whatsapp_number_id, contact_id, message_id) VALUES ($1, $2, $3, $4)',
      [tenant.accountId, tenant.numberId, id, outbound],
    );
    await pool.query(
      `INSERT INTO callback_tasks (account_id, whatsapp_number_id, contact_id, call_id, reason) VALUES ($1, $2, $3, $4, 'missed')`,
      [tenant.accountId, tenant.numberId, id, callId],
    );
    await pool.query('INSERT INTO blocked_callers (account_id, contact_id) VALUES ($1, $2)', [tenant.accountId, id]);
    await pool.query(`INSERT INTO contact_index_parked (contact_id, account_id, reason, attempts) VALUES ($1, $2, 'test', 5)`, [id, tenant.accountId]);

    const alias = accountAlias(config.typesense.collection, tenant.accountId);
    await ensureContactsCollection(typesense, alias);
    await typesense.collections(alias).documents().upsert(
      toContactDocument({
        id,
        account_id: tenant.accountId,
        name,
        status: null,
        tags: ['vip'],
        assigned_agent_id: null,
        involved_agent_ids: [],
        whatsapp_reachable: true,
        app_installed: false,
        email_reachable: true,
        telegram_reachable: false,
        opt_ins: {},
        order_number: `PED-${waId}`,
        quote_value: null,
        quote_status: null,
        erp_synced_at: null,
        attributes: {},
        revision: 1,
        created_at: rows[0].created_at,
        updated_at: rows[0].updated_at,
        identities: [...identities],
        activity: [],
        attribute_types: {},
      }),
    );

    // Running workflows that carry the contact: a permission flow (RecadoContactId) and a send found by its row's id.
    // No worker polls this file's task queue, so they stay running until something ends them.
    const subject = { accountId: tenant.accountId, contactId: id, numberId: tenant.numberId };
    const workflowIds = [callPermissionWorkflowId(tenant.numberId, id), sendMessageWorkflowId(outbound)];
    await temporal.workflow.start('callPermissionWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId: workflowIds[0],
      args: [{ waId, name }],
      typedSearchAttributes: recadoSearchAttributes('permission', subject),
    });
    await temporal.workflow.start('sendMessageWorkflow', { taskQueue: config.temporal.taskQueue, workflowId: workflowIds[1], args: [{ to: waId }] });
    started.push(...workflowIds);
    return { id, waId, phone, email, messageIds: [inbound, outbound], workflowIds };
  }

  async function storeWebhook(accountId: string | null, body: string, status = 'processed'): Promise<string> {
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO inbound_webhooks (provider, account_id, raw_body, status) VALUES ($1, $2, $3, $4) RETURNING id',
      ['whatsapp', accountId, body, status],
    );
    await pool.query(
      `INSERT INTO webhook_events (provider, dedupe_key, webhook_id, account_id, kind, handled) VALUES ('whatsapp', $1, $2, $3, 'message', true)`,
      [`wamid.${randomUUID()}`, rows[0].id, accountId],
    );
    return rows[0].id;
  }

  /**
   * Every table of the public schema, as JSON text, searched for `needle` (the audit row's contact_id
   * excepted). Rows carrying `otherAccount`'s id are left out: account B's twin has the same number.
   */
  async function tablesNaming(needle: string, otherAccount = b.accountId): Promise<string[]> {
    const { rows: tables } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['contacts', 'messages', 'inbound_webhooks', 'contact_erasures']));
    const found: string[] = [];
    for (const { table_name: table } of tables) {
      const row = table === 'contact_erasures' ? `(row_to_json(t)::jsonb - 'contact_id')::text` : 'row_to_json(t)::text';
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table}" t WHERE strpos(${row}, $1) > 0 AND strpos(${row}, $2) = 0`,
        [needle, otherAccount],
      );
      if (rows[0].n > 0) found.push(`${table} (${rows[0].n})`);
    }
    return found;
  }

  async function searchByPhone(accountId: string, digits: string): Promise<string[]> {
    const result = await typesense.collections(accountAlias(config.typesense.collection, accountId)).documents().search({ q: digits, query_by: 'phones' });
    return (result.hits ?? []).map((h) => (h.document as { id: string }).id);
  }

  async function documentExists(accountId: string, id: string): Promise<boolean> {
    try {
      await typesense.collections(accountAlias(config.typesense.collection, accountId)).documents(id).retrieve();
      return true;
    } catch (err) {
      if ((err as { httpStatus?: number }).httpStatus === 404) return false;
      throw err;
    }
  }

  async function workflowStatus(workflowId: string): Promise<string> {
    try {
      return (await temporal.workflow.getHandle(workflowId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'DELETED';
      throw err;
    }
  }

  it('removes everything that names the contact and leaves another account untouched', async () => {
    const maria = await seedContact(a);
    const neighbour = await seedContact(a, randomWaId(), 'João Souza');
    // Account B knows a customer with the very same number.
    const twin = await seedContact(b, maria.waId, 'Maria de B');

    const aloneHook = await storeWebhook(a.accountId, JSON.stringify(inboundTextWebhook(a.phoneNumberId, maria.waId, 'wamid.M1', 'Meu pedido?')));
    const mixed = inboundTextWebhook(a.phoneNumberId, maria.waId, 'wamid.M2', 'Oi, sou a Maria');
    mixed.entry[0].changes.push(inboundTextWebhook(a.phoneNumberId, neighbour.waId, 'wamid.J1', 'Oi, sou o João').entry[0].changes[0]);
    const mixedHook = await storeWebhook(a.accountId, JSON.stringify(mixed));
    const unrouted = await storeWebhook(null, `not json, from ${maria.phone}`, 'invalid');
    const twinHookBody = JSON.stringify(inboundTextWebhook(b.phoneNumberId, twin.waId, 'wamid.B1', 'Olá'));
    const twinHook = await storeWebhook(b.accountId, twinHookBody);

    expect(await tablesNaming(maria.id)).not.toEqual([]);
    expect(await searchByPhone(a.accountId, maria.waId)).toEqual([maria.id]);

    const erased = await a.call('DELETE', `/v1/contacts/${maria.id}`);
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      erasure_id: expect.any(String),
      contact_id: maria.id,
      summary: expect.objectContaining({
        messages: 2,
        calls: 1,
        call_permissions: 1,
        call_permission_requests: 1,
        callback_tasks: 1,
        blocked_callers: 1,
        contact_index_parked: 1,
        inbound_webhooks: 3,
        contact_identities: 3,
        contact_channel_activity: 1,
        contacts: 1,
        search_documents: 1,
        workflows_terminated: 2,
        workflow_histories_deleted: 2,
      }),
    });

    // Nothing in any table names the contact: not its id, not one of its identities.
    for (const needle of [maria.id, maria.waId, maria.phone, maria.email, `PED-${maria.waId}`]) {
      expect({ needle, tables: await tablesNaming(needle) }).toEqual({ needle, tables: [] });
    }
    expect(await documentExists(a.accountId, maria.id)).toBe(false);
    expect(await searchByPhone(a.accountId, maria.waId)).toEqual([]);
    expect((await a.call('GET', `/v1/contacts/${maria.id}`)).status).toBe(404);
    for (const id of maria.workflowIds) expect(await workflowStatus(id)).not.toBe('RUNNING');

    // The batched delivery keeps the neighbour's event; the deliveries about Maria alone are gone.
    const { rows: hooks } = await pool.query<{ id: string; raw_body: string }>('SELECT id, raw_body FROM inbound_webhooks WHERE id = ANY($1)', [
      [aloneHook, mixedHook, unrouted, twinHook],
    ]);
    expect(hooks.map((h) => h.id).sort()).toEqual([mixedHook, twinHook].sort());
    const kept = JSON.parse(hooks.find((h) => h.id === mixedHook)!.raw_body);
    expect(kept.entry[0].changes).toHaveLength(1);
    expect(kept.entry[0].changes[0].value.messages[0]).toMatchObject({ from: neighbour.waId, text: { body: 'Oi, sou o João' } });
    expect(hooks.find((h) => h.id === twinHook)!.raw_body).toBe(twinHookBody);

    // The neighbour and account B's twin are untouched.
    for (const [tenant, other] of [[a, neighbour], [b, twin]] as const) {
      expect((await tenant.call('GET', `/v1/contacts/${other.id}`)).status).toBe(200);
      const { rows } = await pool.query<{ identities: number; messages: number }>(
        `SELECT (SELECT count(*)::int FROM contact_identities WHERE contact_id = $1) AS identities,
                (SELECT count(*)::int FROM messages WHERE contact_id = $1) AS messages`,
        [other.id],
      );
      expect(rows[0]).toEqual({ identities: 3, messages: 2 });
      expect(await documentExists(tenant.accountId, other.id)).toBe(true);
      for (const id of other.workflowIds) expect(await workflowStatus(id)).toBe('RUNNING');
    }
    expect(await searchByPhone(b.accountId, maria.waId)).toEqual([twin.id]);

    // The audit row, without personal data; only the erasing account sees it.
    const audit = await a.call('GET', '/v1/contact-erasures');
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual([
      {
        id: erased.body.erasure_id,
        contact_id: maria.id,
        erased_by: { role: 'system', agent_id: null },
        erased_at: expect.any(String),
        completed_at: expect.any(String),
        summary: erased.body.summary,
      },
    ]);
    expect((await b.call('GET', '/v1/contact-erasures')).body).toEqual([]);

    // Erased completely: a second DELETE finds nothing; nor does another account's key.
    expect((await a.call('DELETE', `/v1/contacts/${maria.id}`)).status).toBe(404);
    expect((await b.call('DELETE', `/v1/contacts/${neighbour.id}`)).status).toBe(404);
    expect((await a.call('GET', `/v1/contacts/${neighbour.id}`)).status).toBe(200);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await a.call('DELETE', `/v1/contacts/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/contact .* not found/);
  });

  /**
   * An API whose `variable` points at a port nobody listens on. The step timeout stays the default:
   * the step that does work (Typesense when Temporal is the missing one) must not time out on a busy machine.
   */
  async function apiWithout(variable: 'TYPESENSE_URL' | 'TEMPORAL_ADDRESS'): Promise<RunningApi> {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const address = variable === 'TYPESENSE_URL' ? `http://127.0.0.1:${port}` : `127.0.0.1:${port}`;
    return startApi(testConfig({ [variable]: address, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue }));
  }

  it.each([
    ['TYPESENSE_URL', 'search_document'],
    ['TEMPORAL_ADDRESS', 'workflows'],
  ] as const)('with %s unreachable answers 503, leaves the audit incomplete, and a retry completes it', async (variable, step) => {
    const contact = await seedContact(a);
    const broken = await apiWithout(variable);
    let first;
    try {
      first = await fetch(`${broken.url}/v1/contacts/${contact.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${a.key}` } });
    } finally {
      await broken.close();
    }
    const body = (await first.json()) as { erasure_id: string; contact_id: string; step: string };
    expect({ status: first.status, body }).toMatchObject({
      status: 503,
      body: { statusCode: 503, contact_id: contact.id, erasure_id: expect.any(String), step },
    });

    // The database part is done; the audit row says the erasure is not complete.
    expect((await a.call('GET', `/v1/contacts/${contact.id}`)).status).toBe(404);
    const pending = (await a.call('GET', '/v1/contact-erasures')).body.find((e: { id: string }) => e.id === body.erasure_id);
    expect(pending).toMatchObject({ contact_id: contact.id, completed_at: null, summary: expect.objectContaining({ contacts: 1, messages: 2 }) });
    expect(await documentExists(a.accountId, contact.id)).toBe(step === 'search_document');
    for (const id of contact.workflowIds) expect({ id, status: await workflowStatus(id) }).toEqual({ id, status: 'RUNNING' });

    // The retry finds the workflows through their RecadoContactId (visibility lists them a moment after they start).
    await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of temporal.workflow.list({ query: `RecadoContactId = '${contact.id}'` })) ids.push(wf.workflowId);
      return ids.includes(contact.workflowIds[0]) ? ids : undefined;
    }, 20_000, 'the permission workflow in visibility');
    const retry = await a.call('DELETE', `/v1/contacts/${contact.id}`);
    expect(retry).toMatchObject({
      status: 200,
      body: {
        erasure_id: body.erasure_id,
        contact_id: contact.id,
        // The document went in whichever attempt reached Typesense; only the permission workflow carries RecadoContactId.
        summary: expect.objectContaining({ contacts: 1, search_documents: 1, workflows_terminated: 1, workflow_histories_deleted: 1 }),
      },
    });
    expect(await documentExists(a.accountId, contact.id)).toBe(false);
    expect(await workflowStatus(contact.workflowIds[0])).not.toBe('RUNNING');
    for (const needle of [contact.id, contact.waId, contact.email]) {
      expect({ needle, tables: await tablesNaming(needle) }).toEqual({ needle, tables: [] });
    }
    const done = (await a.call('GET', '/v1/contact-erasures')).body.find((e: { id: string }) => e.id === body.erasure_id);
    expect(done.completed_at).toEqual(expect.any(String));
    expect((await a.call('DELETE', `/v1/contacts/${contact.id}`)).status).toBe(404);
  });
});
