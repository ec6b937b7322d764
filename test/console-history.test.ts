import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { PlaybackLinks } from '../src/calls/history/playback-links';
import { WAV_HEADER_BYTES } from '../src/media/wav';
import { RealtimeRepository } from '../src/realtime/realtime.repository';
import { axeViolations, launchChromium } from './helpers/browser';
import { BYTES_PER_SECOND, MIXED_SECONDS, RECORDING_SECONDS, seedCallHistory, seedFunnelStore, SUMMARY, type SeededRecording } from './support/console-history-seed';
import { FunnelRows } from './support/funnel-rows';
import { createTenant, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

/** The parts of the page's audio and canvas elements the test reads (the test code has no DOM types). */
interface AudioInPage {
  readyState: number;
  duration: number;
  currentTime: number;
  muted: boolean;
  src: string;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
}
interface CanvasInPage {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

const SCREENSHOTS = path.join(__dirname, '..', 'docs', 'screenshots');

/**
 * The console's call history and funnel statistics in headless Chromium against the API: a call
 * with per-speaker and mixed recordings (real WAV files), a transcript and a summary seeded as the
 * post-call code writes them; a store with templates, sent notifications, a conversion and two
 * deliveries it could not use. The agent sees the transcript and summary, plays and seeks the
 * recording (streamed by the audio element from a signed playback link with Range requests, never
 * a token in a URL; an expired link is replaced), and reads the charts' numbers in their tables
 * as the API gives them.
 */
describe('the console: call history and funnels', () => {
  let config: ReturnType<typeof testConfig>;
  let api: RunningApi;
  let pool: Pool;
  let dir: string;
  let browser: Browser;
  let context: BrowserContext;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let token: string;
  let agentId: string;
  let contactId: string;
  let callId: string;
  let ongoingId: string;
  let mixed: SeededRecording;
  let customerTrack: SeededRecording;
  let agentTrack: SeededRecording;
  let storeId: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recado-console-history-'));
    browser = await launchChromium();
    config = testConfig({ RECORDING_DIR: dir });
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 3 });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', bypassCSP: true });
    mkdirSync(SCREENSHOTS, { recursive: true });

    tenant = await createTenant(api, config, 'Loja Histórico');
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana Souza', email: `ana.${randomUUID()}@example.com`, role: 'admin' });
    expect(agent.status).toBe(201);
    token = agent.body.api_key.key;
    agentId = agent.body.agent.id;
    contactId = await new FunnelRows(pool).contact(tenant.accountId, randomWaId(), 'Marina Cliente');
    ({ callId, ongoingId, mixed, customerTrack, agentTrack } = await seedCallHistory({ pool, tenant, dir, agentId, contactId }));
    storeId = await seedFunnelStore({ pool, tenant, api, config });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await pool?.end();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });





  async function seriousViolations(page: Page) {
    return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  async function signIn(page: Page, at: string): Promise<void> {
    await page.goto(`${api.url}/console${at}`);
    await page.getByLabel('Token de agente').fill(token);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('navigation', { name: 'Seções' }).waitFor();
  }

  /** The playback links the page asked for and what they answered: the element's own requests, Range and status. */
  async function linkRequests(requests: Request[], recordingId: string) {
    const path = `/v1/calls/${callId}/recordings/${recordingId}/playback`;
    const seen = [];
    for (const request of requests.filter((r) => new URL(r.url()).pathname === path)) {
      const headers = await request.allHeaders();
      seen.push({ url: request.url(), range: headers['range'], authorization: headers['authorization'], status: (await request.response())?.status() });
    }
    return seen;
  }

  /** Waits for the element's metadata (its duration) and says what it plays. */
  async function metadataOf(page: Page, label: string) {
    return page.getByLabel(label).evaluate(async (node: unknown) => {
      const element = node as AudioInPage;
      if (element.readyState < 1) await new Promise((resolve) => element.addEventListener('loadedmetadata', () => resolve(undefined), { once: true }));
      return { duration: element.duration, src: element.src };
    });
  }

  it("lists the call, opens it: transcript, summary, and a recording streamed and seeked by Range from its playback link — the token never in a URL", async () => {
    const page = await context.newPage();
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    // The customer's track is first given a link that expired a second ago (signed as the API signs them): the player must replace it.
    const ttlMs = config.callAudio.recordings.playbackLinkTtlMs;
    const signer = new PlaybackLinks(config.secrets, ttlMs);
    const stale = signer.issue(
      { accountId: tenant.accountId, callId, recordingId: customerTrack.id, actor: `agent:${agentId}` },
      Date.now() - ttlMs - 1000,
    );
    let staleGiven = false;
    await page.route(`**/v1/calls/${callId}/recordings/${customerTrack.id}/playback-link`, async (route) => {
      if (staleGiven) return route.continue();
      staleGiven = true;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ url: stale.url, expires_at: stale.expiresAt.toISOString() }) });
    });
    // The agent's track is first given a valid link to a recording no longer stored: the player shows the API's answer and a retry.
    const missingId = randomUUID();
    const missing = signer.issue({ accountId: tenant.accountId, callId, recordingId: missingId, actor: `agent:${agentId}` });
    let missingGiven = false;
    await page.route(`**/v1/calls/${callId}/recordings/${agentTrack.id}/playback-link`, async (route) => {
      if (missingGiven) return route.continue();
      missingGiven = true;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ url: missing.url, expires_at: missing.expiresAt.toISOString() }) });
    });
    await signIn(page, '/calls');

    await page.getByRole('heading', { name: 'Histórico de chamadas', level: 1 }).waitFor();
    const ongoing = page.getByRole('complementary', { name: 'Em andamento: 1' });
    await ongoing.getByText('Feita pela empresa').waitFor();
    expect(await ongoing.getByRole('link').getAttribute('href')).toBe(`/console/calls/${ongoingId}`);
    const row = page.getByRole('row').filter({ hasText: 'Recebida do cliente' });
    await row.getByText('Concluída').waitFor();
    expect(await row.count()).toBe(1);
    const calls = page.getByRole('table', { name: 'Chamadas' });
    expect(await calls.getByRole('row').count()).toBe(1 + 2);
    // Filters go to the API: from the customer, only the completed call; without a recording, none.
    await page.getByLabel('Direção').selectOption('user_initiated');
    await page.getByRole('button', { name: 'Filtrar', exact: true }).click();
    await calls.getByRole('row').nth(2).waitFor({ state: 'detached' });
    expect(await calls.getByRole('row').nth(1).textContent()).toContain('Recebida do cliente');
    expect(await calls.getByRole('row').count()).toBe(1 + 1);
    await page.getByLabel('Gravação').selectOption('false');
    await page.getByRole('button', { name: 'Filtrar', exact: true }).click();
    await page.getByText('Nenhuma chamada encontrada.').waitFor();
    await page.getByRole('button', { name: 'Limpar filtros' }).click();
    await calls.getByRole('row').nth(2).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-calls.png'), fullPage: true });

    // The call ends; the event stream says its participants changed, and the floating list follows.
    await pool.query(`UPDATE calls SET state = 'completed', ended_at = now(), duration_seconds = 60 WHERE id = $1`, [ongoingId]);
    await new RealtimeRepository(pool).publish({ accountId: tenant.accountId, type: 'call.participants_changed', data: { call_id: ongoingId } });
    await ongoing.waitFor({ state: 'detached' });

    await row.getByRole('link').click();
    await page.getByRole('heading', { name: 'Transcrição' }).waitFor();
    const transcript = page.locator('ol.transcript');
    await transcript.getByText('Oi, meu pedido não chegou.').waitFor();
    expect(await transcript.locator('li').allTextContents()).toEqual([
      '0:00 Marina Cliente: Oi, meu pedido não chegou.',
      '0:02 Ana Souza: Vou verificar agora mesmo.',
    ]);
    await page.getByText(SUMMARY.outcome).waitFor();
    expect(await page.getByText(SUMMARY.reason).count()).toBe(1);
    const thread = page.getByRole('link', { name: 'Ver na conversa do contato' });
    expect(await thread.getAttribute('href')).toBe(`/console/contacts/${contactId}/thread#call-${callId}`);

    // The agent's link answers 404: no renewal, the API's message in the error box; "Tentar de novo" asks for a new link, which plays.
    const agentFigure = page.locator('figure.recording').filter({ hasText: 'Só Ana Souza' });
    const failure = agentFigure.getByRole('alert');
    await failure.getByText(`recording ${missingId} not found`).waitFor();
    expect(await agentFigure.locator('audio').count()).toBe(0);
    await failure.getByRole('button', { name: 'Tentar de novo' }).click();
    expect((await metadataOf(page, 'Só Ana Souza')).duration).toBeCloseTo(RECORDING_SECONDS, 1);

    // Three tracks: everyone, and each speaker on their own.
    const players = page.locator('audio');
    await page.getByLabel('Todos (mixado)').waitFor();
    await page.getByLabel('Só Marina Cliente').waitFor();
    await page.getByLabel('Só Ana Souza').waitFor();
    expect(await players.count()).toBe(3);

    const audio = page.getByLabel('Todos (mixado)');
    const seekTo = MIXED_SECONDS - 60;
    const playback = await audio.evaluate(async (node: unknown, target: number) => {
      const element = node as AudioInPage;
      if (element.readyState < 1) await new Promise((resolve) => element.addEventListener('loadedmetadata', () => resolve(undefined), { once: true }));
      const duration = element.duration;
      const seeked = new Promise((resolve) => element.addEventListener('seeked', () => resolve(undefined), { once: true }));
      element.currentTime = target;
      await seeked;
      const afterSeek = element.currentTime;
      element.muted = true;
      await element.play();
      // Playing on from the seek point: time moves past it.
      await new Promise<void>((resolve) => {
        const check = () => (element.currentTime > afterSeek ? resolve() : element.addEventListener('timeupdate', check, { once: true }));
        check();
      });
      element.pause();
      return { duration, afterSeek, later: element.currentTime, src: element.src };
    }, seekTo);
    expect(playback.duration).toBeCloseTo(MIXED_SECONDS, 1);
    expect(playback.afterSeek).toBeCloseTo(seekTo, 1);
    expect(playback.later).toBeGreaterThan(playback.afterSeek);
    // The element plays the signed link itself: same origin, no token, no object URL.
    const src = new URL(playback.src);
    expect(src.origin).toBe(api.url);
    expect(src.pathname).toBe(`/v1/calls/${callId}/recordings/${mixed.id}/playback`);
    expect(src.searchParams.get('signature')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The link was asked for with the header; the element fetched it without one, by Range, and the
    // seek near the end was a range of its own starting past half the file, answered 206.
    const asked = requests.filter((r) => new URL(r.url()).pathname.endsWith(`/recordings/${mixed.id}/playback-link`));
    expect(asked.length).toBeGreaterThan(0);
    for (const request of asked) expect(await request.headerValue('authorization')).toBe(`Bearer ${token}`);
    const streamed = await linkRequests(requests, mixed.id);
    expect(streamed.length).toBeGreaterThan(1);
    expect(streamed.every((r) => r.authorization === undefined && r.range !== undefined)).toBe(true);
    const rangeStart = (range: string | undefined) => Number(/^bytes=(\d+)-/.exec(range ?? '')?.[1] ?? -1);
    const halfway = WAV_HEADER_BYTES + (MIXED_SECONDS / 2) * BYTES_PER_SECOND;
    expect(streamed.filter((r) => rangeStart(r.range) >= halfway && r.status === 206).length).toBeGreaterThan(0);

    // The customer's first link had expired: the element failed on it (403), the player asked for a fresh one and plays that.
    const customer = await metadataOf(page, 'Só Marina Cliente');
    expect(customer.duration).toBeCloseTo(RECORDING_SECONDS, 1);
    expect(customer.src).not.toBe(new URL(stale.url, api.url).href);
    const customerLinks = await linkRequests(requests, customerTrack.id);
    expect(customerLinks.filter((r) => r.url === new URL(stale.url, api.url).href).map((r) => r.status)).toContain(403);
    expect(customerLinks.filter((r) => r.url === customer.src).map((r) => r.status)).toContain(206);

    expect(await page.getByRole('alert').count()).toBe(0);

    // The same bytes through the link, by anyone holding it for a few minutes: no header needed.
    const ranged = await page.evaluate(async (url) => {
      const res = await fetch(url, { headers: { range: 'bytes=48044-48099' } });
      return { status: res.status, range: res.headers.get('content-range'), bytes: Array.from(new Uint8Array(await res.arrayBuffer())) };
    }, playback.src);
    expect(ranged).toEqual({ status: 206, range: `bytes 48044-48099/${mixed.bytes.length}`, bytes: Array.from(mixed.bytes.subarray(48044, 48100)) });
    expect(requests.filter((r) => r.url().includes(token))).toEqual([]);

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-call.png'), fullPage: true });
    await page.close();
  });

  it("draws the store's statistics as charts whose tables hold the API's numbers, and lists the events it could not use", async () => {
    const stats = await tenant.call('GET', `/v1/stores/${storeId}/stats?group_by=template`);
    expect(stats.status).toBe(200);
    const byEvent = Object.fromEntries(stats.body.rows.map((r: Record<string, unknown>) => [r.event_type, r]));
    expect(byEvent.cart_abandoned).toMatchObject({ sent: 3, delivered: 2, read: 1, converted: 1, revenue_minor: '25000' });

    const page = await context.newPage();
    await signIn(page, '/funnels');
    await page.getByRole('heading', { name: 'Funis e estatísticas', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Tabela: Por modelo de mensagem' });
    await table.waitFor();
    expect(await page.locator('canvas[data-chart="by-template"]').getAttribute('role')).toBe('img');
    expect(await page.locator('canvas[data-chart="by-funnel"]').count()).toBe(1);
    // The chart drew something (chart.js is fetched with the first chart): its canvas is not blank.
    await page.locator('figure[aria-busy="false"] canvas[data-chart="by-template"]').waitFor();
    const painted = await page.locator('canvas[data-chart="by-template"]').evaluate((node: unknown) => {
      const canvas = node as CanvasInPage;
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return pixels.some((value: number, i: number) => i % 4 === 3 && value !== 0);
    });
    expect(painted).toBe(true);

    const cells = async (label: string) => (await table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label }) }).locator('td').allTextContents());
    const cartRow = await cells('cart_abandoned · #1 · A');
    const boletoRow = await cells('boleto_issued · A');
    const expected = (r: Record<string, number>) => [r.sent, r.delivered, r.read, r.replied, r.clicked, r.converted].map(String);
    expect(cartRow.slice(0, 6)).toEqual(expected(byEvent.cart_abandoned));
    expect(cartRow[6].replace(/\s/g, ' ')).toBe('R$ 250,00');
    expect(boletoRow.slice(0, 6)).toEqual(expected(byEvent.boleto_issued));

    const events = page.getByRole('table', { name: 'Eventos não mapeados ou inválidos' });
    await events.getByText('PURCHASE_CHARGEBACK').waitFor();
    expect(await events.getByText('unmapped', { exact: true }).count()).toBe(1);
    expect(await events.getByText('invalid', { exact: true }).count()).toBe(1);
    const funnels = page.getByRole('table', { name: 'Funis da loja' });
    expect(await funnels.getByRole('row').count()).toBe(1 + 4);

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-funnels.png'), fullPage: true });

    // In English too, the same numbers.
    await page.getByLabel('Idioma').selectOption('en');
    const english = page.getByRole('table', { name: 'Table: Per message template' });
    await english.waitFor();
    expect(await english.getByRole('columnheader').allTextContents()).toEqual([
      'Template', 'Sent', 'Delivered', 'Read', 'Replied', 'Clicked', 'Converted', 'Revenue recovered', 'Conversion',
    ]);
    await page.close();
  });

  it('replaces a link that expires while it plays: the next range is refused (403), a fresh link goes on from the same position', async () => {
    // A context of its own: the funnels test left the shared one's language on English.
    const own = await browser.newContext({ locale: 'pt-BR' });
    const page = await own.newPage();
    // The API refuses the first link from a chosen moment on, exactly as it refuses an expired one.
    let firstLink: string | undefined;
    let expired = false;
    const refusals: string[] = [];
    await page.route(`**/v1/calls/${callId}/recordings/${mixed.id}/playback?*`, async (route) => {
      const url = route.request().url();
      firstLink ??= url;
      if (!expired || url !== firstLink) return route.continue();
      refusals.push((await route.request().allHeaders())['range'] ?? '');
      const expiredAt = new URL(url).searchParams.get('expires');
      await route.fulfill({
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({ statusCode: 403, error: 'Forbidden', message: `this playback link expired at ${expiredAt}`, field: 'expires' }),
      });
    });
    // Once it has, the API gives a link that expires later: a different URL.
    await page.route(`**/v1/calls/${callId}/recordings/${mixed.id}/playback-link`, async (route) => {
      if (!expired) return route.continue();
      const later = new PlaybackLinks(config.secrets, config.callAudio.recordings.playbackLinkTtlMs).issue(
        { accountId: tenant.accountId, callId, recordingId: mixed.id, actor: `agent:${agentId}` },
        Date.now() + 60_000,
      );
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ url: later.url, expires_at: later.expiresAt.toISOString() }) });
    });
    await signIn(page, `/calls/${callId}`);
    const audio = page.getByLabel('Todos (mixado)');
    await audio.waitFor();
    await metadataOf(page, 'Todos (mixado)');
    expired = true;
    const seekTo = MIXED_SECONDS - 90;
    const after = await audio.evaluate(async (node: unknown, target: number) => {
      const element = node as AudioInPage;
      const first = element.src;
      element.muted = true;
      element.currentTime = target;
      await element.play().catch(() => undefined);
      // The player renews the link and goes on from the seek point: wait until the new link plays past it.
      await new Promise<void>((resolve) => {
        const check = () => (element.src !== first && element.currentTime > target ? resolve() : element.addEventListener('timeupdate', check, { once: true }));
        check();
      });
      element.pause();
      return { first, src: element.src, at: element.currentTime };
    }, seekTo);
    expect(after.src).not.toBe(after.first);
    expect(after.first).toBe(firstLink);
    expect(after.at).toBeGreaterThan(seekTo);
    expect(after.at).toBeLessThan(seekTo + 30);
    // The element's own range past the seek point was refused, then the player's one-byte question.
    expect(refusals).toContain('bytes=0-0');
    expect(refusals.some((range) => Number(/^bytes=(\d+)-/.exec(range)?.[1] ?? 0) > WAV_HEADER_BYTES + (MIXED_SECONDS / 2) * BYTES_PER_SECOND)).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    await own.close();
  });

  it('runs under the Content-Security-Policy: the charts draw and the recording plays from its same-origin playback link; keyboard reaches the call', async () => {
    const strict = await browser.newContext({ locale: 'pt-BR' });
    const page = await strict.newPage();
    const refused: string[] = [];
    page.on('console', (message) => /Content Security Policy|Refused to/i.test(message.text()) && refused.push(message.text()));
    await signIn(page, '/funnels');
    await page.getByRole('table', { name: 'Tabela: Por funil' }).waitFor();
    await page.locator('figure[aria-busy="false"] canvas[data-chart="by-funnel"]').waitFor();

    // From the navigation to a call's page by keyboard alone.
    await page.getByRole('link', { name: 'Histórico de chamadas' }).focus();
    await page.keyboard.press('Enter');
    const link = page.getByRole('table', { name: 'Chamadas' }).getByRole('row').filter({ hasText: 'Recebida do cliente' }).getByRole('link');
    await link.waitFor();
    await link.focus();
    await page.keyboard.press('Enter');
    const audio = page.getByLabel('Todos (mixado)');
    await audio.waitFor();
    const duration = await audio.evaluate(async (node: unknown) => {
      const element = node as AudioInPage;
      if (element.readyState < 1) await new Promise((resolve) => element.addEventListener('loadedmetadata', () => resolve(undefined), { once: true }));
      return element.duration;
    });
    expect(duration).toBeCloseTo(MIXED_SECONDS, 1);
    await strict.close();
    expect(refused).toEqual([]);
  });
});
