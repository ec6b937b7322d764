import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { RoomServiceClient, TokenVerifier } from 'livekit-server-sdk';
import { createLiveKitActivities, type LiveKitActivityDeps } from '../activities/livekit';
import { LIVEKIT_INVALID_INPUT, LIVEKIT_REQUEST_ERROR, LiveKitTransientError } from '../activities/livekit-errors';
import { loadConfig } from '../src/config/config';
import { joinLiveKitRoom } from './support/livekit';
import { failure } from './support/failure';

/**
 * Rooms, tokens and participants against the stack's real livekit-server; the Connector
 * against LiveKit's own API mock (test-server), which checks the token's signature and
 * roomCreate grant, decodes the request as protojson, echoes same-named fields (roomName)
 * and injects faults through an X-Lk-Mock header. It checks no request field, so the tests
 * read what the SDK sent by wrapping fetch.
 */

const { livekit } = loadConfig();
const deps: LiveKitActivityDeps = {
  ...livekit,
  // LiveKit's test-server (its stateless mock of the Twirp API, Connector included): these tests
  // rely on its echo and X-Lk-Mock faults, so not on recado's Connector simulator.
  connectorUrl: process.env.LIVEKIT_TEST_SERVER_URL ?? 'http://127.0.0.1:7891',
  whatsappCloudApiVersion: 'v23.0',
};
/** A URL nothing listens on (not port 9: fetch refuses the "bad port" before any network I/O). */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function expectPermanent(err: unknown, type = LIVEKIT_REQUEST_ERROR) {
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as ApplicationFailure).type).toBe(type);
}

function expectRetryable(err: unknown) {
  expect(err).toBeInstanceOf(LiveKitTransientError);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
}

interface SentRequest {
  url: string;
  body: any;
  headers: Record<string, string>;
}

/**
 * Records what the SDK sends and adds an X-Lk-Mock header to it: the SDK's clients take no
 * extra headers, and they call the global fetch.
 */
function interceptFetch(mock?: Record<string, unknown>) {
  const sent: SentRequest[] = [];
  const original = globalThis.fetch;
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const headers = { ...(init?.headers as Record<string, string>) };
    if (mock) headers['X-Lk-Mock'] = JSON.stringify(mock);
    const url = input instanceof Request ? input.url : String(input);
    sent.push({ url, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined, headers });
    return original(input, { ...init, headers });
  });
  return { sent, restore: () => spy.mockRestore() };
}

async function withMock<T>(mock: Record<string, unknown> | undefined, fn: () => Promise<T>) {
  const intercept = interceptFetch(mock);
  try {
    return { result: await fn(), sent: intercept.sent };
  } finally {
    intercept.restore();
  }
}


