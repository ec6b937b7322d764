import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Client as TypesenseClient } from 'typesense';
import type { Config } from '../src/config/config';
import { CONTACT_COLLECTION_FIELDS, FILTER_AID_FIELDS, toContactDocument, type AttributeType, type ContactState } from '../src/contacts/index/contact-document';
import { accountAlias, createTypesenseClient, ensureContactsCollection } from '../src/contacts/index/contacts-collection';
import { dropTestCollections } from './support/contact-index';
import { apiClient, createTenant, eventually, startApi, testConfig, type RunningApi } from './support/stack';
import { NEW_CONTACT } from '../src/contacts/contact-writes';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const ATTRIBUTES: Record<string, AttributeType> = { region: 'string', score: 'number', vip: 'boolean', since: 'date', skills: 'string_list' };
// Typesense drops punctuation when it indexes: a value made of symbols only cannot be filtered by, so this has letters too.
const HOSTILE_STATUS = 'x) || (y';

function contact(accountId: string, over: Partial<ContactState>): ContactState {
  return {
    ...NEW_CONTACT,
    id: randomUUID(),
    account_id: accountId,
    erp_synced_at: null,
    revision: 1,
    created_at: new Date('2024-01-10T00:00:00Z'),
    updated_at: new Date('2024-01-10T00:00:00Z'),
    identities: [],
    activity: [],
    attribute_types: ATTRIBUTES,
    ...over,
  };
}

/** The same customers in two accounts: each account's query would match the other's contacts. */
function contactsOf(accountId: string, agent: string, helper: string) {
  const maria = contact(accountId, {
    name: 'Maria Silva',
    status: 'lead',
    tags: ['vip', 'sp'],
    assigned_agent_id: agent,
    involved_agent_ids: [helper],
    whatsapp_reachable: true,
    email_reachable: true,
    opt_ins: { marketing: true, utility: false },
    order_number: 'PED-1001',
    quote_value: '1500.50',
    quote_status: 'open',
    erp_synced_at: new Date('2024-06-02T10:00:00Z'),
    attributes: { region: 'sul', score: 7, vip: true, since: '2024-03-01', skills: ['java', 'go'] },
    identities: [
      { kind: 'phone', value: '+5511987654321' },
      { kind: 'email', value: 'maria@example.com' },
    ],
    activity: [{ channel: 'whatsapp', last_inbound_at: new Date('2024-06-01T12:00:00Z'), last_outbound_at: new Date('2024-06-01T12:05:00Z') }],
    created_at: new Date('2024-02-01T00:00:00Z'),
    updated_at: new Date('2024-06-03T00:00:00Z'),
  });
  const joao = contact(accountId, {
    name: 'João Souza',
    status: 'cliente',
    tags: ['sp'],
    quote_value: 300,
    attributes: { region: 'norte', score: 3, vip: false, since: '2023-01-01' },
    identities: [{ kind: 'whatsapp', value: '5521912345678' }],
    activity: [{ channel: 'email', last_inbound_at: new Date('2024-01-01T00:00:00Z'), last_outbound_at: null }],
    updated_at: new Date('2024-06-02T00:00:00Z'),
  });
  const ana = contact(accountId, {
    name: 'Ana Lima',
    status: HOSTILE_STATUS,
    identities: [{ kind: 'email', value: 'ana@example.com' }],
    created_at: new Date('2023-05-01T00:00:00Z'),
    updated_at: new Date('2024-06-01T00:00:00Z'),
  });
  return { maria, joao, ana };
}

