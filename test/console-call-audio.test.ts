import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { speakToWav } from '../src/media/speech';
import { durationMs, encodeWav, parseWav, type PcmAudio } from '../src/media/wav';
import { fakeMicrophoneArgs, launchChromium } from './helpers/browser';
import { servePage, type ServedPage } from './helpers/page-bundle';
import { wordShare } from './support/audio-checks';
import { comparedWithClip, CUSTOMER_SAYS, customerSays, heardWindows, MIN_WORD_SHARE, SILENCE_FLOOR, startMediaCallingStack, TRANSIT_MARGIN_MS, withSilence, within, type MediaCallingStack } from './support/call-media';
import { openEventStream, type SseEvent } from './support/sse';
import { apiClient, createTenant, eventually, randomWaId } from './support/stack';

/**
 * The console's calls with real audio, in real Chromium: the simulated customer calls, the call
 * rings for the two online agents, Ana accepts through the API (Bruno's offer is withdrawn) and her
 * page joins the room with the console's room.ts, its microphone a fake capture playing an espeak
 * clip. A WebAudio meter (audio-meter.ts) on the customer's track hears the customer's clip —
 * silence first, then speech. Ana invites Bruno, whose page joins too: three parties, and Bruno's
 * meter hears Ana. The recording has both voices, and after the hang-up the call's history has
 * the transcript.
 */
const AGENT_SAYS = 'good morning this is the pharmacy your order will arrive tomorrow morning';
/** The customer's clip opens with this much silence, so the meter shows the quiet before the voice. */
const CUSTOMER_LEAD_SILENCE_MS = 2000;
/** The agent says its clip once: Chromium loops a fake capture file, so the clip ends in a long silence. */
const AGENT_TAIL_SILENCE_MS = 120_000;