async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('LiveKit adapter: rooms, tokens and participants (livekit-server)', () => {
  const activities = createLiveKitActivities(deps);
  const admin = new RoomServiceClient(deps.url, deps.apiKey, deps.apiSecret);
  const created: string[] = [];
  const sockets: Array<{ close(): void }> = [];

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const room of created) await activities.deleteRoom(room);
  });

  it('creates a room with the given settings, and creating it again returns the same room', async () => {
    const roomName = unique('call');
    created.push(roomName);
    const room = await activities.createCallRoom({ roomName, maxParticipants: 4, emptyTimeoutSeconds: 90, metadata: '{"callId":"c1"}' });
    expect(room).toEqual({ roomName, sid: expect.stringMatching(/^RM_/), maxParticipants: 4, emptyTimeoutSeconds: 90, metadata: '{"callId":"c1"}' });

    const [listed] = await admin.listRooms([roomName]);
    expect(listed).toMatchObject({ name: roomName, sid: room.sid, maxParticipants: 4, emptyTimeout: 90 });

    // LiveKit returns the existing room untouched: the new settings are ignored.
    const again = await activities.createCallRoom({ roomName, maxParticipants: 9 });
    expect(again).toEqual(room);
  });

  it('issues a join token scoped to exactly one room, with the TTL asked for', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, url, expiresAt } = await activities.issueJoinToken({
      roomName: 'room-a',
      identity: 'agent-42',
      name: 'Ana',
      ttlSeconds: 120,
    });
    expect(url).toBe(deps.url.replace(/^http/, 'ws'));

    const claims = await new TokenVerifier(deps.apiKey, deps.apiSecret).verify(token);
    expect(claims.video).toEqual({ roomJoin: true, room: 'room-a', canPublish: true, canSubscribe: true });
    expect(claims.sub).toBe('agent-42');
    expect(claims.name).toBe('Ana');
    expect(claims.exp! - claims.nbf!).toBe(120);
    expect(claims.exp).toBeGreaterThanOrEqual(before + 120);
    expect(new Date(expiresAt).getTime()).toBe(claims.exp! * 1000);
  });

  it('defaults to a 10-minute token and honours canPublish=false', async () => {
    const { token } = await activities.issueJoinToken({ roomName: 'room-a', identity: 'listener', canPublish: false });
    const claims = await new TokenVerifier(deps.apiKey, deps.apiSecret).verify(token);
    expect(claims.exp! - claims.nbf!).toBe(600);
    expect(claims.video).toEqual({ roomJoin: true, room: 'room-a', canPublish: false, canSubscribe: true });
  });

  it('a token for room A joins room A only, and cannot be rewritten for room B', async () => {
    const roomA = unique('room-a');
    const roomB = unique('room-b');
    created.push(roomA, roomB);
    await activities.createCallRoom({ roomName: roomA });
    await activities.createCallRoom({ roomName: roomB });
    const { token } = await activities.issueJoinToken({ roomName: roomA, identity: 'agent-a' });

    // The server takes the room from the signed grant, never from the request.
    const validate = (t: string, room: string) =>
      fetch(`${deps.url}/rtc/validate?access_token=${encodeURIComponent(t)}&room=${room}`);
    expect((await validate(token, roomB)).status).toBe(200);
    sockets.push(await joinLiveKitRoom(deps.url, token));
    const inA = await eventually(() => activities.listParticipants(roomA), (p) => p.length === 1);
    expect(inA.map((p) => p.identity)).toEqual(['agent-a']);
    expect(await activities.listParticipants(roomB)).toEqual([]);

    // Rewriting the grant to room B breaks the signature: the server refuses it.
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.video.room = roomB;
    const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect((await validate(forged, roomB)).status).toBe(401);
    await expect(new TokenVerifier(deps.apiKey, deps.apiSecret).verify(forged)).rejects.toThrow();
  });

  it('lists, mutes and removes a participant; remove and delete are idempotent', async () => {
    const roomName = unique('call');
    await activities.createCallRoom({ roomName });
    const { token } = await activities.issueJoinToken({ roomName, identity: 'agent-7', name: 'Bia' });
    sockets.push(await joinLiveKitRoom(deps.url, token));

    const participants = await eventually(() => activities.listParticipants(roomName), (p) => p.length === 1);
    expect(participants).toEqual([
      {
        sid: expect.stringMatching(/^PA_/),
        identity: 'agent-7',
        name: 'Bia',
        state: expect.stringMatching(/^(JOINING|JOINED|ACTIVE)$/),
        kind: 'STANDARD',
        metadata: '',
        joinedAt: expect.any(String),
        audioTracks: [],
      },
    ]);
    expect(JSON.parse(JSON.stringify(participants))).toEqual(participants); // plain data for Temporal's converter

    // No media is published over the bare signalling connection: nothing to mute.
    expect(await activities.muteParticipant({ roomName, identity: 'agent-7', muted: true })).toEqual({ trackSids: [] });

    expect(await activities.removeParticipant({ roomName, identity: 'agent-7' })).toEqual({ removed: true });
    expect(await eventually(() => activities.listParticipants(roomName), (p) => p.length === 0)).toEqual([]);
    expect(await activities.removeParticipant({ roomName, identity: 'agent-7' })).toEqual({ removed: false });
    expect(await activities.removeParticipant({ roomName: unique('nowhere'), identity: 'x' })).toEqual({ removed: false });

    expect(await activities.deleteRoom(roomName)).toEqual({ deleted: true });
    expect(await activities.deleteRoom(roomName)).toEqual({ deleted: false });
    expect(await activities.listParticipants(roomName)).toEqual([]);
  });

  it('muting someone who is not in the room is a permanent not_found', async () => {
    const roomName = unique('call');
    created.push(roomName);
    await activities.createCallRoom({ roomName });
    const err = await failure(activities.muteParticipant({ roomName, identity: 'ghost', muted: true }));
    expectPermanent(err);
    expect(err.details[0]).toMatchObject({ operation: 'RoomService.GetParticipant', status: 404, code: 'not_found' });
  });

  it('refuses bad input before calling LiveKit', async () => {
    expectPermanent(await failure(activities.createCallRoom({ roomName: '' })), LIVEKIT_INVALID_INPUT);
    expectPermanent(await failure(activities.createCallRoom({ roomName: 'r', maxParticipants: -1 })), LIVEKIT_INVALID_INPUT);
    for (const ttlSeconds of [0, 1.5, 86401]) {
      const err = await failure(activities.issueJoinToken({ roomName: 'r', identity: 'i', ttlSeconds }));
      expectPermanent(err, LIVEKIT_INVALID_INPUT);
      expect(err.details[0]).toEqual({ field: 'ttlSeconds' });
    }
    expectPermanent(await failure(activities.issueJoinToken({ roomName: 'r', identity: ' ' })), LIVEKIT_INVALID_INPUT);
  });

  it('a wrong API secret is permanent, and the token LiveKit echoes back is redacted', async () => {
    const wrong = createLiveKitActivities({ ...deps, apiSecret: 'not-the-secret' });
    const err = await failure(wrong.listParticipants('any-room'));
    expectPermanent(err);
    expect(err.details[0]).toMatchObject({ status: 401 });
    // livekit-server puts the rejected JWT in its 401 body.
    expect(err.message).toContain('[redacted token]');
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toMatch(/eyJ/);
  });

  it('a URL that is not LiveKit\'s API is a permanent error, not an already-deleted room', async () => {
    // Some other web server: a bare 404 page, no Twirp error body.
    const other = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as { port: number };
      const misplaced = createLiveKitActivities({ ...deps, url: `http://127.0.0.1:${port}` });
      const err = await failure(misplaced.deleteRoom(unique('call')));
      expectPermanent(err);
      expect(err.details[0]).toMatchObject({ status: 404, code: null, message: '404 page not found' });
      expectPermanent(await failure(misplaced.removeParticipant({ roomName: 'r', identity: 'i' })));
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a LiveKit server that is down is retryable', async () => {
    const down = createLiveKitActivities({ ...deps, url: await closedPortUrl() });
    const err = await failure(down.createCallRoom({ roomName: 'r' }));
    expectRetryable(err);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});

