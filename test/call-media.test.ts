import { randomUUID } from 'node:crypto';
import {
  ConnectorClient,
  DisconnectWhatsAppCallRequest_DisconnectReason,
  RoomServiceClient,
  SessionDescription,
} from 'livekit-server-sdk';
import { ParticipantInfo_Kind, ParticipantInfo_KindDetail } from '@livekit/protocol';
import { joinRoom, type HeardAudio, type RoomAudio } from '../src/media/room-audio';
import { speakToWav } from '../src/media/speech';
import { durationMs, parseWav, type PcmAudio } from '../src/media/wav';
import type { CallMediaView } from '../src/simulators/livekit-connector/media';
import { startLiveKitConnectorSimulator, type RunningLiveKitConnectorSimulator } from '../src/simulators/livekit-connector/server';
import { startWebhookReceiver, type WebhookReceiver } from '../src/simulators/webhook-receiver.spec-helper';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import type { CallEvent } from '../src/whatsapp/webhook-events';
import { audibleSpanMs, rms } from './support/audio-checks';
import { joinToken } from './support/room-speaker';
import { eventually, randomPhoneNumberId, randomWaId, testConfig } from './support/stack';

/**
 * Media through the LiveKit Connector simulator on the local LiveKit server, with the test as the
 * business (it answers Meta's webhooks through the Connector API) and as an agent in the room: the
 * WhatsApp caller joins as the participant it was asked to be and speaks the customer's clip; what
 * the agent says reaches it.
 */
const APP_SECRET = 'call-media-app-secret';
const META_TOKEN = 'EAAG-call-media-token';
const CUSTOMER_SAYS = 'hello I would like to know where my order is';
const AGENT_SAYS = 'your order will arrive tomorrow morning';

const { livekit } = testConfig();
let receiver: WebhookReceiver;
let sim: RunningWhatsAppSimulator;
let connector: RunningLiveKitConnectorSimulator;
let client: ConnectorClient;
let rooms: RoomServiceClient;
const openRooms: string[] = [];
const joined: RoomAudio[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver(APP_SECRET);
  sim = await startWhatsAppSimulator({ webhookUrl: receiver.url, appSecret: APP_SECRET, statusDelayMs: 20 });
  connector = await startLiveKitConnectorSimulator({ apiKey: livekit.apiKey, apiSecret: livekit.apiSecret, graphUrl: sim.url, livekit });
  client = new ConnectorClient(connector.url, livekit.apiKey, livekit.apiSecret);
  rooms = new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret);
});

afterEach(async () => {
  for (const room of joined.splice(0)) await room.leave().catch(() => undefined);
  for (const name of openRooms.splice(0)) await rooms.deleteRoom(name).catch(() => undefined);
});

afterAll(async () => {
  await connector?.close();
  await sim?.close();
  await receiver?.app.close();
});

async function newRoom(): Promise<string> {
  const name = `call-media-${randomUUID()}`;
  await rooms.createRoom({ name, emptyTimeout: 60 });
  openRooms.push(name);
  return name;
}

/** An agent in the room who keeps what it hears from each participant. */
async function agentIn(room: string): Promise<{ audio: RoomAudio; heardFrom(identity: string, track?: number): PcmAudio }> {
  const frames: HeardAudio[] = [];
  const audio = await joinRoom({ url: livekit.url, token: await joinToken(livekit, room, `agent:${randomUUID()}`, 'Ana'), onAudio: (f) => frames.push(f) });
  joined.push(audio);
  return {
    audio,
    /** What `identity` said on all its tracks, or on its `track`-th one (each clip is a track). */
    heardFrom(identity, track) {
      const tracks = [...new Set(frames.filter((f) => f.identity === identity).map((f) => f.trackSid))];
      const mine = frames.filter((f) => f.identity === identity && (track === undefined || f.trackSid === tracks[track]));
      const samples = new Int16Array(mine.reduce((n, f) => n + f.samples.length, 0));
      let at = 0;
      for (const f of mine) samples.set(f.samples, (at += f.samples.length) - f.samples.length);
      return { sampleRate: mine[0]?.sampleRate ?? 48_000, channels: mine[0]?.channels ?? 1, samples };
    },
  };
}

/** What was said in `heard` lasts as long as in `clip` (within 5 %), and is about as loud (Opus in between). */
function expectSameSpeech(heard: PcmAudio, clip: PcmAudio): void {
  const spoken = audibleSpanMs(clip)!;
  const got = audibleSpanMs(heard);
  expect(got).not.toBeNull();
  const spokenMs = spoken.endMs - spoken.startMs;
  expect(Math.abs(got!.endMs - got!.startMs - spokenMs)).toBeLessThanOrEqual(0.05 * spokenMs);
  const ratio = rms(heard, got!.startMs, got!.endMs) / rms(clip, spoken.startMs, spoken.endMs);
  console.log(`speech heard ${got!.endMs - got!.startMs} ms of ${spokenMs} ms, loudness ×${ratio.toFixed(2)}`);
  expect(ratio).toBeGreaterThan(0.5);
  expect(ratio).toBeLessThan(2);
}

