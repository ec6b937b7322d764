import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadCrmConfig } from '../src/crm/crm.config';
import { CrmRateLimitedError, CrmUnauthorizedError, CrmUnavailableError } from '../src/crm/driver';
import { PipedriveDriver } from '../src/crm/pipedrive/pipedrive.driver';
import { startPipedriveSimulator, type RunningPipedriveSimulator } from '../src/simulators/pipedrive/server';

/**
 * recado's Pipedrive driver against the Pipedrive simulator over HTTP, and the simulator's answers
 * against examples Pipedrive published (test/fixtures/pipedrive/README.md).
 */

const FIXTURES = path.join(__dirname, 'fixtures/pipedrive');
const load = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Fields of `published` missing from `ours` or of another JSON type (null on either side: nullable). */
function shapeDiff(published: unknown, ours: unknown, at = ''): string[] {
  if (published === null || ours === null) return [];
  if (kind(published) !== kind(ours)) return [`${at || '(root)'}: ${kind(published)} published, ${kind(ours)} from the simulator`];
  if (Array.isArray(published)) return published.length && (ours as unknown[]).length ? shapeDiff(published[0], (ours as unknown[])[0], `${at}[0]`) : [];
  if (kind(published) !== 'object') return [];
  const p = published as Record<string, unknown>;
  const o = ours as Record<string, unknown>;
  return Object.keys(p).flatMap((k) => (k in o ? shapeDiff(p[k], o[k], `${at}.${k}`) : [`${at}.${k}: missing from the simulator`]));
}

const TOKEN = 'test-pipedrive-token';
let clock = Date.parse('2026-12-07T12:00:00Z');
let sim: RunningPipedriveSimulator;
let waits: number[];

function driver(token = TOKEN, env: Record<string, string> = {}) {
  const config = loadCrmConfig({ PIPEDRIVE_API_URL: sim.url, ...env }).pipedrive;
  return new PipedriveDriver(config, token, { sleep: async (ms) => void waits.push(ms) });
}