describe('GET /v1/contacts/search', () => {
  let config: Config;
  let api: RunningApi;
  let pool: Pool;
  let typesense: TypesenseClient;
  let a: Tenant;
  let b: Tenant;
  let ca: ReturnType<typeof contactsOf>;
  let cb: ReturnType<typeof contactsOf>;
  const agent = randomUUID();
  const helper = randomUUID();

  const ids = (res: { body: { hits: { id: string }[] } }) => res.body.hits.map((h) => h.id).sort();
  const search = (tenant: Tenant, query: string) => tenant.call('GET', `/v1/contacts/search${query ? `?${query}` : ''}`);
  const qs = (params: Record<string, string | string[]>) => {
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const item of Array.isArray(v) ? v : [v]) out.append(k, item);
    return out.toString();
  };

  beforeAll(async () => {
    config = testConfig();
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl });
    typesense = createTypesenseClient(config.typesense);
    a = await createTenant(api, config, 'Busca A');
    b = await createTenant(api, config, 'Busca B');
    for (const tenant of [a, b]) {
      for (const [key, type] of Object.entries({ ...ATTRIBUTES, fresh: 'string' })) {
        await pool.query('INSERT INTO contact_attribute_definitions (account_id, key, type) VALUES ($1, $2, $3)', [tenant.accountId, key, type]);
      }
    }
    ca = contactsOf(a.accountId, agent, helper);
    cb = contactsOf(b.accountId, agent, helper);
    // Each account's documents in its own collection, as the indexer writes them.
    for (const [accountId, contacts] of [[a.accountId, ca], [b.accountId, cb]] as const) {
      const alias = accountAlias(config.typesense.collection, accountId);
      await ensureContactsCollection(typesense, alias);
      const results = await typesense.collections(alias).documents().import(Object.values(contacts).map(toContactDocument), { action: 'upsert' });
      expect(results.every((r) => r.success)).toBe(true);
    }
  });

  afterAll(async () => {
    if (typesense) await dropTestCollections(typesense, config.typesense.collection);
    await pool?.end();
    await api?.close();
  });

  it('needs an API key', async () => {
    expect((await apiClient(api.url)('GET', '/v1/contacts/search?q=maria')).status).toBe(401);
  });

  it("finds by free text, typo-tolerant, and only the caller's contacts", async () => {
    const res = await search(a, 'q=maria');
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([ca.maria.id]);
    expect(res.body).toMatchObject({ found: 1, page: 1, per_page: 20 });
    expect(ids(await search(b, 'q=maria'))).toEqual([cb.maria.id]);
    expect(ids(await search(a, 'q=Maira'))).toEqual([ca.maria.id]);
    // A name as it is being typed; an e-mail whole.
    expect(ids(await search(a, 'q=maria%20silv'))).toEqual([ca.maria.id]);
    expect(ids(await search(a, 'q=ana%40example.com'))).toEqual([ca.ana.id]);
    expect(ids(await search(a, 'q=PED-1001'))).toEqual([ca.maria.id]);
    const all = await search(a, '');
    expect(ids(all)).toEqual([ca.maria.id, ca.joao.id, ca.ana.id].sort());
    // Default order without text: most recently updated first.
    expect(all.body.hits.map((h: { id: string }) => h.id)).toEqual([ca.maria.id, ca.joao.id, ca.ana.id]);
  });

  it('matches a phone number typed in any format, or a part of it', async () => {
    for (const q of ['+55 11 98765-4321', '(11) 98765-4321', '98765', '5511987654321']) {
      const res = await search(a, qs({ q }));
      expect({ q, ids: ids(res) }).toEqual({ q, ids: [ca.maria.id] });
    }
    expect(ids(await search(a, qs({ q: '(21) 91234-5678' })))).toEqual([ca.joao.id]);
  });

  it('translates hits back to API names', async () => {
    const [hit] = (await search(a, 'q=maria')).body.hits;
    expect(hit).toEqual({
      id: ca.maria.id,
      name: 'Maria Silva',
      phones: ['5511987654321'],
      emails: ['maria@example.com'],
      whatsapp_ids: [],
      telegram_ids: [],
      app_user_ids: [],
      status: 'lead',
      tags: ['vip', 'sp'],
      assigned_agent_id: agent,
      involved_agent_ids: [helper],
      reachable: ['whatsapp', 'email'],
      opt_in: ['marketing'],
      opt_out: ['utility'],
      order_number: 'PED-1001',
      quote_value: 1500.5,
      quote_status: 'open',
      erp_synced_at: '2024-06-02T10:00:00.000Z',
      attributes: { region: 'sul', score: 7, vip: true, since: '2024-03-01T00:00:00.000Z', skills: ['java', 'go'] },
      channels: {
        whatsapp: { last_inbound_at: '2024-06-01T12:00:00.000Z', last_outbound_at: '2024-06-01T12:05:00.000Z' },
        email: { last_inbound_at: null, last_outbound_at: null },
        telegram: { last_inbound_at: null, last_outbound_at: null },
        app: { last_inbound_at: null, last_outbound_at: null },
      },
      revision: 1,
      created_at: '2024-02-01T00:00:00.000Z',
      updated_at: '2024-06-03T00:00:00.000Z',
    });
  });

  it('filters by the structured fields', async () => {
    const m = [ca.maria.id];
    const cases: [Record<string, string | string[]>, string[]][] = [
      [{ status: 'lead,cliente' }, [ca.maria.id, ca.joao.id]],
      [{ status: ['lead', 'cliente'] }, [ca.maria.id, ca.joao.id]],
      [{ status: HOSTILE_STATUS }, [ca.ana.id]],
      [{ tag: 'sp' }, [ca.maria.id, ca.joao.id]],
      [{ tag: ['sp', 'vip'] }, m],
      [{ assigned_agent_id: agent }, m],
      [{ involved_agent_id: helper }, m],
      [{ reachable: ['whatsapp', 'email'] }, m],
      [{ reachable: 'telegram' }, []],
      [{ opted_in: 'marketing' }, m],
      [{ opted_out: 'utility' }, m],
      [{ quote_status: 'open' }, m],
      [{ quote_value_min: '1000' }, m],
      [{ quote_value_max: '300' }, [ca.joao.id]],
      [{ quote_value_min: '300', quote_value_max: '1500.50' }, [ca.maria.id, ca.joao.id]],
      [{ order_number: 'PED-1001' }, m],
      [{ created_after: '2024-01-10T00:00:00Z' }, [ca.maria.id, ca.joao.id]],
      [{ created_before: '2024-01-10T00:00:00Z' }, [ca.ana.id]],
      [{ updated_after: '2024-06-02T00:00:00Z', updated_before: '2024-06-03T00:00:00Z' }, [ca.joao.id]],
      [{ erp_synced_after: '2024-06-01T00:00:00-03:00' }, m],
      [{ erp_synced_before: '2024-06-01T00:00:00Z' }, []],
      [{ last_inbound_after: '2024-05-01T00:00:00Z', channel: 'whatsapp' }, m],
      [{ last_inbound_after: '2023-06-01T00:00:00Z' }, [ca.maria.id, ca.joao.id]],
      [{ last_inbound_before: '2024-02-01T00:00:00Z' }, [ca.joao.id]],
      [{ channel: 'email' }, [ca.joao.id]],
      [{ identity: '+55 (11) 98765-4321' }, m],
      [{ identity: 'Maria@Example.com' }, m],
      [{ identity: '5521912345678' }, [ca.joao.id]],
      [{ q: 'silva', tag: 'vip', status: 'lead' }, m],
    ];
    for (const [params, expected] of cases) {
      const res = await search(a, qs(params));
      expect({ params, status: res.status, ids: res.status === 200 ? ids(res) : res.body }).toEqual({ params, status: 200, ids: [...expected].sort() });
    }
  });

  it('filters by custom attributes in every form of the grammar', async () => {
    const cases: [string[], string[]][] = [
      [['region:sul'], [ca.maria.id]],
      [['region:sul|norte'], [ca.maria.id, ca.joao.id]],
      [['score>=5'], [ca.maria.id]],
      [['score<5'], [ca.joao.id]],
      [['score:1..5'], [ca.joao.id]],
      [['score:3|7'], [ca.maria.id, ca.joao.id]],
      [['vip:true'], [ca.maria.id]],
      [['vip:false'], [ca.joao.id]],
      [['since>2023-06-01'], [ca.maria.id]],
      [['since:2022-01-01..2023-12-31T23:59:59Z'], [ca.joao.id]],
      [['skills:go'], [ca.maria.id]],
      [['region:sul', 'score>=8'], []],
      // Declared, but no document has it yet: nothing matches, no error.
      [['fresh:x'], []],
    ];
    for (const [attr, expected] of cases) {
      const res = await search(a, qs({ attr }));
      expect({ attr, status: res.status, ids: res.status === 200 ? ids(res) : res.body }).toEqual({ attr, status: 200, ids: [...expected].sort() });
    }
  });

  it('refuses bad input naming the parameter: 400 for the grammar, 422 for what the account did not declare', async () => {
    const cases: [string, number, string][] = [
      [qs({ attr: 'nope:1' }), 422, 'attr'],
      [qs({ attr: 'score:abc' }), 422, 'attr'],
      [qs({ attr: 'region>=3' }), 422, 'attr'],
      [qs({ attr: 'score>=abc' }), 400, 'attr'],
      [qs({ attr: 'region' }), 400, 'attr'],
      [qs({ sort: 'revision:asc' }), 400, 'sort'],
      [qs({ sort: 'attr.nope:asc' }), 422, 'sort'],
      [qs({ sort: 'attr.skills:asc' }), 422, 'sort'],
      [qs({ facet_by: 'name' }), 400, 'facet_by'],
      [qs({ facet_by: 'attr.score' }), 422, 'facet_by'],
      [qs({ per_page: '101' }), 400, 'per_page'],
      [qs({ page: '0' }), 400, 'page'],
      [qs({ assigned_agent_id: 'not-a-uuid' }), 400, 'assigned_agent_id'],
      [qs({ reachable: 'fax' }), 400, 'reachable'],
      [qs({ created_after: 'yesterday' }), 400, 'created_after'],
      [qs({ quote_value_min: 'lots' }), 400, 'quote_value_min'],
      [qs({ tag: 'x` || account_id:other' }), 400, 'tag'],
      [qs({ unknown_param: '1' }), 400, 'unknown_param'],
    ];
    for (const [query, status, field] of cases) {
      const res = await search(a, query);
      expect({ query, status: res.status }).toEqual({ query, status });
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
    const unknown = await search(a, qs({ attr: 'nope:1' }));
    expect(unknown.body.field).toBe('attr');
    expect(unknown.body.message).toContain('"nope"');
  });

  it.each([3, 2])('answers the same from a collection of schema v%i, which has none of the filter aids', async (version) => {
    const legacy = await createTenant(api, config, `Busca v${version}`);
    for (const [key, type] of Object.entries(ATTRIBUTES)) {
      await pool.query('INSERT INTO contact_attribute_definitions (account_id, key, type) VALUES ($1, $2, $3)', [legacy.accountId, key, type]);
    }
    const cl = contactsOf(legacy.accountId, agent, helper);
    const alias = accountAlias(config.typesense.collection, legacy.accountId);
    const collection = `${alias}_v${version}`;
    // v3 had no filter aids; v2 had no quote_value_floor either.
    const dropped = (field: string) => FILTER_AID_FIELDS.some((f) => f.name === field) || (version < 3 && field === 'quote_value_floor');
    const aid = (field: string) => dropped(field) || /^ca_.*_(k|day|d32)$/.test(field);
    await typesense.collections().create({
      name: collection,
      fields: CONTACT_COLLECTION_FIELDS.filter((f) => !dropped(f.name)),
      default_sorting_field: 'updated_at',
      token_separators: ['-', '_', '.', '@', '+'],
    });
    await typesense.aliases().upsert(alias, { collection_name: collection });
    const documents = Object.values(cl).map((c) => Object.fromEntries(Object.entries(toContactDocument(c)).filter(([field]) => !aid(field))));
    expect(documents[0]).not.toHaveProperty('status_k');
    expect((await typesense.collections(collection).documents().import(documents, { action: 'upsert' })).every((r) => r.success)).toBe(true);

    const cases: [Record<string, string>, (keyof typeof ca)[]][] = [
      [{ quote_value_min: '1000' }, ['maria']],
      [{ quote_value_max: '300' }, ['joao']],
      [{ quote_value_min: '300', quote_value_max: '1500.50' }, ['maria', 'joao']],
      [{ quote_value_min: '1500.51' }, []],
      [{ quote_value_min: '299.99', quote_value_max: '300.01' }, ['joao']],
      [{ status: 'LEAD,cliente' }, ['maria', 'joao']],
      [{ tag: 'sp', assigned_agent_id: agent }, ['maria']],
      [{ attr: 'region:sul|norte', created_after: '2024-01-01T00:00:00Z' }, ['maria', 'joao']],
      [{ attr: 'since:2024-01-01..2024-12-31' }, ['maria']],
      [{ last_inbound_after: '2024-05-01T00:00:00Z' }, ['maria']],
    ];
    for (const [params, names] of cases) {
      const [now, before] = [await search(a, qs(params)), await search(legacy, qs(params))];
      expect({ params, status: before.status, ids: ids(before) }).toEqual({ params, status: 200, ids: names.map((n) => cl[n].id).sort() });
      expect({ params, ids: ids(now) }).toEqual({ params, ids: names.map((n) => ca[n].id).sort() });
    }
  });

  it('sorts by fields and attributes, and counts facets of the account only', async () => {
    const order = async (sort: string, extra: Record<string, string> = {}) =>
      (await search(a, qs({ sort, ...extra }))).body.hits.map((h: { id: string }) => h.id);
    expect(await order('quote_value:desc', { quote_value_min: '0' })).toEqual([ca.maria.id, ca.joao.id]);
    expect(await order('attr.score:asc', { attr: 'score>=0' })).toEqual([ca.joao.id, ca.maria.id]);
    expect(await order('name:asc')).toEqual([ca.ana.id, ca.joao.id, ca.maria.id]);
    expect(await order('created_at:asc,name:desc')).toEqual([ca.ana.id, ca.joao.id, ca.maria.id]);
    // An attribute no document has yet sorts nothing and breaks nothing.
    expect((await search(a, qs({ sort: 'attr.fresh:asc' }))).status).toBe(200);

    const res = await search(a, qs({ facet_by: 'status,tags,attr.region,attr.fresh' }));
    expect(res.status).toBe(200);
    const facets = Object.fromEntries(
      res.body.facets.map((f: { field: string; counts: { value: string; count: number }[] }) => [
        f.field,
        Object.fromEntries(f.counts.map((c) => [c.value, c.count])),
      ]),
    );
    expect(facets).toEqual({
      status: { lead: 1, cliente: 1, [HOSTILE_STATUS]: 1 },
      tags: { sp: 2, vip: 1 },
      'attr.region': { sul: 1, norte: 1 },
      'attr.fresh': {},
    });
  });

  it('pages', async () => {
    const page2 = await search(a, 'per_page=1&page=2');
    expect(page2.body).toMatchObject({ found: 3, page: 2, per_page: 1 });
    expect(page2.body.hits.map((h: { id: string }) => h.id)).toEqual([ca.joao.id]);
    expect((await search(a, 'per_page=1&page=4')).body.hits).toEqual([]);
  });

  it('hostile strings in every string parameter: never a 500, never another account\'s contact', async () => {
    const hostile = [
      `x\` || account_id:=\`${b.accountId}`,
      `\`) || account_id:=\`${b.accountId}\` || (\``,
      ') || (',
      '&&',
      ':*',
      '*',
      '||',
      '\\',
      '[a..b]',
      `${b.accountId}`,
      'ação ✓ 😀 日本',
      'a'.repeat(5000),
      '\u0000',
    ];
    const params = ['q', 'status', 'tag', 'opted_in', 'opted_out', 'quote_status', 'order_number', 'identity', 'sort', 'facet_by', 'channel'];
    const own = new Set(Object.values(ca).map((c) => c.id));
    for (const value of hostile) {
      const queries = [
        ...params.map((p) => qs({ [p]: value })),
        qs({ attr: `region:${value}` }),
        qs({ attr: `region:sul|${value}` }),
        qs({ attr: `score:${value}` }),
      ];
      for (const query of queries) {
        const res = await search(a, query);
        expect({ query: query.slice(0, 200), status: res.status >= 500 ? res.status : 'ok' }).toEqual({ query: query.slice(0, 200), status: 'ok' });
        if (res.status === 200) for (const hit of res.body.hits as { id: string }[]) expect(own.has(hit.id)).toBe(true);
      }
    }
    // The backtick is refused outright where it would end a quoted value.
    const refused = await search(a, qs({ status: `x\` || account_id:=\`${b.accountId}` }));
    expect(refused.status).toBe(400);
    expect(refused.body.field ?? refused.body.message).toBeTruthy();
  });

  it('index_lag_ms is the age of the oldest change the index does not show yet', async () => {
    const { rows } = await pool.query<{ id: string }>("INSERT INTO contacts (account_id, name) VALUES ($1, 'Lag') RETURNING id", [a.accountId]);
    const id = rows[0].id;
    try {
      await pool.query("UPDATE contact_index_outbox SET dirty_at = now() - interval '1 hour' WHERE contact_id = $1", [id]);
      const lag = await eventually(async () => {
        const res = await search(a, '');
        return res.body.index_lag_ms >= 3_600_000 ? res.body.index_lag_ms : undefined;
      }, 10_000, 'index_lag_ms to show the hour-old change');
      expect(lag).toBeLessThan(3_600_000 + 60_000);
    } finally {
      await pool.query('DELETE FROM contacts WHERE id = $1', [id]);
      await pool.query('DELETE FROM contact_index_outbox WHERE contact_id = $1', [id]);
    }
    await eventually(async () => ((await search(a, '')).body.index_lag_ms === 0 ? true : undefined), 10_000, 'index_lag_ms back to 0');
  });

  it('answers 503 when Typesense cannot be reached, and an empty result before anything was indexed', async () => {
    const down = await startApi(testConfig({ TYPESENSE_URL: 'http://127.0.0.1:9' }));
    const empty = await startApi(testConfig({ TYPESENSE_COLLECTION: `${config.typesense.collection}_none` }));
    try {
      const res = await apiClient(down.url, a.key)('GET', '/v1/contacts/search?q=maria');
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/unavailable.*Typesense/);
      const none = await apiClient(empty.url, a.key)('GET', '/v1/contacts/search?q=maria&facet_by=status');
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ found: 0, hits: [], facets: [{ field: 'status', counts: [] }] });
    } finally {
      await down.close();
      await empty.close();
    }
  });

  it('is documented: query parameters with their types, the response and 400/401/422/503', async () => {
    const doc = (await apiClient(api.url)('GET', '/docs/openapi.json')).body;
    const op = doc.paths['/v1/contacts/search'].get;
    const param = (name: string) => op.parameters.find((p: { name: string }) => p.name === name);
    expect(param('status').schema).toMatchObject({ type: 'array', items: { type: 'string', pattern: expect.any(String) } });
    expect(param('reachable').schema.items.enum).toEqual(['whatsapp', 'email', 'telegram', 'app']);
    expect(param('assigned_agent_id').schema).toMatchObject({ type: 'string', format: 'uuid' });
    expect(param('created_after').schema).toMatchObject({ type: 'string', format: 'date-time' });
    expect(param('per_page').schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '422', '503']));
  });
});