describe('the console in Chromium on a customer call', () => {
  let stack: MediaCallingStack;
  let dir: string;
  let page: ServedPage;
  let browser: Browser;
  let agentClip: PcmAudio;
  const streams: Array<ReturnType<typeof openEventStream>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-console-audio-'));
    agentClip = parseWav(await speakToWav(AGENT_SAYS));
    const microphone = path.join(dir, 'agent-microphone.wav');
    await writeFile(microphone, encodeWav(withSilence(agentClip, 0, AGENT_TAIL_SILENCE_MS)));
    stack = await startMediaCallingStack(dir);
    page = await servePage(path.join(__dirname, '../console/src/calls/harness.ts'), { title: 'recado call harness' });
    browser = await launchChromium(undefined, fakeMicrophoneArgs(microphone));
  });
  afterAll(async () => {
    for (const s of streams) await s.close();
    await browser?.close();
    await page?.close();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rings, hears the customer, brings in a colleague who hears the agent, and the history has both voices and the transcript', async () => {
    const { sim, api, config, connector } = stack;
    const tenant = await createTenant(api, config);
    // Two agents online (their realtime streams open, as the console keeps them); neither knows the customer yet.
    const onlineAgent = async (name: string) => {
      const created = await tenant.call('POST', '/v1/agents', { name, email: `${name.toLowerCase()}-${Date.now()}@example.com` });
      const key: string = created.body.api_key.key;
      const events = openEventStream(await fetch(`${api.url}/v1/events?access_token=${key}`));
      streams.push(events);
      return { id: created.body.agent.id as string, key, call: apiClient(api.url, key), events };
    };
    const ana = await onlineAgent('Ana');
    const bruno = await onlineAgent('Bruno');
    const { key: agentKey, call: asAgent } = ana;
    const waId = randomWaId();
    sim.simulator.customerSendsMessage(waId, { phoneNumberId: tenant.phoneNumberId, text: 'Vou ligar', name: 'Maria' });
    await eventually(async () => (await asAgent('GET', `/v1/contacts?wa_id=${waId}`)).body[0]);

    const offered = (e: SseEvent) => e.event === 'call.offered';
    const offer = ana.events.waitFor(offered, 20_000);
    const offerToBruno = bruno.events.waitFor(offered, 20_000);
    const atMeta = sim.simulator.customerCalls(waId, { phoneNumberId: tenant.phoneNumberId, name: 'Maria' });
    const callId = (await offer).find(offered)!.data.call_id as string;
    await offerToBruno;
    const withdrawn = (e: SseEvent) => e.event === 'call.offer_withdrawn';
    const stopsRinging = bruno.events.waitFor(withdrawn);
    const accepted = await asAgent('POST', `/v1/calls/${callId}/accept`);
    expect(accepted.status).toBe(200);
    // Bruno's console stops ringing: Ana took the call.
    expect((await stopsRinging).find(withdrawn)!.data).toEqual({ call_id: callId, reason: 'taken' });

    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (err) => pageErrors.push(err.message));
    await tab.goto(page.url);
    await tab.waitForFunction(() => 'callHarness' in globalThis);
    const harness = harnessIn(tab);
    // The agent listens first; the microphone opens once the customer has spoken, as an agent unmutes to answer.
    // Voice processing off: the browser's noise suppression, made for rooms, garbles espeak's
    // synthetic voice for the recogniser (8 % of the agent's words came back with it on, 50 % off).
    await harness.join(accepted.body.join, { microphone: false, voiceProcessing: false });
    const customer = await eventually(async () => (await harness.participants()).find((p) => p.role === 'customer'), 20_000, 'the customer in the room');
    expect(customer.identity).toMatch(/^customer:/);

    // The customer speaks: two seconds of silence, then the clip.
    const customerSpeech = parseWav(await speakToWav(CUSTOMER_SAYS));
    const customerClip = withSilence(customerSpeech, CUSTOMER_LEAD_SILENCE_MS, 0);
    const spoken = await customerSays(connector.url, atMeta.id, customerClip);

    const heard = await harness.samples(customer.identity);
    const windows = heardWindows(spoken, customerClip, TRANSIT_MARGIN_MS);
    const quiet = within(heard, windows.quiet);
    const voiced = within(heard, windows.voiced);
    const loud = (s: LevelSample) => s.rms > SILENCE_FLOOR;
    console.log(
      `customer heard in the page: silence max ${max(quiet).toFixed(4)} over ${quiet.length} samples, ` +
        `speech mean ${mean(voiced).toFixed(4)} over ${voiced.length}, ${Math.round((voiced.filter(loud).length / voiced.length) * 100)} % above the floor`,
    );
    expect(quiet.length).toBeGreaterThan(10);
    expect(max(quiet)).toBeLessThan(SILENCE_FLOOR);
    expect(voiced.length).toBeGreaterThan(50);
    // Speech has pauses between words: most, not all, of its samples are loud.
    expect(voiced.filter(loud).length / voiced.length).toBeGreaterThan(0.6);
    expect(mean(voiced)).toBeGreaterThan(5 * SILENCE_FLOOR);

    // Ana invites Bruno, listed online; his console gets the invitation, he joins from his own page.
    const candidates = (await asAgent('GET', `/v1/calls/${callId}/invite-candidates`)).body;
    expect(candidates).toEqual([expect.objectContaining({ agent_id: bruno.id, online: true })]);
    const invited = (e: SseEvent) => e.event === 'call.invited';
    const invitation = bruno.events.waitFor(invited);
    expect((await asAgent('POST', `/v1/calls/${callId}/invites`, { agent_id: bruno.id })).status).toBe(201);
    expect((await invitation).find(invited)!.data).toMatchObject({ call_id: callId, invited_by: ana.id });
    const brunoJoin = await bruno.call('POST', `/v1/calls/${callId}/invites/accept`);
    expect(brunoJoin.status).toBe(200);
    const brunoTab = await browser.newPage();
    brunoTab.on('pageerror', (err) => pageErrors.push(err.message));
    await brunoTab.goto(page.url);
    await brunoTab.waitForFunction(() => 'callHarness' in globalThis);
    const brunoHarness = harnessIn(brunoTab);
    await brunoHarness.join(brunoJoin.body, { microphone: false, voiceProcessing: false });
    // Three parties: each page sees the two others.
    const others = async (h: ReturnType<typeof harnessIn>) => (await h.participants()).map((p) => p.identity).sort();
    await eventually(async () => ((await others(harness)).length === 2 ? true : undefined), 20_000, 'Bruno in the room');
    expect(await others(harness)).toEqual([`agent:${bruno.id}`, customer.identity].sort());
    expect(await others(brunoHarness)).toEqual([`agent:${ana.id}`, customer.identity].sort());

    // Ana answers: unmuting opens the fake microphone, which says the agent's clip once; Bruno hears her.
    await harness.setMuted(false);
    // Done once Bruno's page has heard her speak and then a second of quiet (her clip ends in silence).
    const anaToBruno = await eventually(async () => {
      const samples = await brunoHarness.samples(`agent:${ana.id}`);
      const lastLoud = samples.filter(loud).at(-1);
      return lastLoud && samples.at(-1)!.at - lastLoud.at > 1000 ? samples : undefined;
    }, durationMs(agentClip) + 15_000, 'Bruno to hear Ana say her clip');
    console.log(`Ana heard in Bruno's page: mean ${mean(anaToBruno).toFixed(4)} over ${anaToBruno.length} samples`);
    expect(anaToBruno.filter(loud).length).toBeGreaterThan(20);
    await brunoHarness.leave();
    await harness.leave();
    expect(pageErrors).toEqual([]);
    await brunoTab.close();
    await tab.close();
    expect((await asAgent('POST', `/v1/calls/${callId}/hangup`)).status).toBe(202);

    // After the hang-up, the call's history: both voices recorded, the transcript in order.
    const details = await eventually(async () => {
      const res = await asAgent('GET', `/v1/calls/${callId}/details`);
      return res.body.steps?.transcription?.status === 'done' && res.body.steps?.recording?.status === 'done' ? res.body : undefined;
    }, 90_000, 'the call to be recorded and transcribed');
    // Both voices are in the call's recordings, as loud as they were said (Opus in between).
    const recordings: Array<{ kind: string; speaker: string | null; download_url: string }> = details.recordings;
    expect(recordings.map((r) => [r.kind, r.speaker]).sort()).toEqual([
      ['mixed', null],
      ['speaker', 'agent'],
      ['speaker', 'customer'],
    ]);
    for (const [speaker, clip] of [['agent', agentClip], ['customer', customerSpeech]] as const) {
      const file = recordings.find((r) => r.speaker === speaker)!;
      const res = await fetch(`${api.url}${file.download_url}`, { headers: { authorization: `Bearer ${agentKey}` } });
      expect(res.status).toBe(200);
      const compared = comparedWithClip(parseWav(Buffer.from(await res.arrayBuffer())), clip);
      expect(compared).not.toBeNull();
      expect(compared!.loudness).toBeGreaterThan(0.5);
      expect(compared!.loudness).toBeLessThan(2);
    }
    const transcript: Array<{ speaker: string; text: string; start_ms: number }> = details.transcript;
    const words = (speaker: string) => transcript.filter((l) => l.speaker === speaker).map((l) => l.text).join(' ');
    const customerShare = wordShare(CUSTOMER_SAYS, words('customer'));
    const agentShare = wordShare(AGENT_SAYS, words('agent'));
    console.log(`transcript: ${JSON.stringify(transcript.map((l) => [l.speaker, l.start_ms, l.text]))}; steps ${JSON.stringify(details.steps)}`);
    console.log(`words recognised: customer ${Math.round(customerShare * 100)} %, agent ${Math.round(agentShare * 100)} %`);
    expect(customerShare).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    expect(agentShare).toBeGreaterThanOrEqual(MIN_WORD_SHARE);
    // The customer spoke first, the agent answered.
    expect(transcript[0].speaker).toBe('customer');
    expect(transcript.at(-1)!.speaker).toBe('agent');
  }, 180_000);
});