describe('LiveKit adapter: WhatsApp Connector (LiveKit test-server)', () => {
  const activities = createLiveKitActivities(deps);
  const META_TOKEN = 'EAAG-meta-access-token-for-tests';

  it('dial → connect → disconnect: sends the fields we passed and returns the call id', async () => {
    const { result: dialed, sent } = await withMock(undefined, () =>
      activities.dialWhatsAppCall({
        phoneNumberId: '106540352242922',
        toWaId: '5511988887777',
        roomName: 'call-out-1',
        accessToken: META_TOKEN,
        bizOpaqueCallbackData: 'call:out-1',
        participantIdentity: 'wa-caller-1',
        participantName: 'Cliente',
        dispatchAgents: ['ura'],
        ringingTimeoutSeconds: 30,
      }),
    );
    expect(dialed).toEqual({ whatsappCallId: 'MOCK_WHATSAPP_CALL_ID', roomName: 'call-out-1' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(`${deps.connectorUrl}/twirp/livekit.Connector/DialWhatsAppCall`);
    expect(sent[0]!.body).toEqual({
      whatsappPhoneNumberId: '106540352242922',
      whatsappToPhoneNumber: '5511988887777',
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      whatsappBizOpaqueCallbackData: 'call:out-1',
      roomName: 'call-out-1',
      agents: [{ agentName: 'ura' }],
      participantIdentity: 'wa-caller-1',
      participantName: 'Cliente',
      ringingTimeout: '30s',
    });
    // The SDK signs a short-lived token with the roomCreate grant; the mock checked its signature.
    const auth = sent[0]!.headers.Authorization ?? '';
    const claims = await new TokenVerifier(deps.apiKey, deps.apiSecret).verify(auth.replace(/^Bearer /, ''));
    expect(claims.video).toEqual({ roomCreate: true });

    const connected = await withMock(undefined, () =>
      activities.connectWhatsAppCall({ whatsappCallId: dialed.whatsappCallId, sdpAnswer: 'v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n' }),
    );
    expect(connected.result).toBeUndefined();
    expect(connected.sent[0]!.body).toEqual({
      whatsappCallId: 'MOCK_WHATSAPP_CALL_ID',
      sdp: { type: 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n' },
    });

    const hungUp = await withMock(undefined, () =>
      activities.disconnectWhatsAppCall({ whatsappCallId: dialed.whatsappCallId, accessToken: META_TOKEN }),
    );
    // BUSINESS_INITIATED is the enum's zero value: protojson leaves it out.
    expect(hungUp.sent[0]!.body).toEqual({ whatsappCallId: 'MOCK_WHATSAPP_CALL_ID', whatsappApiKey: META_TOKEN });
  });

  it('accept an inbound call: sends the SDP offer and returns the room the mock echoes', async () => {
    const { result, sent } = await withMock(undefined, () =>
      activities.acceptWhatsAppCall({
        phoneNumberId: '106540352242922',
        whatsappCallId: 'wacid.HBgLMTIzNDU2Nzg5MA',
        sdpOffer: 'v=0\r\ns=offer\r\n',
        roomName: 'call-in-1',
        accessToken: META_TOKEN,
        bizOpaqueCallbackData: 'call:in-1',
      }),
    );
    expect(result).toEqual({ roomName: 'call-in-1' });
    expect(sent[0]!.url).toBe(`${deps.connectorUrl}/twirp/livekit.Connector/AcceptWhatsAppCall`);
    expect(sent[0]!.body).toEqual({
      whatsappPhoneNumberId: '106540352242922',
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      whatsappCallId: 'wacid.HBgLMTIzNDU2Nzg5MA',
      whatsappBizOpaqueCallbackData: 'call:in-1',
      sdp: { type: 'offer', sdp: 'v=0\r\ns=offer\r\n' },
      roomName: 'call-in-1',
    });

    const hungUp = await withMock(undefined, () =>
      activities.disconnectWhatsAppCall({ whatsappCallId: 'wacid.HBgLMTIzNDU2Nzg5MA', reason: 'user_initiated' }),
    );
    expect(hungUp.sent[0]!.body).toEqual({ whatsappCallId: 'wacid.HBgLMTIzNDU2Nzg5MA', disconnectReason: 'USER_INITIATED' });
  });

  it.each([
    [400, 'invalid_argument'],
    [401, 'unauthenticated'],
    [403, 'permission_denied'],
    [404, 'not_found'],
  ])('a %i from the Connector is permanent (%s), and the Meta token stays out of the error', async (status, code) => {
    const { result: err } = await withMock({ failRegions: [0], failStatus: status }, () =>
      failure(
        activities.dialWhatsAppCall({ phoneNumberId: 'p', toWaId: 'w', roomName: 'r', accessToken: META_TOKEN }),
      ),
    );
    expectPermanent(err);
    expect(err.details[0]).toMatchObject({ operation: 'Connector.DialWhatsAppCall', status, code });
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(META_TOKEN);
  });

  it.each([500, 503, 429])('a %i from the Connector is retryable', async (status) => {
    const { result: err } = await withMock({ failRegions: [0], failStatus: status }, () =>
      failure(activities.connectWhatsAppCall({ whatsappCallId: 'c', sdpAnswer: 'v=0' })),
    );
    expectRetryable(err);
    expect(err.status).toBe(status);
  });

  it('a dropped connection, a timeout and a closed port are retryable', async () => {
    const dropped = await withMock({ failRegions: [0], failMode: 'drop' }, () =>
      failure(activities.connectWhatsAppCall({ whatsappCallId: 'c', sdpAnswer: 'v=0' })),
    );
    expectRetryable(dropped.result);

    const impatient = createLiveKitActivities({ ...deps, requestTimeoutSeconds: 1 });
    const slow = await withMock({ delayMs: 2500 }, () =>
      failure(impatient.disconnectWhatsAppCall({ whatsappCallId: 'c', accessToken: META_TOKEN })),
    );
    expectRetryable(slow.result);
    expect(slow.result.message).toMatch(/TimeoutError/);

    const nowhere = createLiveKitActivities({ ...deps, connectorUrl: await closedPortUrl() });
    const refused = await failure(
      nowhere.acceptWhatsAppCall({
        phoneNumberId: 'p',
        whatsappCallId: 'c',
        sdpOffer: 'v=0',
        roomName: 'r',
        accessToken: META_TOKEN,
      }),
    );
    expectRetryable(refused);
    expect(refused.message).toMatch(/ECONNREFUSED/);
    expect(refused.message).not.toContain(META_TOKEN);
  });

  it('a token signed with the wrong secret is rejected by the mock, permanently', async () => {
    const wrong = createLiveKitActivities({ ...deps, apiSecret: 'not-the-secret' });
    const err = await failure(wrong.connectWhatsAppCall({ whatsappCallId: 'c', sdpAnswer: 'v=0' }));
    expectPermanent(err);
    expect(err.details[0]).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('pointing the Connector at a self-hosted LiveKit (no Connector service) is permanent', async () => {
    const selfHosted = createLiveKitActivities({ ...deps, connectorUrl: deps.url });
    const err = await failure(selfHosted.connectWhatsAppCall({ whatsappCallId: 'c', sdpAnswer: 'v=0' }));
    expectPermanent(err);
    expect(err.details[0]).toMatchObject({ status: 404 });
  });

  it('refuses bad Connector input before calling LiveKit', async () => {
    const { result: err, sent } = await withMock(undefined, () =>
      failure(
        activities.dialWhatsAppCall({
          phoneNumberId: 'p',
          toWaId: 'w',
          roomName: 'r',
          accessToken: META_TOKEN,
          bizOpaqueCallbackData: 'x'.repeat(513),
        }),
      ),
    );
    expectPermanent(err, LIVEKIT_INVALID_INPUT);
    expect(sent).toEqual([]);
    expectPermanent(
      await failure(activities.disconnectWhatsAppCall({ whatsappCallId: 'c' })),
      LIVEKIT_INVALID_INPUT,
    );
    expectPermanent(
      await failure(activities.acceptWhatsAppCall({ phoneNumberId: 'p', whatsappCallId: 'c', sdpOffer: '', roomName: 'r', accessToken: 't' })),
      LIVEKIT_INVALID_INPUT,
    );
  });
});