async function api(method: string, url: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${sim.url}${url}`, {
    method,
    headers: { 'x-api-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

beforeEach(async () => {
  waits = [];
  // A clock that stands still unless a test moves it; a limit no test reaches unless it means to.
  sim = await startPipedriveSimulator({ now: () => clock, apiTokens: { [TOKEN]: 1 }, rateLimits: { general: { limit: 1000 }, search: { limit: 1000 } } });
});
afterEach(() => sim.close());

describe('Pipedrive driver against the simulator', () => {
  it('upserting a customer twice leaves one person, completed with what was missing', async () => {
    const crm = driver();
    const first = await crm.upsertPerson({ name: 'Ana Souza', email: 'ana@example.com' });
    const again = await crm.upsertPerson({ name: 'Ana Souza', email: 'Ana@Example.com', phone: '+5511988887777' });
    const byPhone = await crm.upsertPerson({ name: 'Ana S.', phone: '+55 11 98888-7777' });
    expect(first).toEqual({ personId: '1', created: true, updated: false });
    expect(again).toEqual({ personId: '1', created: false, updated: true });
    expect(byPhone).toEqual({ personId: '1', created: false, updated: false });
    const { persons } = sim.simulator.state();
    expect(persons).toHaveLength(1);
    expect(persons[0]).toMatchObject({
      name: 'Ana Souza',
      emails: [{ value: 'ana@example.com', primary: true }],
      phones: [{ value: '+5511988887777', primary: true, label: 'mobile' }],
    });
  });

  it('opens a deal in the configured pipeline and stage, then marks it won (twice, harmlessly)', async () => {
    const { pipeline, stages } = sim.simulator.addPipeline({ name: 'Checkout', stages: ['Lead', 'Checkout aberto', 'Pago'] });
    const crm = driver();
    const { personId } = await crm.upsertPerson({ name: 'Ana', email: 'ana@example.com' });
    const deal = await crm.createDeal({ personId, title: 'Plano anual', value: 497.9, currency: 'BRL', pipelineId: String(pipeline.id), stageId: String(stages[1].id) });
    expect(deal).toEqual({ dealId: '1', ownerId: '1', pipelineId: String(pipeline.id), stageId: String(stages[1].id) });
    const firstPipeline = await crm.createDeal({ personId, title: 'Sem etapa', value: 10, currency: 'BRL', pipelineId: String(pipeline.id) });
    expect(firstPipeline.stageId).toBe(String(stages[0].id));

    await crm.markDealWon(deal.dealId);
    const wonAt = sim.simulator.state().deals[0].won_time;
    clock += 60_000;
    await crm.markDealWon(deal.dealId);
    expect(sim.simulator.state().deals[0]).toMatchObject({ status: 'won', won_time: wonAt, value: 497.9, currency: 'BRL', person_id: Number(personId) });
  });

  it("assigns the follow-up activity to the deal's owner, not to the API user", async () => {
    const seller = sim.simulator.addUser({ name: 'Bruna Vendas' });
    const crm = driver();
    const { personId } = await crm.upsertPerson({ name: 'Ana', email: 'ana@example.com' });
    const { dealId } = await crm.createDeal({ personId, title: 'Plano anual', value: 497.9, currency: 'BRL' });
    // The deal changes hands in Pipedrive after recado opened it.
    expect((await api('PATCH', `/api/v2/deals/${dealId}`, { owner_id: seller.id })).status).toBe(200);

    expect(await crm.dealOwner(dealId)).toBe(String(seller.id));
    const activity = await crm.createActivity({ dealId, subject: 'Ligar: checkout não concluído', dueDate: '2026-12-08', type: 'call' });
    expect(activity.ownerId).toBe(String(seller.id));
    expect(sim.simulator.state().activities[0]).toMatchObject({
      owner_id: seller.id,
      creator_user_id: 1,
      deal_id: Number(dealId),
      due_date: '2026-12-08',
      type: 'call',
      subject: 'Ligar: checkout não concluído',
      participants: [{ person_id: Number(personId), primary: true }],
    });
  });

  it('adds a note to the deal', async () => {
    const crm = driver();
    const { personId } = await crm.upsertPerson({ name: 'Ana', email: 'ana@example.com' });
    const { dealId } = await crm.createDeal({ personId, title: 'Plano anual', value: 497.9, currency: 'BRL' });
    const { noteId } = await crm.addNote({ dealId, content: 'Link de pagamento enviado' });
    expect(sim.simulator.state().notes).toEqual([
      expect.objectContaining({ id: Number(noteId), deal_id: Number(dealId), content: 'Link de pagamento enviado', deal: { title: 'Plano anual' }, person: { name: 'Ana' } }),
    ]);
  });

  it('waits out a short forced 429 and throws a long one with the wait from the headers', async () => {
    const crm = driver();
    const { personId } = await crm.upsertPerson({ name: 'Ana', email: 'ana@example.com' });
    sim.simulator.addFault({ status: 429, path: '/api/v2/deals', retryAfterSeconds: 1 });
    const before = Date.now();
    const { dealId } = await crm.createDeal({ personId, title: 'Plano', value: 1, currency: 'BRL' });
    const took = Date.now() - before;
    // One wait: what was left of the second the 429 asked for when the driver took its next turn.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeLessThanOrEqual(1000);
    expect(waits[0]).toBeGreaterThanOrEqual(1000 - took);
    expect(sim.simulator.state().deals).toHaveLength(1);

    sim.simulator.addFault({ status: 429, path: '/api/v2/deals', retryAfterSeconds: 30 });
    const err = await crm.markDealWon(dealId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 30_000, status: 429 });
    expect(sim.simulator.state().deals[0].status).toBe('open');
  });

  it("goes over the token's burst limit: 429 with the rate-limit headers Pipedrive sends, retryAfterMs from them", async () => {
    sim.simulator.setRateLimit('general', { limit: 2, windowMs: 2000, penaltyMs: 10_000 });
    const first = await api('GET', '/api/v2/pipelines');
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await api('GET', '/api/v2/pipelines');
    const over = await api('GET', '/api/v2/pipelines');
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ success: false, errorCode: 429 });
    const recorded = load('rate-limited-429-headers.json');
    for (const name of Object.keys(recorded.headers)) expect(over.headers.has(name)).toBe(true);
    expect([over.headers.get('retry-after'), over.headers.get('x-ratelimit-remaining'), over.headers.get('x-ratelimit-reset')]).toEqual(['10', '0', '10']);

    await expect(driver().dealOwner('1')).rejects.toMatchObject({ name: 'CrmRateLimitedError', retryAfterMs: 10_000 });
    clock += 10_000;
    expect((await api('GET', '/api/v2/pipelines')).status).toBe(200);
  });

  it('a bad token is a non-retryable CrmUnauthorizedError; the token is taken from the header or api_token', async () => {
    const err = await driver('wrong-token').upsertPerson({ name: 'Ana', email: 'ana@example.com' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmUnauthorizedError);
    expect(err).toMatchObject({ retryable: false, status: 401 });
    const raw = await fetch(`${sim.url}/api/v2/pipelines?api_token=wrong-token`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual(load('unauthorized-401.json'));
    expect((await fetch(`${sim.url}/api/v2/pipelines?api_token=${TOKEN}`)).status).toBe(200);

    sim.simulator.addFault({ status: 401, path: '/api/v2/deals' });
    await expect(driver().dealOwner('1')).rejects.toBeInstanceOf(CrmUnauthorizedError);
    expect(sim.simulator.state().persons).toHaveLength(0);
  });

  it('a forced 500 is retryable; a bad body is refused naming the field, with the rate-limit headers still on', async () => {
    sim.simulator.addFault({ status: 500, path: '/api/v2/persons/search' });
    await expect(driver().upsertPerson({ name: 'Ana', email: 'ana@example.com' })).rejects.toBeInstanceOf(CrmUnavailableError);
    const bad = await api('POST', '/api/v2/deals', { title: 'x', value: '10' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: 'body.value must be number', data: null });
    expect(bad.headers.get('x-ratelimit-remaining')).not.toBeNull();
    const missing = await api('GET', '/api/v2/deals/999');
    expect(missing).toMatchObject({ status: 404, body: { success: false, error: 'Deal not found' } });
  });
});

describe('Pipedrive simulator control API', () => {
  const control = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/_sim${url}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('scripts users, tokens, pipelines, faults and limits over HTTP, and shows what was stored and asked', async () => {
    const seller = (await control('POST', '/users', { name: 'Bruna' })).body;
    expect((await control('POST', '/tokens', { token: 'seller-token', userId: seller.id })).status).toBe(200);
    const { pipeline, stages } = (await control('POST', '/pipelines', { name: 'Checkout', stages: ['Aberto', 'Pago'] })).body;
    expect(await control('POST', '/pipelines', { name: 'Empty' })).toMatchObject({ status: 400, body: { error: 'name and stages are required' } });

    const crm = driver('seller-token');
    const { personId } = await crm.upsertPerson({ name: 'Ana', email: 'ana@example.com' });
    const deal = await crm.createDeal({ personId, title: 'Plano', value: 1, currency: 'BRL', stageId: String(stages[1].id) });
    expect(deal).toMatchObject({ ownerId: String(seller.id), pipelineId: String(pipeline.id) });

    await control('POST', '/faults', { status: 503, path: '/api/v2/deals', count: 2 });
    await expect(crm.markDealWon(deal.dealId)).rejects.toMatchObject({ name: 'CrmUnavailableError', status: 503 });
    await control('DELETE', '/faults');
    await crm.markDealWon(deal.dealId);

    await control('POST', '/rate-limit', { limit: 1, windowMs: 2000, penaltyMs: 3000 });
    expect((await api('GET', '/api/v2/pipelines', undefined, 'seller-token')).status).toBe(200);
    expect((await api('GET', '/api/v2/pipelines', undefined, 'seller-token')).headers.get('retry-after')).toBe('3');

    const state = (await control('GET', '/state')).body;
    expect(state.deals).toEqual([expect.objectContaining({ status: 'won', owner_id: seller.id, stage_id: stages[1].id })]);
    const asked = (await control('GET', '/requests')).body.data.map((r: any) => `${r.method} ${r.path} ${r.status}`);
    expect(asked).toEqual([
      'GET /api/v2/persons/search 200',
      'POST /api/v2/persons 200',
      'POST /api/v2/deals 200',
      'PATCH /api/v2/deals/1 503',
      'PATCH /api/v2/deals/1 200',
      'GET /api/v2/pipelines 200',
      'GET /api/v2/pipelines 429',
    ]);
  });
});

describe('Pipedrive simulator answers have the shapes of the published examples', () => {
  it('deal, person, person search, activity and note', async () => {
    const crm = driver();
    const { personId } = await crm.upsertPerson({ name: 'Person Name', email: 'email1@email.com', phone: '12345' });
    const { dealId } = await crm.createDeal({ personId, title: 'Deal Title', value: 200, currency: 'USD' });
    await crm.createActivity({ dealId, subject: 'Call', dueDate: '2021-01-01' });
    await crm.addNote({ dealId, content: 'abc' });

    const deal = await api('GET', `/api/v2/deals/${dealId}`);
    expect(shapeDiff(load('v2-deal-get.json'), deal.body)).toEqual([]);
    const person = await api('GET', `/api/v2/persons/${personId}`);
    expect(shapeDiff(load('v2-person-get.json'), person.body)).toEqual([]);
    const search = await api('GET', '/api/v2/persons/search?term=email1%40email.com&fields=email&exact_match=true');
    expect(search.body.data.items).toHaveLength(1);
    expect(shapeDiff(load('person-search.json').data, search.body.data)).toEqual([]);
    const activity = await api('GET', '/api/v2/activities/1');
    expect(shapeDiff(load('v2-activity-add.json'), activity.body)).toEqual([]);
    const note = await api('GET', '/v1/notes/1');
    expect(shapeDiff(load('v1-note-add.json'), note.body)).toEqual([]);
  });
});
