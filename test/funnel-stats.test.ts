import { Pool } from 'pg';
import { signWebhook } from '../src/whatsapp/signature';
import { TrackedLinks } from '../src/funnels/links/tracked-links';
import { attributeConversion } from '../src/funnels/stats/conversions';
import { canonicalEvent, FunnelRows, type AttemptSpec, type NotificationSpec } from './support/funnel-rows';
import { inboundTextWebhook } from './support/payloads';
import { createTenant, eventually, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

const HOUR = 3_600_000;
/** The key columns of each grouping, as the statistics rows carry them. */
const GROUP_FIELDS: Record<string, string[]> = {
  template: ['template_id', 'event_type'],
  step: ['funnel', 'step'],
  variant: ['event_type', 'step', 'variant'],
  funnel: ['funnel'],
};
const DAY = 24 * HOUR;

/**
 * A store's funnel statistics over real rows: funnels, notifications, routed messages and their
 * channel attempts written as the funnel, routing and send code write them; clicks through the
 * real redirect; a reply through the real WhatsApp webhook; conversions attributed by
 * attributeConversion. Every number of every grouping is checked against the message rows.
 */
describe('funnel statistics', () => {
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;
  let rows: FunnelRows;

  beforeAll(async () => {
    config = testConfig({ FUNNEL_AB_MIN_SAMPLE: '3' });
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 3 });
    rows = new FunnelRows(pool);
  });
  afterAll(async () => {
    await pool.end();
    await api.close();
  });

  type Tenant = Awaited<ReturnType<typeof createTenant>>;

  async function storeOf(tenant: Tenant): Promise<string> {
    const created = await tenant.call('POST', '/v1/stores', { platform: 'generic', name: 'Loja Stats', channel_account_id: tenant.numberId, secrets: { token: 'x' } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function convert(accountId: string, storeId: string, contactId: string, orderId: string, amountMinor: string) {
    const client = await pool.connect();
    try {
      return await attributeConversion(client, {
        accountId, storeId, contactId, orderId, amount: { amountMinor, currency: 'BRL' }, at: new Date(), windowMs: config.funnelStats.conversionWindowMs,
      });
    } finally {
      client.release();
    }
  }

  /** What the statistics must say, computed here from the rows themselves: final message = dispatches.message_id, else the dispatch's last. */
  async function expectedFromRows(storeId: string, from: Date | null) {
    const { rows: ns } = await pool.query(
      `SELECT n.*, f.funnel FROM notifications n JOIN funnels f ON f.id = n.funnel_id WHERE n.store_id = $1 AND n.state IN ('sent', 'expired')`,
      [storeId],
    );
    const { rows: ds } = await pool.query('SELECT d.id, d.message_id FROM dispatches d WHERE d.id = ANY($1::uuid[])', [ns.map((n) => n.dispatch_id).filter(Boolean)]);
    const { rows: ms } = await pool.query('SELECT id, dispatch_id, state, created_at FROM messages WHERE dispatch_id = ANY($1::uuid[])', [ds.map((d) => d.id)]);
    const finalState = (dispatchId: string | null): string | null => {
      const d = ds.find((x) => x.id === dispatchId);
      if (!d) return null;
      const own = ms.filter((m) => m.dispatch_id === d.id).sort((a, b) => a.created_at - b.created_at);
      return (d.message_id ? own.find((m) => m.id === d.message_id) : own[own.length - 1])?.state ?? null;
    };
    const inPeriod = ns.filter((n) => !from || (n.sent_at ?? n.created_at) >= from);
    const keyOf = (by: string, n: Record<string, unknown>) => Object.fromEntries(GROUP_FIELDS[by].map((f) => [f, n[f]]));
    const groups = (by: string) => {
      const out = new Map<string, Record<string, any>>();
      for (const n of inPeriod) {
        const key = keyOf(by, n);
        const id = JSON.stringify(key);
        const g = out.get(id) ?? { ...key, sent: 0, delivered: 0, read: 0, failed: 0, expired: 0, replied: 0, clicked: 0, converted: 0, revenue: 0n };
        const sent = n.state === 'sent';
        const state = sent ? finalState(n.dispatch_id) : null;
        g.sent += sent ? 1 : 0;
        g.delivered += ['delivered', 'read', 'played'].includes(state ?? '') ? 1 : 0;
        g.read += ['read', 'played'].includes(state ?? '') ? 1 : 0;
        g.failed += state === 'failed' ? 1 : 0;
        g.expired += n.state === 'expired' ? 1 : 0;
        g.replied += n.replied_at ? 1 : 0;
        g.clicked += n.clicked_at ? 1 : 0;
        g.converted += n.converted_at ? 1 : 0;
        g.revenue += n.converted_at ? BigInt(n.revenue_minor) : 0n;
        out.set(id, g);
      }
      return out;
    };
    return { groups, inPeriod };
  }

  it('counts sent, delivered, read, failed, expired, replied, clicked and converted as the message rows say, in every grouping', async () => {
    const tenant = await createTenant(api, config);
    const storeId = await storeOf(tenant);
    const accountId = tenant.accountId;
    const app = (
      await pool.query<{ id: string }>(
        "INSERT INTO channel_accounts (account_id, channel, name, address) VALUES ($1, 'app', 'App', $2) RETURNING id",
        [accountId, `app-${storeId}`],
      )
    ).rows[0].id;
    const wa = (receipts: AttemptSpec['receipts']): AttemptSpec => ({ channel: 'whatsapp', channelAccountId: tenant.numberId, receipts });
    const viaApp = (receipts: AttemptSpec['receipts']): AttemptSpec => ({ channel: 'app', channelAccountId: app, receipts });
    // How routed messages end: read; delivered; WhatsApp failed then the app took it (no receipt);
    // no channel took it; still routing with a delivery receipt in; WhatsApp failed, the app delivered.
    const outcomes: Array<NonNullable<NotificationSpec['dispatch']>> = [
      { attempts: [wa(['sent', 'delivered', 'read'])], finished: 'delivered' },
      { attempts: [wa(['sent', 'delivered'])], finished: 'delivered' },
      { attempts: [wa(['failed']), viaApp([])], finished: 'sent' },
      { attempts: [wa(['failed'])], finished: 'undelivered' },
      { attempts: [wa(['sent', 'delivered'])], finished: null },
      { attempts: [wa(['failed']), viaApp(['delivered'])], finished: 'delivered' },
    ];
    const now = Date.now();
    const base = { accountId, storeId, channelAccountId: tenant.numberId };
    const waIds = Array.from({ length: 9 }, () => randomWaId());
    const contacts: string[] = [];
    for (const [i, waId] of waIds.entries()) contacts.push(await rows.contact(accountId, waId, `Cliente ${i}`));
    const templates = {
      A: await rows.template({ accountId, storeId, eventType: 'cart_abandoned', step: 0, variant: 'A' }),
      B: await rows.template({ accountId, storeId, eventType: 'cart_abandoned', step: 0, variant: 'B' }),
      boleto: await rows.template({ accountId, storeId, eventType: 'boleto_issued', step: null, variant: 'A' }),
    };

    // Abandoned carts: step 0 in A/B variants (contacts 0-7), a second step for two, an expired third step for some.
    const cartSteps: string[][] = [];
    for (let i = 0; i < 8; i++) {
      const funnelId = await rows.funnel({ accountId, storeId, contactId: contacts[i], funnel: 'cart_abandoned', subject: `cart-${i}`, event: canonicalEvent('cart_abandoned', null, '25000') });
      const variant = i % 2 === 0 ? 'A' : 'B';
      const ids = [await rows.notification({ ...base, contactId: contacts[i], funnelId, step: 0, eventType: 'cart_abandoned', templateId: templates[variant], variant, state: 'sent', sentAt: new Date(now - 40 * HOUR + i * HOUR), dispatch: outcomes[i % 6] })];
      if (i < 2) ids.push(await rows.notification({ ...base, contactId: contacts[i], funnelId, step: 1, eventType: 'cart_abandoned', variant: 'A', state: 'sent', sentAt: new Date(now - 10 * HOUR + i * HOUR), dispatch: outcomes[(i + 2) % 6] }));
      if (i % 3 === 0) ids.push(await rows.notification({ ...base, contactId: contacts[i], funnelId, step: 2, eventType: 'cart_abandoned', variant: 'A', state: 'expired' }));
      cartSteps.push(ids);
    }
    // Boletos for contacts 0-2: two reminders each; a queued third one is not counted yet.
    const boletoSteps: string[][] = [];
    for (let k = 0; k < 3; k++) {
      const funnelId = await rows.funnel({ accountId, storeId, contactId: contacts[k], funnel: 'boleto_issued', subject: `order-${k}`, event: canonicalEvent('boleto_issued', `order-${k}`, '15990') });
      const ids: string[] = [];
      for (const step of [0, 1]) {
        ids.push(await rows.notification({ ...base, contactId: contacts[k], funnelId, step, eventType: 'boleto_issued', templateId: templates.boleto, variant: 'A', state: 'sent', sentAt: new Date(now - (30 - step * 24) * HOUR - k * HOUR), dispatch: outcomes[(k + step + 1) % 6] }));
      }
      await rows.notification({ ...base, contactId: contacts[k], funnelId, step: 2, eventType: 'boleto_issued', templateId: templates.boleto, variant: 'A', state: 'queued' });
      boletoSteps.push(ids);
    }
    // An old boleto reminder, sent before the conversion window.
    const oldFunnel = await rows.funnel({ accountId, storeId, contactId: contacts[8], funnel: 'boleto_issued', subject: 'order-old', event: canonicalEvent('boleto_issued', 'order-old', '9900') });
    await rows.notification({ ...base, contactId: contacts[8], funnelId: oldFunnel, step: 0, eventType: 'boleto_issued', templateId: templates.boleto, variant: 'A', state: 'sent', sentAt: new Date(now - 10 * DAY), dispatch: outcomes[0] });

    // Clicks through the real redirect.
    const links = new TrackedLinks(pool, config.api.publicUrl, config.secrets);
    const clickedLinks: Array<{ notification: string; url: string; link: string }> = [];
    for (const [notification, url] of [[cartSteps[0][0], 'https://loja.example/carrinho/0?utm_source=recado&x=1'], [boletoSteps[1][1], 'https://boleto.example/b/1']]) {
      const linker = links.linker(notification);
      const link = linker.link(url);
      expect(link).toMatch(new RegExp(`^${config.api.publicUrl}/r/[A-Za-z0-9_-]{22}$`));
      // Deterministic per (notification, url): a retried render makes the same link; other notifications get others.
      expect(links.linker(notification).link(url)).toBe(link);
      expect(links.linker(cartSteps[1][0]).link(url)).not.toBe(link);
      expect(linker.link('tel:+5511999999999')).toBe('tel:+5511999999999');
      const client = await pool.connect();
      await links.save(client, notification, linker.links()).finally(() => client.release());
      clickedLinks.push({ notification, url, link });
    }
    const follow = (link: string) => fetch(link.replace(config.api.publicUrl, api.url), { redirect: 'manual' });
    for (const [index, times] of [2, 1].entries()) {
      const { link, url } = clickedLinks[index];
      for (let c = 0; c < times; c++) {
        const res = await follow(link);
        expect(res.status).toBe(302);
        expect(res.headers.get('location')).toBe(url);
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    }
    const { rows: tracked } = await pool.query('SELECT notification_id, clicks, first_clicked_at, last_clicked_at FROM tracked_links WHERE notification_id = ANY($1::uuid[]) ORDER BY clicks DESC', [clickedLinks.map((l) => l.notification)]);
    expect(tracked.map((t) => [t.notification_id, t.clicks])).toEqual([[clickedLinks[0].notification, 2], [clickedLinks[1].notification, 1]]);
    expect(tracked[0].last_clicked_at.getTime()).toBeGreaterThanOrEqual(tracked[0].first_clicked_at.getTime());
    for (const bad of [`${api.url}/r/AAAAAAAAAAAAAAAAAAAAAA`, `${api.url}/r/not-a-token`, `${api.url}/r/${'x'.repeat(300)}`]) {
      const res = await fetch(bad, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
    }

    // A reply through the real WhatsApp webhook marks the contact's last funnel message replied.
    const raw = JSON.stringify(inboundTextWebhook(tenant.phoneNumberId, waIds[4], `wamid.stats${Date.now()}`, 'Ainda dá tempo?'));
    const posted = await fetch(`${api.url}/v1/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) }, body: raw });
    expect(posted.status).toBe(200);
    await eventually(async () => ((await pool.query('SELECT 1 FROM notifications WHERE id = $1 AND replied_at IS NOT NULL', [cartSteps[4][0]])).rowCount ? true : undefined));

    // Conversions: the boleto's last reminder; carts of contacts 2 (A) and 3, 5, 7 (B) at step 0; the old one is out of the window.
    expect(await convert(accountId, storeId, contacts[0], 'order-0', '15990')).toBe(boletoSteps[0][1]);
    expect(await convert(accountId, storeId, contacts[0], 'order-0', '15990')).toBeNull();
    for (const i of [2, 3, 5, 7]) expect(await convert(accountId, storeId, contacts[i], `order-cart-${i}`, '25000')).toBe(cartSteps[i][0]);
    expect(await convert(accountId, storeId, contacts[8], 'order-old', '9900')).toBeNull();

    const stats = async (query: string) => {
      const res = await tenant.call('GET', `/v1/stores/${storeId}/stats?${query}`);
      expect(res.status).toBe(200);
      return res.body as { group_by: string; rows: Array<Record<string, any>> };
    };
    const { groups, inPeriod } = await expectedFromRows(storeId, null);
    const sentRows = inPeriod.filter((n) => n.state === 'sent');
    for (const by of ['template', 'step', 'variant', 'funnel']) {
      const got = await stats(`group_by=${by}`);
      const expected = groups(by);
      expect(got.rows).toHaveLength(expected.size);
      for (const row of got.rows) {
        const { currency, revenue_minor, conversion_rate, ...rest } = row;
        const counts = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'winner' && k !== 'revenue_by_currency'));
        const want = expected.get(JSON.stringify(Object.fromEntries(GROUP_FIELDS[by].map((f) => [f, row[f]]))))!;
        expect(want).toBeDefined();
        const { revenue, ...wantCounts } = want;
        expect(counts).toEqual(wantCounts);
        expect(revenue_minor).toBe(revenue.toString());
        expect(currency).toBe(revenue > 0n ? 'BRL' : null);
        expect(conversion_rate).toBeCloseTo(want.sent ? want.converted / want.sent : 0, 4);
      }
      // The totals reconcile with the rows: every sent notification once, delivered = final message delivered/read.
      const total = (k: string) => got.rows.reduce((s, r) => s + r[k], 0);
      expect(total('sent')).toBe(sentRows.length);
      expect(total('expired')).toBe(inPeriod.filter((n) => n.state === 'expired').length);
    }
    const byFunnel: Record<string, Record<string, any>> = Object.fromEntries((await stats('group_by=funnel')).rows.map((r) => [r.funnel, r]));
    expect(byFunnel.boleto_issued).toMatchObject({ sent: 7, converted: 1, revenue_minor: '15990', currency: 'BRL', clicked: 1 });
    expect(byFunnel.cart_abandoned).toMatchObject({ sent: 10, expired: 3, converted: 4, revenue_minor: '100000', clicked: 1, replied: 1 });
    const { rows: delivered } = await pool.query(
      `SELECT count(*)::int AS n FROM notifications n JOIN dispatches d ON d.id = n.dispatch_id
         JOIN messages m ON m.id = coalesce(d.message_id, (SELECT l.id FROM messages l WHERE l.dispatch_id = d.id ORDER BY l.created_at DESC LIMIT 1))
        WHERE n.store_id = $1 AND n.state = 'sent' AND m.state IN ('delivered', 'read')`,
      [storeId],
    );
    expect(Object.values(byFunnel).reduce((s, r) => s + r.delivered, 0)).toBe(delivered[0].n);

    // A/B: at cart step 0, B converted 3 of 4 and A 1 of 4 (minimum sample 3); step 1 has one variant only.
    const variants = (await stats('group_by=variant')).rows.filter((r) => r.event_type === 'cart_abandoned');
    expect(variants.filter((r) => r.winner).map((r) => [r.step, r.variant])).toEqual([[0, 'B']]);
    expect(variants.find((r) => r.step === 0 && r.variant === 'B')).toMatchObject({ sent: 4, converted: 3, conversion_rate: 0.75 });

    // A period: the old reminder falls out, and the rest still reconciles.
    const from = new Date(now - 5 * DAY);
    const recent = await stats(`group_by=funnel&from=${from.toISOString()}`);
    const { inPeriod: recentRows } = await expectedFromRows(storeId, from);
    expect(recent.rows.reduce((s, r) => s + r.sent, 0)).toBe(recentRows.filter((n) => n.state === 'sent').length);
    expect(recent.rows.reduce((s, r) => s + r.sent, 0)).toBe(sentRows.length - 1);

    // Frequency per recipient, from the same rows.
    const perContact = new Map<string, number>();
    const perDay = new Map<string, number>();
    for (const n of sentRows) {
      perContact.set(n.contact_id, (perContact.get(n.contact_id) ?? 0) + 1);
      const day = `${n.contact_id}:${n.sent_at.toISOString().slice(0, 10)}`;
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    const counts = [...perContact.values()].sort((a, b) => a - b);
    const median = counts.length % 2 ? counts[(counts.length - 1) / 2] : (counts[counts.length / 2 - 1] + counts[counts.length / 2]) / 2;
    const histogram = (test: (c: number) => boolean) => [...perDay.values()].filter(test).length;
    const recipients = await tenant.call('GET', `/v1/stores/${storeId}/stats/recipients`);
    expect(recipients.status).toBe(200);
    expect(recipients.body).toEqual({
      from: null,
      to: null,
      contacts_reached: perContact.size,
      messages: sentRows.length,
      messages_per_contact: { avg: Math.round((sentRows.length / perContact.size) * 100) / 100, p50: median, max: counts[counts.length - 1] },
      per_day: { '1': histogram((c) => c === 1), '2': histogram((c) => c === 2), '3': histogram((c) => c === 3), '4+': histogram((c) => c >= 4) },
    });
  });

  it("answers 404 for another account's store or a deleted one, and names bad parameters", async () => {
    const tenant = await createTenant(api, config);
    const other = await createTenant(api, config);
    const storeId = await storeOf(tenant);
    expect((await other.call('GET', `/v1/stores/${storeId}/stats?group_by=funnel`)).status).toBe(404);
    expect((await other.call('GET', `/v1/stores/${storeId}/stats/recipients`)).status).toBe(404);
    expect((await other.call('GET', `/v1/stores/${storeId}/keyword-triggers`)).status).toBe(404);

    const empty = await tenant.call('GET', `/v1/stores/${storeId}/stats?group_by=step`);
    expect(empty.body).toEqual({ group_by: 'step', from: null, to: null, rows: [] });
    const missing = await tenant.call('GET', `/v1/stores/${storeId}/stats`);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('group_by');
    const backwards = await tenant.call('GET', `/v1/stores/${storeId}/stats?group_by=funnel&from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z`);
    expect(backwards.status).toBe(422);
    expect(backwards.body.field).toBe('from');
    expect((await tenant.call('GET', `/v1/stores/${storeId}/stats?group_by=funnel&to=yesterday`)).status).toBe(400);

    await pool.query('UPDATE stores SET deleted_at = now() WHERE id = $1', [storeId]);
    expect((await tenant.call('GET', `/v1/stores/${storeId}/stats?group_by=funnel`)).status).toBe(404);
    expect((await tenant.call('GET', `/v1/stores/${storeId}/stats/recipients`)).status).toBe(404);
  });
});
