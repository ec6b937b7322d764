import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { speakToWav } from '../src/media/speech';
import { axeViolations, fakeMicrophoneArgs, launchChromium } from './helpers/browser';
import { servePage, type ServedPage } from './helpers/page-bundle';

/**
 * The console's call components (console/src/calls) in Chromium, without a stack: every component
 * on the preview page, in English and Portuguese, driven by keyboard and mouse, checked with axe;
 * and the audio meter on a fake microphone that plays an espeak clip.
 */
const CALLS = path.join(__dirname, '../console/src/calls');

describe('the console call components', () => {
  let browser: Browser;
  let preview: ServedPage;
  let tab: Page;

  beforeAll(async () => {
    preview = await servePage(path.join(CALLS, 'calls-preview.tsx'), { title: 'recado — calls' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await preview?.close();
  });
  beforeEach(async () => {
    tab = await browser.newPage();
  });
  afterEach(async () => {
    await tab.close();
  });

  const open = async (query: string) => {
    const errors: string[] = [];
    tab.on('pageerror', (err) => errors.push(err.message));
    await tab.goto(`${preview.url}?${query}`);
    await tab.getByRole('heading', { level: 1 }).waitFor();
    expect(errors).toEqual([]);
  };
  const callbacks = () => tab.evaluate(() => (globalThis as any).callPreviewLog as string[]);

  it.each([
    ['en', 'Incoming call', 'Accept', 'Invite a colleague'],
    ['pt', 'Chamada recebida', 'Atender', 'Convidar um colega'],
  ])('speaks %s and has no serious accessibility violation', async (lang, incoming, accept, invite) => {
    await open(`lang=${lang}`);
    expect(await tab.getAttribute('html', 'lang')).toMatch(lang === 'pt' ? 'pt-BR' : 'en');
    await expect(tab.getByRole('alertdialog', { name: incoming }).isVisible()).resolves.toBe(true);
    await expect(tab.getByRole('button', { name: accept, exact: true }).count()).resolves.toBe(1);
    await expect(tab.getByRole('heading', { name: invite }).count()).resolves.toBe(1);
    const violations = await axeViolations(tab);
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  });

  it('answers and declines from the keyboard', async () => {
    await open('lang=en');
    // The invitation modal was rendered last, so its Join button has the focus; Escape declines it.
    await expect(tab.evaluate(() => (globalThis as any).document.activeElement?.textContent)).resolves.toBe('Join');
    await tab.keyboard.press('Escape');
    await tab.getByRole('button', { name: 'Accept' }).focus();
    await tab.keyboard.press('Enter');
    await tab.keyboard.press('Tab');
    await tab.keyboard.press('Space');
    expect(await callbacks()).toEqual(['decline invite c-7', 'accept c-9', 'decline c-9']);
  });

  it('mutes, sets a participant volume, and invites specialists first', async () => {
    await open('lang=en');
    const mute = tab.getByRole('button', { name: 'Mute' });
    await expect(mute.getAttribute('aria-pressed')).resolves.toBe('false');
    await mute.click();
    await expect(tab.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(tab.getByRole('status').filter({ hasText: 'Your microphone is muted' }).count()).resolves.toBe(1);

    const volume = tab.getByRole('slider', { name: 'Volume of Diego' });
    await expect(volume.inputValue()).resolves.toBe('50');
    await volume.focus();
    await tab.keyboard.press('ArrowRight');
    await expect(volume.inputValue()).resolves.toBe('55');
    await expect(tab.getByRole('meter', { name: 'Voice level of Maria Souza' }).count()).resolves.toBe(1);

    const invites = tab.getByRole('region', { name: 'Invite a colleague' }).getByRole('listitem');
    expect(await invites.allTextContents()).toEqual([
      expect.stringMatching(/^Diego online · knows this customer/),
      expect.stringMatching(/^Bruno online/),
      expect.stringMatching(/^Carla offline/),
    ]);
    await tab.getByRole('button', { name: 'Invite: Bruno' }).click();
    await expect(tab.getByRole('button', { name: 'Invited: Bruno' }).isDisabled()).resolves.toBe(true);
    await tab.getByRole('button', { name: 'Hang up' }).click();
    expect(await callbacks()).toEqual(['muted true', 'volume agent:a-4 0.55', 'invite a-2', 'hang up']);
  });

  it.each([
    ['loading', 'Loading calls…', 'Loading colleagues…'],
    ['failed', 'HTTP 503: the API is unavailable', 'HTTP 503: the API is unavailable'],
    ['empty', 'No call under way', 'No colleague to invite'],
  ])('shows the %s state of its lists', async (state, calls, colleagues) => {
    await open(`lang=en&state=${state}`);
    await expect(tab.getByRole('navigation', { name: 'Ongoing calls' }).getByText(calls).count()).resolves.toBe(1);
    await expect(tab.getByRole('region', { name: 'Invite a colleague' }).getByText(colleagues).count()).resolves.toBe(1);
    if (state === 'empty') await expect(tab.getByText('Waiting for the others to join…').count()).resolves.toBe(1);
    const violations = await axeViolations(tab);
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  });

  it('lists an ongoing call with its agents and how long it has lasted, and opens it', async () => {
    await open('lang=pt');
    const strip = tab.getByRole('navigation', { name: 'Chamadas em andamento' });
    expect(await strip.getByRole('listitem').allTextContents()).toEqual(['Maria Souza com Ana e Diego 3:30', 'João Lima nenhum atendente ainda']);
    await strip.getByRole('button', { name: /João Lima/ }).click();
    expect(await callbacks()).toEqual(['open c-2']);
  });
});

describe('the audio meter on a fake microphone', () => {
  let dir: string;
  let harness: ServedPage;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-meter-'));
    const wav = path.join(dir, 'microphone.wav');
    await writeFile(wav, await speakToWav('one two three four five six seven eight nine ten'));
    harness = await servePage(path.join(CALLS, 'harness.ts'), { title: 'recado call harness' });
    browser = await launchChromium(undefined, fakeMicrophoneArgs(wav));
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('measures the voice the microphone captures', async () => {
    const tab = await browser.newPage();
    await tab.goto(harness.url);
    await tab.waitForFunction(() => 'callHarness' in globalThis);
    await tab.evaluate(() => (globalThis as any).callHarness.meterMicrophone());
    // Polled in the page until a word has gone by: speech through the meter reads well above 0.01.
    await tab.waitForFunction(() => ((globalThis as any).callHarness.samples('microphone') as Array<{ rms: number }>).some((s) => s.rms > 0.02));
    const samples: Array<{ at: number; rms: number }> = await tab.evaluate(() => (globalThis as any).callHarness.samples('microphone'));
    expect(samples.some((s) => s.rms > 0.02)).toBe(true);
    expect(samples.every((s) => s.rms >= 0 && s.rms <= 1)).toBe(true);
    await tab.close();
  });
});