/** A level the page's meter measured (console/src/calls/audio-meter.ts). */
interface LevelSample {
  at: number;
  rms: number;
}

/**
 * Drives the harness page (console/src/calls/harness.ts) from here. Its code runs in Chromium and
 * is typed against the DOM, which this program is not: what the test uses is restated here.
 */
function harnessIn(tab: Page) {
  return {
    join: (join: { url: string; token: string }, options: { microphone: boolean; voiceProcessing: boolean }) =>
      tab.evaluate(([j, o]) => (globalThis as any).callHarness.join(j, o) as Promise<void>, [join, options] as const),
    participants: () =>
      tab.evaluate(() => (globalThis as any).callHarness.participants() as Array<{ identity: string; name: string; role: string }>),
    samples: (identity: string) => tab.evaluate((id) => (globalThis as any).callHarness.samples(id) as LevelSample[], identity),
    setMuted: (muted: boolean) => tab.evaluate((m) => (globalThis as any).callHarness.setMuted(m) as Promise<void>, muted),
    leave: () => tab.evaluate(() => (globalThis as any).callHarness.leave() as Promise<void>),
  };
}

const max = (samples: LevelSample[]) => Math.max(0, ...samples.map((s) => s.rms));
const mean = (samples: LevelSample[]) => samples.reduce((sum, s) => sum + s.rms, 0) / Math.max(1, samples.length);
