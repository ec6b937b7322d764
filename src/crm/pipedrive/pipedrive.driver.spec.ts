import { CrmRateLimitedError, CrmRejectedError, CrmUnauthorizedError, CrmUnavailableError, NON_RETRYABLE_CRM_ERRORS } from '../driver';
import { loadCrmConfig } from '../crm.config';
import { PipedrivePacer } from './pacer';
import { retryAfterMs } from './pipedrive.client';
import { PipedriveDriver } from './pipedrive.driver';

/** The Pipedrive driver's requests and its reading of Pipedrive's answers, over a scripted fetch. */

interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: any;
}

type Scripted = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> } | Error;

function setup(answers: Scripted[], env: Record<string, string> = {}) {
  const calls: Call[] = [];
  const waits: number[] = [];
  const fetchImpl = (async (input: URL, init: RequestInit) => {
    calls.push({
      method: init.method ?? 'GET',
      url: new URL(String(input)),
      headers: init.headers as Record<string, string>,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    });
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    if (next instanceof Error) throw next;
    return new Response(next.text ?? JSON.stringify(next.body ?? { success: true, data: {} }), { status: next.status ?? 200, headers: next.headers });
  }) as unknown as typeof fetch;
  const config = loadCrmConfig({ PIPEDRIVE_API_URL: 'http://pipedrive.test/', ...env }).pipedrive;
  // Each test's own pacer, on a clock that the recorded waits move on.
  let now = 0;
  const pacer = new PipedrivePacer(() => now);
  const sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };
  const driver = new PipedriveDriver(config, 'secret-token', { fetch: fetchImpl, sleep, pacer });
  return { driver, calls, waits };
}

const ok = (data: unknown) => ({ body: { success: true, data } });
const noHits = ok({ items: [] });

