import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { createTenant, startApi, testConfig, type RunningApi } from './support/stack';

/**
 * Store templates through the API: create, list, replace (enable/disable), delete; errors that
 * name the field; the (event, step, variant) conflict; linking to Meta templates read from the
 * WhatsApp simulator (approved, not approved, category mismatch) and syncing them.
 */
describe('store templates', () => {
  let sim: RunningWhatsAppSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({ webhookUrl: null });
    config = testConfig({ WHATSAPP_GRAPH_URL: sim.url });
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await api?.close();
    await sim?.close();
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  async function storeOf(tenant: Tenant, channelAccountId = tenant.numberId): Promise<string> {
    const created = await tenant.call('POST', '/v1/stores', { platform: 'asaas', name: 'Loja Centro', channel_account_id: channelAccountId, secrets: { access_token: 'asaas-token' } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  const boleto = {
    event_type: 'boleto_issued',
    category: 'utility',
    content: {
      header: 'Seu boleto',
      body: 'Olá {{first_name}}, seu boleto de {{value}} vence em breve: {{boleto_url}}',
      footer: 'Loja Centro',
      buttons: [
        { type: 'url', text: 'Pagar agora', url: '{{payment_link}}' },
        { type: 'reply', text: 'Já paguei' },
      ],
    },
  };

  it('creates, lists, replaces, disables and deletes; one (event, step, variant) per store', async () => {
    const tenant = await createTenant(api, config);
    const storeId = await storeOf(tenant);
    const base = `/v1/stores/${storeId}/templates`;

    const created = await tenant.call('POST', base, boleto);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ store_id: storeId, event_type: 'boleto_issued', step: null, variant: 'A', weight: 1, enabled: true, category: 'utility', meta_template: null });
    expect(created.body.content).toEqual(boleto.content);
    const id: string = created.body.id;

    expect((await tenant.call('POST', base, boleto)).status).toBe(409);
    const variantB = await tenant.call('POST', base, { ...boleto, variant: 'B', weight: 3 });
    expect(variantB.status).toBe(201);
    const second = await tenant.call('POST', base, { ...boleto, step: 1, content: { body: 'Lembrete: {{boleto_line}}' } });
    expect(second.status).toBe(201);
    const cart = await tenant.call('POST', base, { event_type: 'cart_abandoned', category: 'marketing', content: { body: 'Oi {{name}}, finalize: {{checkout_url}}' } });
    expect(cart.status).toBe(201);

    const all = await tenant.call('GET', base);
    expect(all.status).toBe(200);
    expect(all.body.map((t: any) => [t.event_type, t.step, t.variant])).toEqual([
      ['boleto_issued', null, 'A'],
      ['boleto_issued', null, 'B'],
      ['boleto_issued', 1, 'A'],
      ['cart_abandoned', null, 'A'],
    ]);
    expect((await tenant.call('GET', `${base}?event_type=cart_abandoned`)).body.map((t: any) => t.id)).toEqual([cart.body.id]);
    expect((await tenant.call('GET', `${base}/${id}`)).body).toEqual(created.body);

    const disabled = await tenant.call('PUT', `${base}/${id}`, { ...boleto, enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id, enabled: false, variant: 'A' });
    expect((await tenant.call('GET', `${base}/${id}`)).body.enabled).toBe(false);
    // Replacing onto another template's (event, step, variant) conflicts.
    expect((await tenant.call('PUT', `${base}/${id}`, { ...boleto, variant: 'B' })).status).toBe(409);

    expect((await tenant.call('DELETE', `${base}/${id}`)).status).toBe(204);
    expect((await tenant.call('GET', `${base}/${id}`)).status).toBe(404);
    expect((await tenant.call('DELETE', `${base}/${id}`)).status).toBe(404);
    expect((await tenant.call('GET', base)).body).toHaveLength(3);
  });

  it("is 404 for another account's store and for a deleted store", async () => {
    const owner = await createTenant(api, config);
    const other = await createTenant(api, config, 'Outra Loja');
    const storeId = await storeOf(owner);
    const created = await owner.call('POST', `/v1/stores/${storeId}/templates`, boleto);
    expect(created.status).toBe(201);
    expect((await other.call('GET', `/v1/stores/${storeId}/templates`)).status).toBe(404);
    expect((await other.call('POST', `/v1/stores/${storeId}/templates`, boleto)).status).toBe(404);
    expect((await other.call('GET', `/v1/stores/${storeId}/templates/${created.body.id}`)).status).toBe(404);
    expect((await owner.call('GET', `/v1/stores/${randomUUID()}/templates`)).status).toBe(404);

    await pool.query('UPDATE stores SET deleted_at = now() WHERE id = $1', [storeId]);
    expect((await owner.call('GET', `/v1/stores/${storeId}/templates`)).status).toBe(404);
    expect((await owner.call('PUT', `/v1/stores/${storeId}/templates/${created.body.id}`, boleto)).status).toBe(404);
  });

  it("names the field that breaks WhatsApp's limits or the variables", async () => {
    const tenant = await createTenant(api, config);
    const base = `/v1/stores/${await storeOf(tenant)}/templates`;
    const withContent = (content: Record<string, unknown>) => ({ ...boleto, content: { ...boleto.content, ...content } });
    const reply = (text: string) => ({ type: 'reply', text });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [withContent({ body: 'x'.repeat(1025) }), 'content.body', '1024'],
      [withContent({ header: 'h'.repeat(61) }), 'content.header', '60'],
      [withContent({ buttons: [reply('Um'), reply('Dois'), reply('Três'), reply('Quatro')] }), 'content.buttons', '3'],
      [withContent({ buttons: [reply('Um'), reply('Dois'), reply('Vinte e um caracteres')] }), 'content.buttons[2].text', '20'],
      [withContent({ buttons: [{ type: 'url', text: 'Abrir', url: 'javascript:alert(1)' }] }), 'content.buttons[0].url', 'http'],
      [withContent({ body: 'Olá {{nome_completo}}' }), 'content.body', '{{nome_completo}}'],
      [withContent({ body: 'Olá {{first_name}, tudo bem?' }), 'content.body', 'unbalanced'],
      [withContent({ body: 'Live às {{var.hora}}' }), 'content.body', 'var.hora'],
    ];
    for (const [body, field, mentions] of cases) {
      const res = await tenant.call('POST', base, body);
      expect({ status: res.status, field: res.body.field }).toEqual({ status: 422, field });
      expect(res.body.message).toContain(mentions);
    }
    // var.<key> is fine for custom events.
    expect((await tenant.call('POST', base, { ...withContent({ body: 'Live às {{var.hora}}' }), event_type: 'custom' })).status).toBe(201);
    // Shapes the document states are 400s naming the field.
    const badType = await tenant.call('POST', base, { ...boleto, event_type: 'order_lost' });
    expect(badType.status).toBe(400);
    expect(JSON.stringify(badType.body)).toContain('event_type');
    expect((await tenant.call('GET', `${base}?event_type=order_lost`)).status).toBe(400);
    expect((await tenant.call('GET', base)).body).toHaveLength(1);
  });

  describe('linked Meta templates', () => {
    const linked = (name: string, category: string, body: string) => ({
      event_type: 'payment_approved',
      category,
      content: { body },
      meta_template: { name, language: 'pt_BR' },
    });

    it('records an approved template of the same category with its components; refuses one not approved, of another category, or absent', async () => {
      const tenant = await createTenant(api, config);
      const base = `/v1/stores/${await storeOf(tenant)}/templates`;
      // pedido_atualizado is one of the simulator's approved defaults: UTILITY, three body parameters.
      const ok = await tenant.call('POST', base, linked('pedido_atualizado', 'utility', 'Olá {{first_name}}, seu pedido {{order_id}} foi atualizado: {{tracking_code}}.'));
      expect(ok.status).toBe(201);
      expect(ok.body.meta_template).toMatchObject({
        name: 'pedido_atualizado',
        language: 'pt_BR',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} foi atualizado: {{3}}.' }],
        synced_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });

      sim.simulator.addTemplate({ name: 'pagamento_em_analise', category: 'UTILITY', status: 'PENDING', components: [{ type: 'BODY', text: 'Olá {{1}}' }] });
      const pending = await tenant.call('POST', base, { ...linked('pagamento_em_analise', 'utility', 'Olá {{name}}'), variant: 'B' });
      expect({ status: pending.status, field: pending.body.field }).toEqual({ status: 422, field: 'meta_template.name' });
      expect(pending.body.message).toContain('PENDING');

      // carrinho_abandonado is MARKETING at Meta.
      const mismatch = await tenant.call('POST', base, { ...linked('carrinho_abandonado', 'utility', 'Oi {{first_name}}'), event_type: 'cart_abandoned' });
      expect({ status: mismatch.status, field: mismatch.body.field }).toEqual({ status: 422, field: 'category' });
      expect(mismatch.body.message).toContain('MARKETING');

      const absent = await tenant.call('POST', base, { ...linked('nao_existe', 'utility', 'Oi'), variant: 'C' });
      expect({ status: absent.status, field: absent.body.field }).toEqual({ status: 422, field: 'meta_template.name' });

      const parameters = await tenant.call('POST', base, { ...linked('pedido_atualizado', 'utility', 'Olá {{first_name}}'), variant: 'D' });
      expect({ status: parameters.status, field: parameters.body.field }).toEqual({ status: 422, field: 'content.body' });

      expect((await tenant.call('GET', base)).body.map((t: any) => t.id)).toEqual([ok.body.id]);
    });

    it('needs the store to send through a WhatsApp number', async () => {
      const tenant = await createTenant(api, config);
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO channel_accounts (account_id, channel, name, address) VALUES ($1, 'email', 'Loja', $2) RETURNING id`,
        [tenant.accountId, `loja-${randomUUID()}@example.com`],
      );
      const base = `/v1/stores/${await storeOf(tenant, rows[0].id)}/templates`;
      const res = await tenant.call('POST', base, linked('pedido_atualizado', 'utility', '{{first_name}} {{order_id}} {{tracking_code}}'));
      expect({ status: res.status, field: res.body.field }).toEqual({ status: 422, field: 'meta_template' });
      expect((await tenant.call('POST', base, { ...linked('x', 'utility', 'Pago!'), meta_template: null })).status).toBe(201);
    });

    it("sync re-reads each linked template's status, category and components from Meta", async () => {
      const tenant = await createTenant(api, config);
      const base = `/v1/stores/${await storeOf(tenant)}/templates`;
      const name = `pagamento_ok_${randomUUID().slice(0, 8)}`;
      sim.simulator.addTemplate({ name, category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'Pagamento de {{1}} confirmado' }] });
      const created = await tenant.call('POST', base, linked(name, 'utility', 'Pagamento de {{value}} confirmado'));
      expect(created.status).toBe(201);
      const plain = await tenant.call('POST', base, { event_type: 'refunded', category: 'utility', content: { body: 'Estornado' } });

      // Meta paused and recategorised it meanwhile.
      const components = [{ type: 'BODY', text: 'Pagamento de {{1}} confirmado!' }];
      sim.simulator.addTemplate({ name, category: 'MARKETING', status: 'PAUSED', components });
      const synced = await tenant.call('POST', `${base}/sync`);
      expect(synced.status).toBe(200);
      const byId = new Map(synced.body.map((t: any) => [t.id, t]));
      expect((byId.get(created.body.id) as any).meta_template).toMatchObject({ name, language: 'pt_BR', status: 'PAUSED', category: 'MARKETING', components });
      expect(Date.parse((byId.get(created.body.id) as any).meta_template.synced_at)).toBeGreaterThanOrEqual(Date.parse(created.body.meta_template.synced_at));
      expect((byId.get(plain.body.id) as any).meta_template).toBeNull();
      expect((await tenant.call('GET', `${base}/${created.body.id}`)).body.meta_template.status).toBe('PAUSED');
      const wrongMethod = await tenant.call('GET', `${base}/sync`);
      expect({ status: wrongMethod.status, allow: wrongMethod.headers.allow }).toEqual({ status: 405, allow: 'POST' });
    });
  });
});
