import {
  AccessToken,
  ConnectorClient,
  DisconnectWhatsAppCallRequest_DisconnectReason,
  SessionDescription,
  TwirpError as SdkTwirpError,
} from 'livekit-server-sdk';
import { DialWhatsAppCallRequest, DialWhatsAppCallResponse } from '@livekit/protocol';
import type { CallEvent, CallStatusEvent } from '../../whatsapp/webhook-events';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../whatsapp/server';
import { SUPPORTED_CLOUD_API_VERSIONS } from './connector';
import { parseSdp } from './sdp';
import { startLiveKitConnectorSimulator, type RunningLiveKitConnectorSimulator } from './server';
import { startWebhookReceiver, until, type WebhookReceiver } from '../webhook-receiver.spec-helper';

const APP_SECRET = 'connector-spec-app-secret';
const API_KEY = 'devkey';
const API_SECRET = 'connector-spec-secret';
const META_TOKEN = 'EAAG-business-access-token';
const PHONE = '106540352242922';
const CUSTOMER = '5511987654321';


/** What the connector sent to the Graph API. */
interface GraphCall {
  url: string;
  authorization: string | null;
  body: Record<string, any>;
  status: number;
}

let sim: RunningWhatsAppSimulator;
let receiver: WebhookReceiver;
let connector: RunningLiveKitConnectorSimulator;
let client: ConnectorClient;
const graphCalls: GraphCall[] = [];
const rpcLog: Array<Record<string, unknown>> = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  graphCalls.push({
    url: String(input),
    authorization: new Headers(init?.headers).get('authorization'),
    body: JSON.parse(String(init?.body)),
    status: res.status,
  });
  return res;
};

const logger = {
  info: (obj: Record<string, unknown>, msg: string) => {
    if (msg.startsWith('connector rpc')) rpcLog.push(obj);
  },
  warn: () => {},
  error: () => {},
};

