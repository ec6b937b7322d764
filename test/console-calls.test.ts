import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { speakToWav } from '../src/media/speech';
import { encodeWav, parseWav } from '../src/media/wav';
import { axeViolations, fakeMicrophoneArgs, launchChromium } from './helpers/browser';
import { wordShare } from './support/audio-checks';
import { endRunningOnTaskQueue } from '../src/infra/end-workflows';
import { CUSTOMER_SAYS, customerSays, heardWindows, MIN_WORD_SHARE, SILENCE_FLOOR, startMediaCallingStack, TRANSIT_MARGIN_MS, withSilence, within, type MediaCallingStack } from './support/call-media';
import { apiClient, createTenant, eventually, randomWaId } from './support/stack';

/**
 * A customer's call through the console's own screens, in two Chromium consoles on the real
 * stack: Ana's and Bruno's consoles both ring; Ana accepts in the popup and Bruno's popup goes
 * away; Ana's panel meter reads the customer as silent, then speaking, while the simulated
 * customer says a clip; she invites Bruno from the panel, his console shows the invitation and
 * he joins, each panel then lists the two others; Ana hangs up, and her console's call history
 * shows the recording of every speaker and the transcript of what the customer and she said.
 */
/** What the agents' microphones say, over and over (Chromium loops the fake capture file). */
const AGENTS_SAY = 'good morning this is the support team how can I help you today';
const CUSTOMER_LEAD_SILENCE_MS = 2000;
const SCREENSHOTS = path.join(__dirname, '..', 'docs', 'screenshots');