async function mediaOf(callId: string): Promise<CallMediaView> {
  const res = await fetch(`${connector.url}/_sim/calls/${encodeURIComponent(callId)}`);
  const media = ((await res.json()) as { call?: { media?: CallMediaView } }).call?.media;
  if (media?.error) throw new Error(`the caller failed: ${media.error}`);
  return media ?? {};
}

const callEvent = (callId: string, event: string) =>
  eventually(async () => receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.callId === callId && e.event === event), 10_000, `the ${event} webhook`);

async function putCallAudio(waId: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${sim.url}/_sim/customers/${waId}/call-audio`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('RoomAudio (rtc-node)', () => {
  it('speaks a WAV clip in real time that another participant hears whole', async () => {
    const room = await newRoom();
    const listener = await agentIn(room);
    const speakerIdentity = `agent:${randomUUID()}`;
    const speaker = await joinRoom({ url: livekit.url, token: await joinToken(livekit, room, speakerIdentity) });
    joined.push(speaker);
    const wav = await speakToWav(AGENT_SAYS);
    const clip = parseWav(wav);

    const spoke = await speaker.speak(wav);
    expect(spoke.publishedMs).toBe(Math.round(durationMs(clip)));
    // Sent in real time: playing it out took about as long as the clip lasts.
    expect(spoke.endedAt - spoke.startedAt).toBeGreaterThanOrEqual(0.95 * durationMs(clip));
    await new Promise((r) => setTimeout(r, 300)); // the last frames in flight

    expectSameSpeech(listener.heardFrom(speakerIdentity), clip);
    expect(listener.audio.heardMs()).toBeGreaterThan(0.9 * durationMs(clip));
  });
});

describe('the LiveKit Connector simulator in the room', () => {
  it('joins a dialled call once connected, as the participant it was given, speaks the customer clip, hears the agent and leaves on hang-up', async () => {
    const waId = randomWaId();
    const phone = randomPhoneNumberId();
    const room = await newRoom();
    expect((await putCallAudio(waId, { text: CUSTOMER_SAYS })).status).toBe(200);
    const clip = parseWav(await speakToWav(CUSTOMER_SAYS));
    const agent = await agentIn(room);

    sim.simulator.customerRepliesToCallPermission(waId, { accept: true, phoneNumberId: phone });
    const identity = `customer:${randomUUID()}`;
    const { whatsappCallId: callId } = await client.dialWhatsAppCall({
      whatsappPhoneNumberId: phone,
      whatsappToPhoneNumber: `+${waId}`,
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      roomName: room,
      participantIdentity: identity,
      participantName: 'Maria',
      participantMetadata: '{"contact":"maria"}',
      participantAttributes: { 'recado.contact': 'maria' },
    });
    // Ringing: nobody is in the room for the customer yet.
    expect((await rooms.listParticipants(room)).map((p) => p.identity)).not.toContain(identity);

    sim.simulator.customerAcceptsCall(callId);
    const connect = await callEvent(callId, 'connect');
    await client.connectWhatsAppCall(callId, new SessionDescription({ type: 'answer', sdp: connect.session!.sdp }));

    const spoken = await eventually(async () => ((await mediaOf(callId)).spokenAt ? mediaOf(callId) : undefined), 30_000, 'the customer to have spoken');
    expect(spoken).toMatchObject({ joinedAt: expect.any(String), clipMs: Math.round(durationMs(clip)), spokeAt: expect.any(String), clipsSpoken: 1 });
    expect(Math.abs(spoken.spokenMs! - durationMs(clip))).toBeLessThanOrEqual(1);
    const caller = (await rooms.listParticipants(room)).find((p) => p.identity === identity);
    expect(caller).toMatchObject({
      name: 'Maria',
      metadata: '{"contact":"maria"}',
      attributes: { 'recado.contact': 'maria' },
      kind: ParticipantInfo_Kind.CONNECTOR,
      kindDetails: [ParticipantInfo_KindDetail.CONNECTOR_WHATSAPP],
    });
    await new Promise((r) => setTimeout(r, 300));
    expectSameSpeech(agent.heardFrom(identity, 0), clip);

    // The agent answers; the caller consumes it.
    const answer = parseWav(await speakToWav(AGENT_SAYS));
    await agent.audio.speak(answer);
    await eventually(async () => (((await mediaOf(callId)).heardMs ?? 0) >= 0.9 * durationMs(answer) ? true : undefined), 5000, 'the caller to hear the agent');

    // The customer says more during the call, through the Connector's control API.
    const more = parseWav(await speakToWav('thank you goodbye'));
    const speak = (body: unknown) =>
      fetch(`${connector.url}/_sim/calls/${encodeURIComponent(callId)}/speak`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const queued = await speak({ text: 'thank you goodbye' });
    expect(queued.status).toBe(202);
    expect(await queued.json()).toEqual({ clipMs: Math.round(durationMs(more)) });
    expect((await speak({ text: 'hi', voice: 'xx-nowhere' })).status).toBe(400);
    await eventually(async () => ((await mediaOf(callId)).clipsSpoken === 2 ? true : undefined), 10_000, 'the second clip');
    await new Promise((r) => setTimeout(r, 300));
    expectSameSpeech(agent.heardFrom(identity, 1), more);

    await client.disconnectWhatsAppCall(callId, META_TOKEN);
    expect((await mediaOf(callId)).leftAt).toEqual(expect.any(String));
    await eventually(async () => ((await rooms.listParticipants(room)).some((p) => p.identity === identity) ? undefined : true), 10_000, 'the caller to leave');
    expect((await speak({ text: 'too late' })).status).toBe(409);
    expect((await fetch(`${connector.url}/_sim/calls/wacid.nothing/speak`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('joins a customer call it accepted, speaks a WAV clip found by the call, and leaves when the customer hangs up', async () => {
    const waId = randomWaId();
    const phone = randomPhoneNumberId();
    const room = await newRoom();
    const clip = parseWav(await speakToWav(CUSTOMER_SAYS, { voice: 'en-us', wordsPerMinute: 170 }));
    const wav = await speakToWav(CUSTOMER_SAYS, { voice: 'en-us', wordsPerMinute: 170 });
    expect((await putCallAudio(waId, { wav_base64: wav.toString('base64') })).status).toBe(200);
    const agent = await agentIn(room);

    const { id: callId } = sim.simulator.customerCalls(waId, { phoneNumberId: phone, name: 'Maria' });
    const byCall = await fetch(`${sim.url}/_sim/calls/${encodeURIComponent(callId)}/customer-audio`);
    expect(byCall.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await byCall.arrayBuffer()).equals(wav)).toBe(true);

    const offer = await callEvent(callId, 'connect');
    const identity = `customer:${randomUUID()}`;
    await client.acceptWhatsAppCall({
      whatsappPhoneNumberId: phone,
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      whatsappCallId: callId,
      sdp: new SessionDescription({ type: 'offer', sdp: offer.session!.sdp }),
      roomName: room,
      participantIdentity: identity,
      participantName: 'Maria',
    });
    await eventually(async () => ((await mediaOf(callId)).spokenAt ? true : undefined), 30_000, 'the customer to have spoken');
    await new Promise((r) => setTimeout(r, 300));
    expectSameSpeech(agent.heardFrom(identity), clip);

    // The customer hangs up: Meta tells the business, which frees the Connector's side.
    sim.simulator.customerEndsCall(callId);
    await callEvent(callId, 'terminate');
    await client.disconnectWhatsAppCall(callId, '', DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED);
    expect((await mediaOf(callId)).leftAt).toEqual(expect.any(String));
    await eventually(async () => ((await rooms.listParticipants(room)).some((p) => p.identity === identity) ? undefined : true), 10_000, 'the caller to leave');
  });

  it('joins and stays silent when the customer has no clip', async () => {
    const waId = randomWaId();
    const phone = randomPhoneNumberId();
    const room = await newRoom();
    expect((await fetch(`${sim.url}/_sim/customers/${waId}/call-audio`)).status).toBe(404);
    const { id: callId } = sim.simulator.customerCalls(waId, { phoneNumberId: phone });
    const offer = await callEvent(callId, 'connect');
    const identity = `customer:${randomUUID()}`;
    await client.acceptWhatsAppCall({
      whatsappPhoneNumberId: phone,
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      whatsappCallId: callId,
      sdp: new SessionDescription({ type: 'offer', sdp: offer.session!.sdp }),
      roomName: room,
      participantIdentity: identity,
    });
    await eventually(async () => ((await mediaOf(callId)).joinedAt ? true : undefined), 10_000, 'the caller to join');
    const caller = await eventually(async () => (await rooms.listParticipants(room)).find((p) => p.identity === identity), 10_000, 'the caller in the room');
    expect(caller.tracks).toEqual([]);
    expect(await mediaOf(callId)).not.toHaveProperty('clipMs');
    await client.disconnectWhatsAppCall(callId, META_TOKEN);
  });

  it('refuses a clip that is neither text nor a 16-bit PCM WAV, naming the field', async () => {
    const waId = randomWaId();
    const bad = await putCallAudio(waId, { wav_base64: Buffer.from('not a wav').toString('base64') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^wav_base64: /);
    const voice = await putCallAudio(waId, { text: 'hello', voice: 'xx-nowhere' });
    expect(voice.status).toBe(400);
    expect(((await voice.json()) as { error: string }).error).toMatch(/^voice: espeak-ng has no voice "xx-nowhere"/);
    expect((await putCallAudio(waId, {})).status).toBe(400);
  });
});