async function simControl(path: string, body: unknown = {}): Promise<Record<string, any>> {
  const res = await fetch(`${sim.url}/_sim${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const callEvents = (callId: string) => receiver.events().filter((e): e is CallEvent => e.kind === 'call' && e.callId === callId);
const callStatuses = (callId: string) =>
  receiver.events().filter((e): e is CallStatusEvent => e.kind === 'call_status' && e.callId === callId);

async function rejection(promise: Promise<unknown>): Promise<SdkTwirpError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SdkTwirpError);
    return err as SdkTwirpError;
  }
  throw new Error('expected the call to fail');
}

const dialOptions = (extra: Partial<Parameters<ConnectorClient['dialWhatsAppCall']>[0]> = {}) => ({
  whatsappPhoneNumberId: PHONE,
  whatsappToPhoneNumber: `+${CUSTOMER}`,
  whatsappApiKey: META_TOKEN,
  whatsappCloudApiVersion: '23.0',
  ...extra,
});

beforeAll(async () => {
  receiver = await startWebhookReceiver(APP_SECRET);
  sim = await startWhatsAppSimulator({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    statusDelayMs: 20,
    webhookRetry: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 6 },
  });
  connector = await startLiveKitConnectorSimulator({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    graphUrl: sim.url,
    fetch: recordingFetch,
    logger,
  });
  client = new ConnectorClient(connector.url, API_KEY, API_SECRET);
});

afterAll(async () => {
  await connector?.close();
  await sim?.close();
  await receiver?.app.close();
});

beforeEach(async () => {
  await simControl('/reset');
  connector.connector.reset();
  receiver.received.length = 0;
  graphCalls.length = 0;
  rpcLog.length = 0;
});

afterEach(async () => {
  await sim.simulator.settle();
  expect(sim.simulator.simulatorErrors()).toEqual([]);
  for (const r of receiver.received) expect(r.signatureOk).toBe(true);
});

describe('LiveKit Connector simulator: business-initiated calls', () => {
  it('dials through Meta, connects with the answer from the webhook, and terminates', async () => {
    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });

    const dialed = await client.dialWhatsAppCall(dialOptions({ whatsappBizOpaqueCallbackData: 'recado:call:42', roomName: 'call-42' }));
    expect(dialed.whatsappCallId).toMatch(/^wacid\./);
    expect(dialed.roomName).toBe('call-42');
    const callId = dialed.whatsappCallId;

    // What the connector asked Meta for.
    expect(graphCalls).toHaveLength(1);
    const connect = graphCalls[0];
    expect(connect.url).toBe(`${sim.url}/v23.0/${PHONE}/calls`);
    expect(connect.authorization).toBe(`Bearer ${META_TOKEN}`);
    expect(connect.status).toBe(200);
    expect(connect.body).toMatchObject({
      messaging_product: 'whatsapp',
      to: `+${CUSTOMER}`,
      action: 'connect',
      session: { sdp_type: 'offer' },
      biz_opaque_callback_data: 'recado:call:42',
    });
    const offer = connect.body.session.sdp as string;
    expect(offer).toMatch(/^v=0\r\n/);
    expect(offer).toContain('a=ice-lite');
    expect(offer).toContain('a=setup:actpass');
    expect(offer).toMatch(/a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(offer).toMatch(/a=rtpmap:\d+ opus\/48000\/2/);
    expect(parseSdp(offer).ok).toBe(true);

    // Meta (the simulator) has the call ringing, with our offer.
    const ringing = sim.simulator.calls().find((c) => c.id === callId);
    expect(ringing).toMatchObject({
      direction: 'BUSINESS_INITIATED',
      state: 'ringing',
      waId: CUSTOMER,
      phoneNumberId: PHONE,
      offerSdp: offer,
      bizOpaqueCallbackData: 'recado:call:42',
    });
    const status = await until('the RINGING webhook', () => callStatuses(callId).find((s) => s.status === 'RINGING'));
    expect(status.bizOpaqueCallbackData).toBe('recado:call:42');
    expect(status.recipientId).toBe(CUSTOMER);
    expect(connector.connector.get(callId)).toMatchObject({ direction: 'outbound', state: 'ringing', roomName: 'call-42', phoneNumberId: PHONE });

    // The customer picks up: Meta's answer arrives by webhook and goes to ConnectWhatsAppCall.
    await simControl(`/calls/${encodeURIComponent(callId)}/accept`);
    const connectEvent = await until('the connect webhook', () => callEvents(callId).find((e) => e.event === 'connect'));
    expect(connectEvent.session?.sdpType).toBe('answer');
    expect(connectEvent.bizOpaqueCallbackData).toBe('recado:call:42');
    await expect(client.connectWhatsAppCall(callId, new SessionDescription({ type: 'answer', sdp: connectEvent.session!.sdp }))).resolves.toBeDefined();
    expect(connector.connector.get(callId)).toMatchObject({
      state: 'connected',
      remoteSdp: { type: 'answer', sdp: connectEvent.session!.sdp },
    });
    // A retried connect with the same answer is fine.
    await client.connectWhatsAppCall(callId, new SessionDescription({ type: 'answer', sdp: connectEvent.session!.sdp }));

    // The business hangs up.
    await client.disconnectWhatsAppCall(callId, META_TOKEN);
    expect(graphCalls).toHaveLength(2);
    expect(graphCalls[1]).toMatchObject({
      url: `${sim.url}/v23.0/${PHONE}/calls`,
      authorization: `Bearer ${META_TOKEN}`,
      status: 200,
      body: { messaging_product: 'whatsapp', call_id: callId, action: 'terminate' },
    });
    const terminate = await until('the terminate webhook', () => callEvents(callId).find((e) => e.event === 'terminate'));
    expect(terminate.status).toBe('COMPLETED');
    expect(terminate.bizOpaqueCallbackData).toBe('recado:call:42');
    expect(sim.simulator.calls().find((c) => c.id === callId)?.state).toBe('ended');
    expect(connector.connector.get(callId)).toMatchObject({ state: 'ended', endedBy: 'business' });

    // The call is over and forgotten: a second disconnect, of either kind, is not_found (no request to Meta).
    expect((await rejection(client.disconnectWhatsAppCall(callId, META_TOKEN))).code).toBe('not_found');
    const userAfterBusiness = await rejection(
      client.disconnectWhatsAppCall(callId, '', DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED),
    );
    expect([userAfterBusiness.code, userAfterBusiness.status]).toEqual(['not_found', 404]);
    expect(userAfterBusiness.message).toMatch(/whatsapp call not found/);
    expect(graphCalls).toHaveLength(2);

    // The SDK speaks JSON.
    expect(rpcLog.map((r) => [r.method, r.encoding])).toEqual([
      ['DialWhatsAppCall', 'json'],
      ['ConnectWhatsAppCall', 'json'],
      ['ConnectWhatsAppCall', 'json'],
      ['DisconnectWhatsAppCall', 'json'],
      ['DisconnectWhatsAppCall', 'json'],
      ['DisconnectWhatsAppCall', 'json'],
    ]);
  });

  it('reports Meta 138006 as invalid_argument with the upstream detail, as the Connector does', async () => {
    const err = await rejection(client.dialWhatsAppCall(dialOptions()));
    expect(err.code).toBe('invalid_argument');
    expect(err.status).toBe(400);
    expect(err.message).toContain('138006');
    // Meta answers 138006 with HTTP 401 (its calling error table).
    expect(err.metadata).toMatchObject({ whatsapp_error_code: '138006', whatsapp_http_status: '401', whatsapp_action: 'connect' });
    expect(err.metadata?.whatsapp_error_message).toMatch(/call permission/i);
    expect(graphCalls).toHaveLength(1);
    expect(graphCalls[0].status).toBe(401);
    expect(sim.simulator.calls()).toEqual([]);
    expect(connector.connector.list()).toEqual([]);
  });

  it('generates a room name when none is given, and ends a call the customer rejected', async () => {
    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });
    const dialed = await client.dialWhatsAppCall(dialOptions({ whatsappCloudApiVersion: '24.0' }));
    expect(dialed.roomName).toMatch(/^whatsapp-[0-9a-f]{12}$/);
    expect(graphCalls[0].url).toBe(`${sim.url}/v24.0/${PHONE}/calls`);

    await simControl(`/calls/${encodeURIComponent(dialed.whatsappCallId)}/reject`);
    await until('the terminate webhook', () => callEvents(dialed.whatsappCallId).find((e) => e.event === 'terminate'));
    // recado learns it from the webhook and releases the call on LiveKit's side only.
    await client.disconnectWhatsAppCall(dialed.whatsappCallId, '', DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED);
    expect(graphCalls).toHaveLength(1);
    expect(connector.connector.get(dialed.whatsappCallId)).toMatchObject({ state: 'ended', endedBy: 'user' });
  });

  it("passes Meta's refusal of a terminate on through, and USER_INITIATED then frees the call", async () => {
    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });
    const { whatsappCallId: callId } = await client.dialWhatsAppCall(dialOptions());
    await simControl(`/calls/${encodeURIComponent(callId)}/accept`);
    const answer = await until('the connect webhook', () => callEvents(callId).find((e) => e.event === 'connect'));
    await client.connectWhatsAppCall(callId, new SessionDescription({ type: 'answer', sdp: answer.session!.sdp }));
    await simControl(`/calls/${encodeURIComponent(callId)}/terminate`);

    const refused = await rejection(client.disconnectWhatsAppCall(callId, META_TOKEN));
    expect(refused.code).toBe('invalid_argument');
    expect(refused.metadata).toMatchObject({ whatsapp_action: 'terminate', whatsapp_http_status: '400' });
    expect(refused.metadata?.whatsapp_error_message).toMatch(/already ended/);
    expect(graphCalls.at(-1)).toMatchObject({ status: 400, body: { action: 'terminate', call_id: callId } });
    expect(connector.connector.get(callId)?.state).toBe('connected');

    await client.disconnectWhatsAppCall(callId, '', DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED);
    expect(connector.connector.get(callId)).toMatchObject({ state: 'ended', endedBy: 'user' });
  });

  it('terminates at Meta a dialled call nobody answers within ringing_timeout', async () => {
    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });
    const { whatsappCallId: callId } = await client.dialWhatsAppCall(dialOptions({ ringingTimeout: 1 }));
    expect(connector.connector.get(callId)).toMatchObject({ state: 'ringing', ringingTimeoutSeconds: 1 });
    const terminate = await until('the terminate webhook', () => callEvents(callId).find((e) => e.event === 'terminate'));
    expect(terminate.status).toBe('FAILED');
    expect(connector.connector.metaRequests({ callId }).map((r) => [r.action, r.status])).toEqual([
      ['connect', 200],
      ['terminate', 200],
    ]);
    await until('the connector to end the call', () => (connector.connector.get(callId)?.state === 'ended' ? true : undefined));
    expect(connector.connector.get(callId)?.endedBy).toBe('ringing_timeout');
    // The business hears of it from Meta's terminate webhook; the Connector no longer has the call.
    const late = await rejection(client.disconnectWhatsAppCall(callId, '', DisconnectWhatsAppCallRequest_DisconnectReason.USER_INITIATED));
    expect(late.code).toBe('not_found');
  });

  it('applies the SDK default ringing timeout when the dial names none', async () => {
    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });
    const { whatsappCallId: callId } = await client.dialWhatsAppCall(dialOptions());
    expect(connector.connector.get(callId)?.ringingTimeoutSeconds).toBe(30);
    await client.disconnectWhatsAppCall(callId, META_TOKEN);
  });
});

describe('LiveKit Connector simulator: user-initiated calls', () => {
  it('accepts the customer call with pre_accept + accept and an SDP answer', async () => {
    const { callId } = await simControl(`/customers/${CUSTOMER}/calls`, { phoneNumberId: PHONE, name: 'Ana' });
    const connectEvent = await until('the connect webhook', () => callEvents(callId).find((e) => e.event === 'connect'));
    expect(connectEvent.direction).toBe('USER_INITIATED');
    expect(connectEvent.session?.sdpType).toBe('offer');
    const metaOffer = connectEvent.session!.sdp;

    const accepted = await client.acceptWhatsAppCall({
      whatsappPhoneNumberId: PHONE,
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      whatsappCallId: callId,
      whatsappBizOpaqueCallbackData: 'recado:inbound:7',
      sdp: new SessionDescription({ type: 'offer', sdp: metaOffer }),
      roomName: 'inbound-7',
    });
    expect(accepted.roomName).toBe('inbound-7');

    expect(graphCalls.map((c) => [c.body.action, c.status, c.authorization])).toEqual([
      ['pre_accept', 200, `Bearer ${META_TOKEN}`],
      ['accept', 200, `Bearer ${META_TOKEN}`],
    ]);
    const [preAccept, accept] = graphCalls;
    expect(preAccept.body).toMatchObject({ messaging_product: 'whatsapp', call_id: callId, session: { sdp_type: 'answer' } });
    expect(preAccept.body.biz_opaque_callback_data).toBeUndefined();
    expect(accept.body).toMatchObject({ call_id: callId, session: { sdp_type: 'answer' }, biz_opaque_callback_data: 'recado:inbound:7' });
    const answer = accept.body.session.sdp as string;
    expect(preAccept.body.session.sdp).toBe(answer);
    // The answer matches Meta's offer: same mid and Opus payload type, ICE-lite, active DTLS role.
    const offered = parseSdp(metaOffer);
    const answered = parseSdp(answer);
    expect(answered).toMatchObject({ ok: true, mid: offered.mid, opusPayloadType: offered.opusPayloadType, setup: 'active' });
    expect(answer).toContain('a=ice-lite');

    expect(sim.simulator.calls().find((c) => c.id === callId)).toMatchObject({
      direction: 'USER_INITIATED',
      state: 'accepted',
      answerSdp: answer,
      bizOpaqueCallbackData: 'recado:inbound:7',
    });
    expect(connector.connector.get(callId)).toMatchObject({
      direction: 'inbound',
      state: 'connected',
      roomName: 'inbound-7',
      localSdp: { type: 'answer', sdp: answer },
      remoteSdp: { type: 'offer', sdp: metaOffer },
    });
    expect(connector.connector.get(callId)?.whatsappApiKeyHint).toBe(`…${META_TOKEN.slice(-4)}`);

    // The Connector does not de-duplicate: a second accept goes to Meta, which refuses it.
    const again = await rejection(
      client.acceptWhatsAppCall({
        whatsappPhoneNumberId: PHONE,
        whatsappApiKey: META_TOKEN,
        whatsappCloudApiVersion: '23.0',
        whatsappCallId: callId,
        sdp: new SessionDescription({ type: 'offer', sdp: metaOffer }),
      }),
    );
    expect(again.code).toBe('invalid_argument');
    expect(again.metadata).toMatchObject({ whatsapp_action: 'pre_accept', whatsapp_error_code: '100' });
    expect(connector.connector.metaRequests({ callId, action: 'accept' })).toHaveLength(1);

    await client.disconnectWhatsAppCall(callId, META_TOKEN);
    const terminate = await until('the terminate webhook', () => callEvents(callId).find((e) => e.event === 'terminate'));
    expect(terminate.status).toBe('COMPLETED');
  });

  it('can be told to answer an accept late, after it has accepted at Meta', async () => {
    const { callId } = await simControl(`/customers/${CUSTOMER}/calls`, { phoneNumberId: PHONE });
    const connectEvent = await until('the connect webhook', () => callEvents(callId).find((e) => e.event === 'connect'));
    const fault = await fetch(`${connector.url}/_sim/faults/slow-accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ delayMs: 1500 }),
    });
    expect(fault.status).toBe(200);
    // A client that gives up before the answer: the call is accepted at Meta all the same.
    const impatient = new ConnectorClient(connector.url, API_KEY, API_SECRET, { requestTimeout: 0.3 });
    await expect(
      impatient.acceptWhatsAppCall({
        whatsappPhoneNumberId: PHONE,
        whatsappApiKey: META_TOKEN,
        whatsappCloudApiVersion: '23.0',
        whatsappCallId: callId,
        sdp: new SessionDescription({ type: 'offer', sdp: connectEvent.session!.sdp }),
      }),
    ).rejects.toThrow();
    await until('Meta to accept', () => (sim.simulator.calls().find((c) => c.id === callId)?.state === 'accepted' ? true : undefined));
    expect(connector.connector.metaRequests({ callId }).map((r) => r.action)).toEqual(['pre_accept', 'accept']);
    const list = (await (await fetch(`${connector.url}/_sim/meta-requests`)).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(2);
    expect((await fetch(`${connector.url}/_sim/faults/slow-accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"delayMs":-1}' })).status).toBe(400);
  });

  it("passes Meta's refusal through when the call is no longer ringing", async () => {
    const { callId } = await simControl(`/customers/${CUSTOMER}/calls`, { phoneNumberId: PHONE });
    const connectEvent = await until('the connect webhook', () => callEvents(callId).find((e) => e.event === 'connect'));
    await simControl(`/calls/${encodeURIComponent(callId)}/terminate`);
    const err = await rejection(
      client.acceptWhatsAppCall({
        whatsappPhoneNumberId: PHONE,
        whatsappApiKey: META_TOKEN,
        whatsappCloudApiVersion: '23.0',
        whatsappCallId: callId,
        sdp: new SessionDescription({ type: 'offer', sdp: connectEvent.session!.sdp }),
      }),
    );
    expect(err.code).toBe('invalid_argument');
    expect(err.metadata).toMatchObject({ whatsapp_error_code: '100', whatsapp_action: 'pre_accept' });
    expect(connector.connector.get(callId)).toBeUndefined();
  });
});

describe('LiveKit Connector simulator: auth and validation', () => {
  it('rejects tokens signed with another secret as unauthenticated', async () => {
    const wrong = new ConnectorClient(connector.url, API_KEY, 'not-the-secret');
    const err = await rejection(wrong.dialWhatsAppCall(dialOptions()));
    expect(err.code).toBe('unauthenticated');
    expect(err.status).toBe(401);
    const otherKey = new ConnectorClient(connector.url, 'other-key', API_SECRET);
    expect((await rejection(otherKey.disconnectWhatsAppCall('wacid.x', META_TOKEN))).code).toBe('unauthenticated');
    const res = await fetch(`${connector.url}/twirp/livekit.Connector/DialWhatsAppCall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
    expect(graphCalls).toEqual([]);
  });

  it('rejects a token without the roomCreate grant as permission_denied', async () => {
    const at = new AccessToken(API_KEY, API_SECRET, { ttl: 60 });
    at.addGrant({ roomList: true, roomAdmin: true, room: 'x' });
    const limited = new ConnectorClient(connector.url, undefined, undefined, { token: await at.toJwt() });
    const err = await rejection(limited.dialWhatsAppCall(dialOptions()));
    expect(err.code).toBe('permission_denied');
    expect(err.status).toBe(403);
    expect(graphCalls).toEqual([]);
  });

  it('validates requests before calling Meta', async () => {
    const bad = [
      dialOptions({ whatsappPhoneNumberId: '' }),
      dialOptions({ whatsappPhoneNumberId: 'my-number' }),
      dialOptions({ whatsappToPhoneNumber: '' }),
      dialOptions({ whatsappToPhoneNumber: 'call me' }),
      dialOptions({ whatsappApiKey: '' }),
      dialOptions({ whatsappCloudApiVersion: 'latest' }),
      dialOptions({ whatsappCloudApiVersion: '' }),
      dialOptions({ whatsappCloudApiVersion: '22.0' }),
      dialOptions({ whatsappCloudApiVersion: 'v23.0' }),
      dialOptions({ whatsappBizOpaqueCallbackData: 'x'.repeat(513) }),
    ];
    for (const options of bad) {
      const err = await rejection(client.dialWhatsAppCall(options));
      expect([err.code, err.status]).toEqual(['invalid_argument', 400]);
    }
    const version = await rejection(client.dialWhatsAppCall(dialOptions({ whatsappCloudApiVersion: '22.0' })));
    expect(version.message).toMatch(/whatsapp cloud api version not supported/);
    expect(SUPPORTED_CLOUD_API_VERSIONS).toEqual(['23.0', '24.0', '25.0']);
    const unknown = await rejection(client.connectWhatsAppCall('wacid.unknown', new SessionDescription({ type: 'answer', sdp: 'v=0' })));
    expect([unknown.code, unknown.status]).toEqual(['not_found', 404]);
    expect((await rejection(client.disconnectWhatsAppCall('wacid.unknown', META_TOKEN))).code).toBe('not_found');

    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });
    const { whatsappCallId } = await client.dialWhatsAppCall(dialOptions());
    const sent = graphCalls.length;
    const offerNotAnswer = await rejection(client.connectWhatsAppCall(whatsappCallId, new SessionDescription({ type: 'offer', sdp: graphCalls[0].body.session.sdp })));
    expect(offerNotAnswer.code).toBe('invalid_argument');
    const noOpus = await rejection(
      client.connectWhatsAppCall(whatsappCallId, new SessionDescription({ type: 'answer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n' })),
    );
    expect(noOpus.message).toMatch(/Opus/);
    const noKey = await rejection(client.disconnectWhatsAppCall(whatsappCallId, ''));
    expect(noKey.code).toBe('invalid_argument');
    expect(graphCalls).toHaveLength(sent);
    expect(connector.connector.get(whatsappCallId)?.state).toBe('ringing');
  });

  it('speaks binary protobuf too, and answers Twirp errors for bad routes and bodies', async () => {
    await simControl(`/customers/${CUSTOMER}/call-permission-reply`, { accept: true, phoneNumberId: PHONE });
    const at = new AccessToken(API_KEY, API_SECRET, { ttl: 60 });
    at.addGrant({ roomCreate: true });
    const authorization = `Bearer ${await at.toJwt()}`;
    const url = `${connector.url}/twirp/livekit.Connector/DialWhatsAppCall`;

    const request = new DialWhatsAppCallRequest({
      whatsappPhoneNumberId: PHONE,
      whatsappToPhoneNumber: CUSTOMER,
      whatsappApiKey: META_TOKEN,
      whatsappCloudApiVersion: '23.0',
      roomName: 'pb-room',
    });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/protobuf', authorization }, body: request.toBinary() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/protobuf');
    const response = DialWhatsAppCallResponse.fromBinary(new Uint8Array(await res.arrayBuffer()));
    expect(response.roomName).toBe('pb-room');
    expect(sim.simulator.calls().map((c) => c.id)).toEqual([response.whatsappCallId]);

    // snake_case protojson names are accepted as well as the SDK's camelCase.
    const snake = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ whatsapp_phone_number_id: PHONE, whatsapp_to_phone_number: CUSTOMER, whatsapp_api_key: META_TOKEN, whatsapp_cloud_api_version: '23.0', room_name: 'snake' }),
    });
    expect(snake.status).toBe(200);
    expect(await snake.json()).toMatchObject({ whatsappCallId: expect.stringMatching(/^wacid\./), roomName: 'snake' });

    const malformed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{not json' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'malformed' });

    const badRoute = await fetch(`${connector.url}/twirp/livekit.Connector/RingEveryone`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: '{}',
    });
    expect(badRoute.status).toBe(404);
    expect(await badRoute.json()).toMatchObject({ code: 'bad_route' });

    const badType = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', authorization }, body: 'hi' });
    expect(badType.status).toBe(404);
    expect(await badType.json()).toMatchObject({ code: 'bad_route' });

    const health = await fetch(`${connector.url}/_sim/health`);
    expect(health.status).toBe(200);
  });
});