describe('calls through the console in Chromium', () => {
  let stack: MediaCallingStack;
  let dir: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-console-calls-'));
    // The agents speak, then pause a second, in a loop: their speech is recorded and transcribed.
    const microphone = path.join(dir, 'agents.wav');
    const agentSpeech = parseWav(await speakToWav(AGENTS_SAY, { sampleRate: 48_000 }));
    await writeFile(microphone, encodeWav(withSilence(agentSpeech, 0, 1000)));
    stack = await startMediaCallingStack(dir);
    browser = await launchChromium(undefined, fakeMicrophoneArgs(microphone));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    // The second case's permission (granted for days) and its call's recorder are still running:
    // ended first, so the worker stops with nothing in hand.
    if (stack) await endRunningOnTaskQueue(stack.config.temporal, 'test finished');
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function seriousViolations(page: Page) {
    return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  /** An agent's console, signed in with their token through the sign-in form; online once the live stream is open. */
  async function consoleOf(token: string, errors: string[]) {
    // axe is injected as a script, which the console's policy forbids: these pages bypass it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'pt-BR', bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${stack.api.url}/console/contacts`);
    await page.getByLabel('Token de agente').fill(token);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('status').getByText('Ao vivo').waitFor();
    return page;
  }

  it('rings both consoles, Ana accepts and hears the customer, invites Bruno who joins, and after the hang-up her history has every speaker and the transcript', async () => {
    const { sim, api, config, connector } = stack;
    const tenant = await createTenant(api, config);
    const agent = async (name: string) => {
      const created = await tenant.call('POST', '/v1/agents', { name, email: `${name.toLowerCase()}-${Date.now()}@example.com` });
      expect(created.status).toBe(201);
      return { id: created.body.agent.id as string, key: created.body.api_key.key as string };
    };
    const ana = await agent('Ana');
    const bruno = await agent('Bruno');
    const asAna = apiClient(api.url, ana.key);
    const errors: string[] = [];
    const anaPage = await consoleOf(ana.key, errors);
    const brunoPage = await consoleOf(bruno.key, errors);

    const waId = randomWaId();
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Vou ligar', name: 'Maria' });
    await eventually(async () => (await asAna('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);

    // The customer calls: both consoles ring, with the customer's name.
    const atMeta = sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId, name: 'Maria' });
    const popup = (page: Page) => page.getByRole('alertdialog', { name: 'Chamada recebida' });
    await popup(anaPage).getByText('Maria está ligando').waitFor({ timeout: 20_000 });
    await popup(brunoPage).getByText('Maria está ligando').waitFor({ timeout: 20_000 });
    expect(await seriousViolations(anaPage)).toEqual([]);
    await anaPage.screenshot({ path: path.join(SCREENSHOTS, 'console-incoming-call.png') });

    // The page keeps what the customer's meter shows, as it changes, to compare with when the clip played.
    await anaPage.evaluate(() => {
      const seen: Array<{ at: number; level: number }> = [];
      (globalThis as any).customerLevels = seen;
      setInterval(() => {
        const meter = (globalThis as any).document.querySelector('meter[data-identity^="customer:"]');
        if (meter) seen.push({ at: Date.now(), level: Number(meter.getAttribute('data-level')) });
      }, 50);
    });

    // Ana accepts in the popup; Bruno's stops ringing.
    await popup(anaPage).getByRole('button', { name: 'Atender' }).click();
    await popup(brunoPage).waitFor({ state: 'detached' });
    const panel = (page: Page) => page.getByRole('region', { name: 'Em chamada com Maria' });
    await panel(anaPage).locator('meter[data-identity^="customer:"]').waitFor({ timeout: 20_000 });
    expect(await popup(anaPage).count()).toBe(0);
    const callId = (await asAna('GET', '/v1/calls/ongoing')).body[0].id as string;

    // The call's recorder joins the room on its own schedule; the transcript needs it there before the customer speaks.
    await eventually(async () => {
      const details = (await asAna('GET', `/v1/calls/${callId}/details`)).body as { timeline: Array<{ kind: string }> };
      return details.timeline.some((e) => e.kind === 'recording_started') ? true : undefined;
    }, 30_000, 'the recording to start');

    // The customer speaks: two seconds of silence, then the clip.
    const customerSpeech = parseWav(await speakToWav(CUSTOMER_SAYS));
    const customerClip = withSilence(customerSpeech, CUSTOMER_LEAD_SILENCE_MS, 0);
    const spoken = await customerSays(connector.url, atMeta.id, customerClip);
    const shown = (await anaPage.evaluate(() => (globalThis as any).customerLevels)) as Array<{ at: number; level: number }>;
    const windows = heardWindows(spoken, customerClip, TRANSIT_MARGIN_MS);
    const quiet = within(shown, windows.quiet);
    const voiced = within(shown, windows.voiced);
    // The panel's meter shows the level rounded to 3 decimals: silence through Opus reads 0.000.
    const loud = voiced.filter((s) => s.level > SILENCE_FLOOR);
    console.log(
      `customer's meter in Ana's panel: silence max ${Math.max(0, ...quiet.map((s) => s.level))} over ${quiet.length} readings, ` +
        `${Math.round((loud.length / Math.max(1, voiced.length)) * 100)} % of ${voiced.length} readings above the floor while speaking`,
    );
    expect(quiet.length).toBeGreaterThan(10);
    expect(Math.max(...quiet.map((s) => s.level))).toBeLessThan(SILENCE_FLOOR);
    expect(voiced.length).toBeGreaterThan(50);
    expect(loud.length / voiced.length).toBeGreaterThan(0.6);

    // Ana invites Bruno from the panel; his console shows the invitation; he joins.
    await panel(anaPage).getByRole('button', { name: 'Convidar: Bruno' }).click();
    await panel(anaPage).getByRole('button', { name: 'Convidado: Bruno' }).waitFor();
    const invitation = brunoPage.getByRole('dialog', { name: 'Convite para uma chamada' });
    await invitation.getByText('Ana convida você para a chamada com Maria').waitFor();
    expect(await seriousViolations(brunoPage)).toEqual([]);
    await invitation.getByRole('button', { name: 'Entrar' }).click();
    await invitation.waitFor({ state: 'detached' });

    // Three parties: each panel lists the two others.
    const listed = (page: Page) => panel(page).locator('ul.participants > li .name');
    await eventually(async () => ((await listed(anaPage).count()) === 2 ? true : undefined), 20_000, 'Bruno in Ana’s panel');
    await eventually(async () => ((await listed(brunoPage).count()) === 2 ? true : undefined), 20_000, 'Ana in Bruno’s panel');
    const roles = (page: Page) => panel(page).locator('ul.participants > li .role').allTextContents();
    expect(await roles(anaPage)).toEqual(['(cliente)', '(atendente)']);
    expect(await roles(brunoPage)).toEqual(['(cliente)', '(atendente)']);
    expect(await listed(anaPage).nth(1).textContent()).toBe('Bruno');
    expect(await listed(brunoPage).nth(1).textContent()).toBe('Ana');
    expect(await seriousViolations(anaPage)).toEqual([]);
    await anaPage.screenshot({ path: path.join(SCREENSHOTS, 'console-in-call.png') });

    // Ana hangs up: both panels close.
    await panel(anaPage).getByRole('button', { name: 'Desligar' }).click();
    await panel(anaPage).waitFor({ state: 'detached' });
    await panel(brunoPage).waitFor({ state: 'detached', timeout: 20_000 });
    expect(errors).toEqual([]);

    // The post-call work runs: recording, transcript, summary.
    const details = await eventually(async () => {
      const res = await asAna('GET', `/v1/calls/${callId}/details`);
      const steps = Object.values(res.body.steps ?? {}) as Array<{ status: string }>;
      return res.body.call?.state === 'completed' && steps.length === 3 && steps.every((s) => s.status !== 'pending') ? res.body : undefined;
    }, 120_000, 'the call to end and its post-call steps to finish');
    expect(details.steps).toEqual({
      recording: expect.objectContaining({ status: 'done' }),
      transcription: expect.objectContaining({ status: 'done' }),
      summary: expect.objectContaining({ status: 'done' }),
    });

    // Ana opens the call in her history: a track for each of the three speakers and the mix, and the transcript.
    await anaPage.goto(`${api.url}/console/calls/${callId}`);
    await anaPage.getByRole('heading', { name: 'Transcrição' }).waitFor();
    for (const track of ['Todos (mixado)', 'Só Maria', 'Só Ana', 'Só Bruno']) await anaPage.getByLabel(track).waitFor();
    expect(await anaPage.locator('audio').count()).toBe(4);
    const lines = await anaPage.locator('ol.transcript > li').allTextContents();
    console.log(`transcript in Ana's history: ${JSON.stringify(lines)}`);
    const saidBy = (name: string) => lines.filter((l) => new RegExp(`^\\d+:\\d\\d ${name}: `).test(l)).join(' ');
    expect(wordShare(CUSTOMER_SAYS, saidBy('Maria'))).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(wordShare(AGENTS_SAY, saidBy('Ana'))).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(await seriousViolations(anaPage)).toEqual([]);
  }, 240_000);

  it('asks a customer for call permission from their page, prompts the agent wherever they are when it is granted, and calls', async () => {
    const { sim, api, config } = stack;
    const tenant = await createTenant(api, config);
    const created = await tenant.call('POST', '/v1/agents', { name: 'Carla', email: `carla-${Date.now()}@example.com` });
    const carla = { id: created.body.agent.id as string, key: created.body.api_key.key as string };
    const asCarla = apiClient(api.url, carla.key);
    const errors: string[] = [];
    const page = await consoleOf(carla.key, errors);
    const waId = randomWaId();
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Oi', name: 'Joana' });
    const contact = await eventually(async () => (await asCarla('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);

    await page.goto(`${api.url}/console/contacts/${contact.id}`);
    const section = page.getByRole('region', { name: 'Ligar para o cliente' });
    await section.getByText('não pedida').waitFor();
    expect(await section.getByRole('button', { name: 'Ligar', exact: true }).isDisabled()).toBe(true);
    await section.getByRole('button', { name: 'Pedir permissão para ligar' }).click();
    await section.getByText('Pedido enviado ao cliente pelo WhatsApp.').waitFor();
    await section.getByText('pedida, aguardando o cliente').waitFor();
    // Meta allows one request a day: the next one is not allowed now.
    expect(await section.locator('dd').nth(2).textContent()).not.toBe('agora');
    expect(await seriousViolations(page)).toEqual([]);

    // Carla moves on; the customer accepts; the console tells her wherever she is, with the way back.
    await page.getByRole('link', { name: 'Configurações' }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await eventually(async () => sim.simulator.messages({ to: waId })[0]);
    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: tenant.phoneNumberId });
    await page.getByText('Joana aceitou receber chamadas.').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Abrir Joana para ligar' }).click();
    await page.getByRole('heading', { name: 'Joana', level: 1 }).waitFor();
    await section.getByText('concedida', { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Calling: the panel opens over the contact's page, in the call's room; hanging up closes it.
    await section.getByRole('button', { name: 'Ligar', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Em chamada com Joana' });
    await panel.waitFor();
    const ongoing = (await asCarla('GET', '/v1/calls/ongoing')).body as Array<{ id: string; contact_id: string; agent_id: string }>;
    expect(ongoing).toEqual([expect.objectContaining({ contact_id: contact.id, agent_id: carla.id })]);
    await panel.getByRole('button', { name: 'Desligar' }).click();
    await panel.waitFor({ state: 'detached' });
    const ended = await eventually(async () => {
      const call = (await asCarla('GET', `/v1/calls/${ongoing[0].id}`)).body;
      return call.ended_at ? call : undefined;
    }, 20_000, 'the call to end');
    expect(['completed', 'not_answered', 'rejected', 'failed']).toContain(ended.state);
    expect(errors).toEqual([]);
  }, 120_000);
});