describe('PipedriveDriver requests', () => {
  it('looks a new customer up by e-mail, then phone, then creates them; the token only in x-api-token', async () => {
    const { driver, calls } = setup([noHits, noHits, ok({ id: 41 })]);
    const result = await driver.upsertPerson({ name: 'Ana Souza', email: 'ana@example.com', phone: '+5511988887777' });
    expect(result).toEqual({ personId: '41', created: true, updated: false });
    expect(calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual(['GET /api/v2/persons/search', 'GET /api/v2/persons/search', 'POST /api/v2/persons']);
    expect(Object.fromEntries(calls[0].url.searchParams)).toEqual({ term: 'ana@example.com', fields: 'email', exact_match: 'true', limit: '1' });
    expect(calls[1].url.searchParams.get('fields')).toBe('phone');
    expect(calls[2].body).toEqual({
      name: 'Ana Souza',
      emails: [{ value: 'ana@example.com', primary: true, label: 'work' }],
      phones: [{ value: '+5511988887777', primary: true, label: 'mobile' }],
    });
    for (const c of calls) {
      expect(c.headers['x-api-token']).toBe('secret-token');
      expect(c.url.toString()).not.toContain('secret-token');
    }
  });

  it('adds a missing phone to a person found by e-mail, keeping the entries it has', async () => {
    const hit = ok({ items: [{ result_score: 1, item: { id: 7, emails: ['ana@example.com'], phones: [] } }] });
    const person = ok({ id: 7, name: 'Ana', emails: [{ value: 'ana@example.com', primary: true, label: 'home' }], phones: [] });
    const { driver, calls } = setup([hit, person, ok({ id: 7 })]);
    expect(await driver.upsertPerson({ name: 'Ana', email: 'ANA@example.com', phone: '+5511988887777' })).toEqual({ personId: '7', created: false, updated: true });
    expect(calls[2].method).toBe('PATCH');
    expect(calls[2].url.pathname).toBe('/api/v2/persons/7');
    expect(calls[2].body).toEqual({ phones: [{ value: '+5511988887777', primary: true, label: 'mobile' }] });
  });

  it('changes nothing for a returning customer who has both', async () => {
    const hit = ok({ items: [{ item: { id: 7, emails: ['ana@example.com'], phones: ['+55 11 98888-7777'] } }] });
    const { driver, calls } = setup([hit]);
    expect(await driver.upsertPerson({ name: 'Ana', email: 'ana@example.com', phone: '+5511988887777' })).toEqual({ personId: '7', created: false, updated: false });
    expect(calls).toHaveLength(1);
  });

  it('creates a deal with numbers where v2 wants numbers, and marks it won with a PATCH', async () => {
    const { driver, calls } = setup([ok({ id: 9, owner_id: 3, pipeline_id: 2, stage_id: 5 }), ok({ id: 9, status: 'won' })]);
    const deal = await driver.createDeal({ personId: '41', title: 'Plano anual', value: 497.9, currency: 'BRL', pipelineId: '2', stageId: '5' });
    expect(deal).toEqual({ dealId: '9', ownerId: '3', pipelineId: '2', stageId: '5' });
    expect(calls[0].body).toEqual({ title: 'Plano anual', value: 497.9, currency: 'BRL', person_id: 41, pipeline_id: 2, stage_id: 5 });
    await driver.markDealWon('9');
    expect(calls[1]).toMatchObject({ method: 'PATCH', body: { status: 'won' } });
    expect(calls[1].url.pathname).toBe('/api/v2/deals/9');
  });

  it("assigns an activity to the deal's owner when no owner is given", async () => {
    const { driver, calls } = setup([ok({ id: 9, owner_id: 3 }), ok({ id: 70, owner_id: 3 })]);
    expect(await driver.createActivity({ dealId: '9', subject: 'Ligar para Ana', dueDate: '2026-12-08', type: 'call' })).toEqual({ activityId: '70', ownerId: '3' });
    expect(calls[0].url.pathname).toBe('/api/v2/deals/9');
    expect(calls[1].body).toEqual({ subject: 'Ligar para Ana', deal_id: 9, due_date: '2026-12-08', owner_id: 3, type: 'call' });
  });

  it('adds notes through v1, the only version with notes', async () => {
    const { driver, calls } = setup([ok({ id: 12 })]);
    expect(await driver.addNote({ dealId: '9', content: 'Checkout aberto' })).toEqual({ noteId: '12' });
    expect(calls[0].url.pathname).toBe('/v1/notes');
    expect(calls[0].body).toEqual({ content: 'Checkout aberto', deal_id: 9 });
  });

  it('refuses to send what the documented schema does not allow, naming the field', async () => {
    const { driver, calls } = setup([]);
    await expect(driver.createDeal({ personId: '41', title: 'x', value: 10, currency: 'brl' })).rejects.toThrow(/body\.currency must match/);
    await expect(driver.markDealWon('abc')).rejects.toThrow(CrmRejectedError);
    await expect(driver.createActivity({ dealId: '9', ownerId: '3', subject: 'x', dueDate: '08/12/2026' })).rejects.toThrow(/body\.due_date/);
    expect(calls).toHaveLength(0);
  });
});

describe('PipedriveDriver errors', () => {
  const unauthorized = { status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' } };

  it('a refused token is a named, non-retryable error', async () => {
    const { driver } = setup([unauthorized]);
    const err = await driver.dealOwner('9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmUnauthorizedError);
    expect(err).toMatchObject({ name: 'CrmUnauthorizedError', retryable: false, status: 401 });
    expect(NON_RETRYABLE_CRM_ERRORS).toContain((err as Error).name);
    expect((err as Error).message).not.toContain('secret-token');
  });

  it('waits out a short 429 inside the call and then succeeds', async () => {
    const { driver, waits, calls } = setup([{ status: 429, headers: { 'retry-after': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } }, ok({ id: 9, owner_id: 3 })]);
    expect(await driver.dealOwner('9')).toBe('3');
    expect(waits).toEqual([1000]);
    expect(calls).toHaveLength(2);
  });

  it('throws a long 429 as retryable with the wait Pipedrive asked for', async () => {
    const { driver, waits } = setup([{ status: 429, headers: { 'retry-after': '10', 'x-ratelimit-reset': '10' } }]);
    const err = await driver.dealOwner('9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 10_000 });
    expect(waits).toEqual([]);
  });

  it('gives up after the configured number of short waits', async () => {
    const limited = { status: 429, headers: { 'x-ratelimit-reset': '1' } };
    const { driver, waits } = setup([limited, limited, limited], { PIPEDRIVE_RATE_LIMIT_RETRIES: '2' });
    await expect(driver.dealOwner('9')).rejects.toMatchObject({ name: 'CrmRateLimitedError', retryAfterMs: 1000 });
    expect(waits).toEqual([1000, 1000]);
  });

  it('5xx and no answer are retryable; other 4xx are not; an HTML 403 block is rate limiting', async () => {
    const { driver } = setup([
      { status: 503, body: { success: false, error: 'Service unavailable' } },
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      { status: 404, body: { success: false, error: 'Deal not found', error_info: 'Please check developers.pipedrive.com', data: null } },
      { status: 403, text: '<html>Access denied</html>' },
    ]);
    await expect(driver.dealOwner('9')).rejects.toMatchObject({ name: 'CrmUnavailableError', retryable: true, status: 503 });
    const network = await driver.dealOwner('9').catch((e: unknown) => e);
    expect(network).toBeInstanceOf(CrmUnavailableError);
    expect(network).toMatchObject({ retryable: true, status: null, message: 'Pipedrive GET /api/v2/deals/9: ECONNREFUSED' });
    await expect(driver.dealOwner('9')).rejects.toMatchObject({ name: 'CrmRejectedError', retryable: false, status: 404, message: 'Pipedrive GET /api/v2/deals/9: 404 Deal not found' });
    await expect(driver.dealOwner('9')).rejects.toMatchObject({ name: 'CrmRateLimitedError', retryable: true });
  });

  it('reads Retry-After as seconds or a date, else x-ratelimit-reset', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Mon, 07 Dec 2026 10:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({}), now)).toBeNull();
  });
});
