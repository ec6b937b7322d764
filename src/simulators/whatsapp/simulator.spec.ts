import {
  CallingNotEnabledError,
  AuthError,
  InvalidParameterError,
  NoCallPermissionError,
  PairRateLimitError,
  RateLimitError,
  WhatsAppApiError,
  WindowClosedError,
} from '../../whatsapp/errors';
import { WhatsAppGraphClient } from '../../whatsapp/graph-client';
import { getMetaSpec, META_PATHS } from '../../whatsapp/spec';
import type { CallConnectResponse, TextMessageRequest } from '../../whatsapp/types';
import type { CallEvent, InboundMessageEvent } from '../../whatsapp/webhook-events';
import namedHeaderComponent from '../../../test/fixtures/whatsapp/named-header-component.json';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from './server';
import { startWebhookReceiver, until, type WebhookReceiver } from '../webhook-receiver.spec-helper';

const SECRET = 'test-app-secret';
const PHONE = '106540352242922';
const CUSTOMER = '5511987654321';
const spec = getMetaSpec();


let sim: RunningWhatsAppSimulator;
let receiver: WebhookReceiver;
let client: WhatsAppGraphClient;

async function control(path: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/_sim${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const text = (body: string, extra: { biz_opaque_callback_data?: string } = {}): TextMessageRequest => ({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: CUSTOMER,
  type: 'text',
  text: { body },
  ...extra,
});

const statusesOf = (wamid: string) =>
  receiver.events().flatMap((e) => (e.kind === 'status' && e.id === wamid ? [e.status] : []));

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  sim = await startWhatsAppSimulator({
    webhookUrl: receiver.url,
    appSecret: SECRET,
    statusDelayMs: 20,
    webhookRetry: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 6 },
  });
  client = new WhatsAppGraphClient({ baseUrl: sim.url, version: 'v23.0', accessToken: 'simulator-token', timeoutMs: 5000 });
});

afterAll(async () => {
  await sim?.close();
  await receiver?.app.close();
});

beforeEach(async () => {
  await control('/reset');
  receiver.received.length = 0;
  receiver.failNext = 0;
});

afterEach(async () => {
  await sim.simulator.settle();
  // Every webhook the simulator emitted passed Meta's WebhookPayload schema and was signed.
  expect(sim.simulator.simulatorErrors()).toEqual([]);
  for (const r of receiver.received) {
    expect(r.signatureOk).toBe(true);
    expect(spec.validateWebhookPayload(JSON.parse(r.raw))).toEqual({ ok: true });
  }
});

describe('WhatsApp simulator: messages', () => {
  it('answers 401 / code 190 without a bearer token', async () => {
    const res = await fetch(`${sim.url}/v23.0/${PHONE}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(text('oi')),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: number; type: string; fbtrace_id: string } };
    expect(body.error).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(body.error.fbtrace_id).toEqual(expect.any(String));
  });

  it('refuses free-form text outside the 24 h window (131047), accepts it inside, and delivers signed statuses in order', async () => {
    const outside = await client.sendMessage(PHONE, text('oi')).catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(WindowClosedError);
    expect(outside).toMatchObject({ code: 131047, httpStatus: 400, retryable: false });

    const inbound = await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, name: 'Maria Silva', text: 'Tem dipirona?' });
    expect(inbound.status).toBe(200);
    const message = await until('the inbound message webhook', () =>
      receiver.events().find((e): e is InboundMessageEvent => e.kind === 'message' && e.id === inbound.body.id),
    );
    expect(message).toMatchObject({ from: CUSTOMER, contactName: 'Maria Silva', text: 'Tem dipirona?', phoneNumberId: PHONE });

    const sent = await client.sendMessage(PHONE, text('Temos sim!', { biz_opaque_callback_data: 'msg-42' }));
    const wamid = sent.messages![0].id!;
    expect(wamid).toMatch(/^wamid\./);
    expect(sent.contacts).toEqual([{ input: CUSTOMER, wa_id: CUSTOMER }]);
    await until('delivered', () => statusesOf(wamid).includes('delivered'));

    const read = await control(`/customers/${CUSTOMER}/read`, { phone_number_id: PHONE });
    expect(read.body.read).toEqual([wamid]);
    await until('read', () => statusesOf(wamid).includes('read'));
    expect(statusesOf(wamid)).toEqual(['sent', 'delivered', 'read']);
    const statusEvents = receiver.events().filter((e) => e.kind === 'status');
    expect(statusEvents.every((e) => e.kind === 'status' && e.bizOpaqueCallbackData === 'msg-42' && e.recipientId === CUSTOMER)).toBe(true);

    const listed = (await (await fetch(`${sim.url}/_sim/messages?to=${CUSTOMER}&phone_number_id=${PHONE}`)).json()) as { data: unknown[] };
    expect(listed.data).toEqual([expect.objectContaining({ id: wamid, to: CUSTOMER, status: 'read', body: expect.objectContaining({ text: { body: 'Temos sim!' } }) })]);
  });

  it('closes the window again 24 h after the customer last wrote (simulator clock)', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    await control('/pair-rate', { enabled: false });
    await expect(client.sendMessage(PHONE, text('1'))).resolves.toBeDefined();
    await control('/clock', { advanceMs: 24 * 60 * 60 * 1000 + 1000 });
    await expect(client.sendMessage(PHONE, text('2'))).rejects.toBeInstanceOf(WindowClosedError);
  });

  it('always allows approved templates, and checks the name and the parameter count', async () => {
    const template = (name: string, params: string[]) => ({
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template' as const,
      template: { name, language: { code: 'pt_BR' }, components: [{ type: 'body' as const, parameters: params.map((t) => ({ type: 'text' as const, text: t })) }] },
    });
    const ok = await client.sendMessage(PHONE, template('pedido_atualizado', ['Ana', '#123', 'enviado']));
    expect(ok.messages![0]).toMatchObject({ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' });
    await control('/pair-rate', { enabled: false });

    const unknown = await client.sendMessage(PHONE, template('nao_existe', [])).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InvalidParameterError);
    expect(unknown).toMatchObject({ code: 132001 });
    const count = await client.sendMessage(PHONE, template('pedido_atualizado', ['Ana'])).catch((e: unknown) => e);
    expect(count).toMatchObject({ name: 'InvalidParameterError', code: 132000 });

    const added = await control('/templates', { name: 'aviso_simples', language: 'pt_BR', components: [{ type: 'BODY', text: 'Aviso!' }] });
    expect(added.status).toBe(200);
    await expect(client.sendMessage(PHONE, template('aviso_simples', []))).resolves.toBeDefined();
    const list = await client.listMessageTemplates('102290129340398', { name: 'aviso_simples' });
    expect(list.data).toEqual([expect.objectContaining({ name: 'aviso_simples', status: 'APPROVED', language: 'pt_BR' })]);
  });

  it('lists NAMED templates with their parameter_format and checks each parameter_name of a send (132000)', async () => {
    await control('/pair-rate', { enabled: false });
    const send = (name: string, parameters: Array<{ parameter_name?: string; text: string }>) =>
      client.sendMessage(PHONE, {
        messaging_product: 'whatsapp',
        to: CUSTOMER,
        type: 'template',
        template: { name, language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: parameters.map((p) => ({ type: 'text' as const, ...p })) }] },
      } as never);

    const defaults = await client.listMessageTemplates('102290129340398', { name: 'pedido_enviado' });
    expect(defaults.data).toEqual([
      expect.objectContaining({
        name: 'pedido_enviado',
        parameter_format: 'NAMED',
        components: [expect.objectContaining({ type: 'BODY', text: 'Olá {{nome}}, seu pedido {{pedido}} foi enviado.' })],
      }),
    ]);
    const positional = await client.listMessageTemplates('102290129340398', { name: 'pedido_atualizado' });
    expect(positional.data).toEqual([expect.objectContaining({ parameter_format: 'POSITIONAL' })]);

    // Named parameters may come in any order; each placeholder once.
    const ok = await send('pedido_enviado', [{ parameter_name: 'pedido', text: '1042' }, { parameter_name: 'nome', text: 'Ana' }]);
    expect(ok.messages![0]).toMatchObject({ message_status: 'accepted' });
    const refusals = [
      [{ text: 'Ana' }, { text: '1042' }],
      [{ parameter_name: 'nome', text: 'Ana' }, { parameter_name: 'cupom', text: 'X' }],
      [{ parameter_name: 'nome', text: 'Ana' }, { parameter_name: 'nome', text: 'Bia' }],
      [{ parameter_name: 'nome', text: 'Ana' }],
    ];
    for (const parameters of refusals) {
      const err = await send('pedido_enviado', parameters).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'InvalidParameterError', code: 132000, httpStatus: 400 });
    }

    // A template added with Meta's published named HEADER component is listed as given.
    const header = namedHeaderComponent;
    const added = await control('/templates', {
      name: 'promo_nomeada',
      language: 'pt_BR',
      parameter_format: 'NAMED',
      components: [header, { type: 'BODY', text: 'Use o cupom {{cupom}}.' }],
    });
    expect(added.status).toBe(200);
    const listed = await client.listMessageTemplates('102290129340398', { name: 'promo_nomeada' });
    expect(listed.data).toEqual([expect.objectContaining({ parameter_format: 'NAMED', components: [header, { type: 'BODY', text: 'Use o cupom {{cupom}}.' }] })]);
    await expect(send('promo_nomeada', [{ parameter_name: 'cupom', text: 'BF10' }])).resolves.toBeDefined();
    expect((await control('/templates', { name: 'formato_errado', parameter_format: 'named' })).status).toBe(400);
  });

  it('enforces the pair rate (131056) unless disabled', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    await client.sendMessage(PHONE, text('1'));
    const second = await client.sendMessage(PHONE, text('2')).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(PairRateLimitError);
    expect(second).toMatchObject({ code: 131056, retryable: true });
    await control('/clock', { advanceMs: 6000 });
    await expect(client.sendMessage(PHONE, text('3'))).resolves.toBeDefined();
    expect((await control('/pair-rate', { enabled: false })).body).toEqual({ enabled: false });
    await client.sendMessage(PHONE, text('4'));
    await expect(client.sendMessage(PHONE, text('5'))).resolves.toBeDefined();
  });

  it('rejects a body that breaks the spec with code 100 naming the field', async () => {
    const err = await client.sendMessage(PHONE, { ...text('oi'), text: { body: 'oi', colour: 'red' } } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err).toMatchObject({ code: 100, httpStatus: 400 });
    expect((err as Error).message).toContain('text.colour: is not allowed here');
  });

  it('injects faults: Meta error codes, delays (still accepted) and async failed statuses', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    await control('/pair-rate', { enabled: false });

    expect((await control('/faults', { code: 130429, count: 2 })).status).toBe(200);
    for (let i = 0; i < 2; i++) await expect(client.sendMessage(PHONE, text('x'))).rejects.toBeInstanceOf(RateLimitError);
    await expect(client.sendMessage(PHONE, text('ok'))).resolves.toBeDefined();

    await control('/faults', { delayMs: 300 });
    const started = Date.now();
    const delayed = await client.sendMessage(PHONE, text('slow'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(sim.simulator.messages().map((m) => m.id)).toContain(delayed.messages![0].id);

    await control('/faults', { code: 131026, async: true });
    const doomed = await client.sendMessage(PHONE, text('doomed'));
    const wamid = doomed.messages![0].id!;
    const failed = await until('the failed status', () => receiver.events().find((e) => e.kind === 'status' && e.id === wamid && e.status === 'failed'));
    expect(failed).toMatchObject({ errors: [expect.objectContaining({ code: 131026 })] });
    expect(statusesOf(wamid)).toEqual(['failed']);
  });

  it('a request held by a delay fault that the client gives up on is still accepted (unknown outcome)', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    await control('/faults', { delayMs: 400 });
    const impatient = new WhatsAppGraphClient({ baseUrl: sim.url, version: 'v23.0', accessToken: 't', timeoutMs: 100 });
    const err = await impatient.sendMessage(PHONE, text('maybe')).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TransportError', retryable: true });
    const accepted = await until('the message to be accepted anyway', () => sim.simulator.messages({ to: CUSTOMER })[0]);
    await until('its delivered status', () => statusesOf(accepted.id).includes('delivered'));
  });

  it('retries webhooks while the receiver fails, keeping each message in order', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    await until('the inbound webhook', () => receiver.received.length === 1);
    receiver.failNext = 3;
    const sent = await client.sendMessage(PHONE, text('persistente'));
    const wamid = sent.messages![0].id!;
    await until('delivered after retries', () => statusesOf(wamid).includes('delivered'));
    expect(statusesOf(wamid)).toEqual(['sent', 'delivered']);
    const log = ((await (await fetch(`${sim.url}/_sim/webhooks`)).json()) as { data: Array<{ kind: string; attempts: number; status: string }> }).data;
    expect(log.find((d) => d.kind === 'status:sent')).toMatchObject({ status: 'delivered', attempts: 4 });
  });

  it('uploads media (multipart) and returns an id to send by reference', async () => {
    const { id } = await client.uploadMedia(PHONE, Buffer.from('%PDF-1.4 extrato'), 'application/pdf', 'extrato.pdf');
    expect(id).toMatch(/^\d+$/);
    const template = { messaging_product: 'whatsapp', to: CUSTOMER, type: 'document' as const, document: { id: id!, filename: 'extrato.pdf' } };
    await expect(client.sendMessage(PHONE, template)).rejects.toBeInstanceOf(WindowClosedError);
  });
});

describe('WhatsApp simulator: calls', () => {
  const offer = { sdp_type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };

  it('permission request → customer accepts → connect → RINGING → accept (SDP answer) → terminate with duration', async () => {
    const noPermission = await client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer }).catch((e: unknown) => e);
    expect(noPermission).toBeInstanceOf(NoCallPermissionError);
    expect(noPermission).toMatchObject({ code: 138006, retryable: false });

    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, name: 'Maria Silva', text: 'me liga?' });
    await client.sendMessage(PHONE, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'interactive',
      interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'Podemos te ligar?' } },
    });
    // Meta's live vocabulary: a request still waiting for its answer is no_permission.
    const pending = await client.getCallPermissions(PHONE, CUSTOMER);
    expect(pending.permission.status).toBe('no_permission');
    const requestLimit = pending.actions?.find((a) => a.action_name === 'send_call_permission_request')?.limits?.[0];
    expect(requestLimit).toMatchObject({ current_usage: 1, max_allowed: 1, limit_expiration_time: expect.any(Number) });
    expect(spec.validateResponseBody('get', META_PATHS.callPermissions, 200, pending)).toEqual({ ok: true });

    const reply = await control(`/customers/${CUSTOMER}/call-permission-reply`, { phone_number_id: PHONE, accept: true, permanent: false });
    expect(reply.status).toBe(200);
    const replyEvent = await until('the permission reply webhook', () =>
      receiver.events().find((e): e is InboundMessageEvent => e.kind === 'message' && e.interactive?.type === 'call_permission_reply'),
    );
    const sevenDays = sim.simulator.now() / 1000 + 7 * 24 * 3600;
    expect(replyEvent.interactive).toMatchObject({ response: 'accept', isPermanent: false, responseSource: 'user_action' });
    expect(replyEvent.interactive?.type === 'call_permission_reply' && replyEvent.interactive.expirationTimestamp).toBeGreaterThan(sevenDays - 5);

    const granted = await client.getCallPermissions(PHONE, CUSTOMER);
    expect(granted.permission).toMatchObject({ status: 'temporary', expiration_time: expect.any(Number) });
    const startCall = granted.actions?.find((a) => a.action_name === 'start_call');
    expect(startCall?.can_perform_action).toBe(true);
    // A limit not reached names no expiration time.
    expect(startCall?.limits?.[0]).toEqual({ time_period: 'PT24H', current_usage: 0, max_allowed: 100 });
    expect(spec.validateResponseBody('get', META_PATHS.callPermissions, 200, granted)).toEqual({ ok: true });

    const connected = (await client.callAction(PHONE, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      action: 'connect',
      session: offer,
      biz_opaque_callback_data: 'call-7',
    })) as CallConnectResponse;
    const callId = connected.calls![0].id!;
    expect(callId).toMatch(/^wacid\./);
    await until('RINGING', () => receiver.events().some((e) => e.kind === 'call_status' && e.callId === callId && e.status === 'RINGING'));

    expect((await control(`/calls/${callId}/accept`)).status).toBe(200);
    const connect = await until('the connect webhook', () =>
      receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.callId === callId && e.event === 'connect'),
    );
    expect(connect).toMatchObject({ direction: 'BUSINESS_INITIATED', to: CUSTOMER, bizOpaqueCallbackData: 'call-7', contactName: 'Maria Silva' });
    expect(connect.session?.sdpType).toBe('answer');
    expect(connect.session?.sdp).toMatch(/^v=0\r\n[\s\S]*a=fingerprint:sha-256 [0-9A-F:]+\r\n[\s\S]*a=rtpmap:111 opus\/48000\/2/);
    await until('ACCEPTED', () => receiver.events().some((e) => e.kind === 'call_status' && e.callId === callId && e.status === 'ACCEPTED'));

    await control('/clock', { advanceMs: 65_000 });
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', call_id: callId, action: 'terminate' })).resolves.toEqual({ success: true });
    const terminate = await until('the terminate webhook', () =>
      receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.callId === callId && e.event === 'terminate'),
    );
    expect(terminate).toMatchObject({ status: 'COMPLETED', bizOpaqueCallbackData: 'call-7', dedupeKey: `${callId}:terminate:COMPLETED` });
    expect(terminate.duration).toBeGreaterThanOrEqual(65);
    expect(Number(terminate.endTime) - Number(terminate.startTime)).toBe(terminate.duration);

    const order = receiver.events().filter((e) => 'callId' in e && e.callId === callId).map((e) => e.dedupeKey.replace(`${callId}:`, ''));
    expect(order).toEqual(['status:RINGING', 'connect', 'status:ACCEPTED', 'terminate:COMPLETED']);
  });

  it('a rejected business call reports REJECTED and a FAILED terminate; a refused permission blocks calls', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    sim.simulator.customerRepliesToCallPermission(CUSTOMER, { accept: true, permanent: true, phoneNumberId: PHONE });
    const permanent = await client.getCallPermissions(PHONE, CUSTOMER);
    expect(permanent.permission).toEqual({ status: 'permanent' });

    const { calls } = (await client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer })) as CallConnectResponse;
    const callId = calls![0].id!;
    await control(`/calls/${callId}/reject`);
    await until('terminate', () => receiver.events().some((e) => e.kind === 'call' && e.callId === callId && e.event === 'terminate'));
    const statuses = receiver.events().filter((e) => e.kind === 'call_status' && e.callId === callId).map((e) => e.kind === 'call_status' && e.status);
    expect(statuses).toEqual(['RINGING', 'REJECTED']);
    expect(receiver.events().find((e) => e.kind === 'call' && e.event === 'terminate')).toMatchObject({ status: 'FAILED' });

    await control(`/customers/${CUSTOMER}/call-permission-reply`, { phone_number_id: PHONE, accept: false });
    expect((await client.getCallPermissions(PHONE, CUSTOMER)).permission.status).toBe('no_permission');
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer })).rejects.toBeInstanceOf(NoCallPermissionError);
  });

  it('a temporary permission expires after 7 days', async () => {
    sim.simulator.customerRepliesToCallPermission(CUSTOMER, { accept: true, phoneNumberId: PHONE });
    expect((await client.getCallPermissions(PHONE, CUSTOMER)).permission.status).toBe('temporary');
    await control('/clock', { advanceMs: 7 * 24 * 3600 * 1000 + 1000 });
    expect((await client.getCallPermissions(PHONE, CUSTOMER)).permission.status).toBe('no_permission');
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer })).rejects.toBeInstanceOf(NoCallPermissionError);
  });

  it('limits call permission requests to 1 per 24 h', async () => {
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'oi' });
    sim.simulator.setPairRateLimit(false);
    const ask = () =>
      client.sendMessage(PHONE, {
        messaging_product: 'whatsapp',
        to: CUSTOMER,
        type: 'interactive',
        interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'Podemos ligar?' } },
      });
    await ask();
    const second = await ask().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(WhatsAppApiError);
    expect((second as WhatsAppApiError).retryable).toBe(false);
    const permissions = await client.getCallPermissions(PHONE, CUSTOMER);
    expect(permissions.actions?.find((a) => a.action_name === 'send_call_permission_request')).toMatchObject({ can_perform_action: false });
  });

  it('customer calls the business: connect with an SDP offer → pre_accept → accept → customer hangs up', async () => {
    const started = await control(`/customers/${CUSTOMER}/calls`, { phone_number_id: PHONE, name: 'João' });
    expect(started.status).toBe(200);
    const callId = started.body.callId as string;
    const connect = await until('the connect webhook', () =>
      receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.callId === callId && e.event === 'connect'),
    );
    expect(connect).toMatchObject({ direction: 'USER_INITIATED', from: CUSTOMER, contactName: 'João', session: { sdpType: 'offer' } });

    const answer = { sdp_type: 'answer' as const, sdp: 'v=0\r\n' };
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', call_id: callId, action: 'pre_accept', session: answer })).resolves.toEqual({ success: true });
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', call_id: callId, action: 'accept', session: answer, biz_opaque_callback_data: 'agent-3' })).resolves.toEqual({ success: true });
    const twice = await client.callAction(PHONE, { messaging_product: 'whatsapp', call_id: callId, action: 'accept', session: answer }).catch((e: unknown) => e);
    expect(twice).toMatchObject({ name: 'InvalidParameterError', code: 100 });

    await control('/clock', { advanceMs: 30_000 });
    await control(`/calls/${callId}/terminate`);
    const terminate = await until('the terminate webhook', () =>
      receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.callId === callId && e.event === 'terminate'),
    );
    expect(terminate).toMatchObject({ status: 'COMPLETED', duration: 30, bizOpaqueCallbackData: 'agent-3', direction: 'USER_INITIATED' });
  });

  it('the business can reject a customer call, which ends it as FAILED', async () => {
    const call = sim.simulator.customerCalls(CUSTOMER, { phoneNumberId: PHONE });
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', call_id: call.id, action: 'reject' })).resolves.toEqual({ success: true });
    const terminate = await until('terminate', () => receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.event === 'terminate'));
    expect(terminate).toMatchObject({ callId: call.id, status: 'FAILED' });
    expect(terminate.duration).toBeUndefined();
  });

  it('stores the calling settings (validated) and refuses customer calls when calling is disabled', async () => {
    const initial = await client.getSettings(PHONE);
    expect(spec.validateResponseBody('get', META_PATHS.settings, 200, initial)).toEqual({ ok: true });

    const calling = {
      status: 'ENABLED' as const,
      call_icon_visibility: 'DEFAULT' as const,
      callback_permission_status: 'ENABLED' as const,
      call_hours: {
        status: 'ENABLED' as const,
        timezone_id: 'America/Sao_Paulo',
        weekly_operating_hours: [
          { day_of_week: 'MONDAY' as const, open_time: '0800', close_time: '1200' },
          { day_of_week: 'MONDAY' as const, open_time: '1300', close_time: '1800' },
        ],
        holiday_schedule: [{ date: '2026-12-25', start_time: '0000', end_time: '2359' }],
      },
    };
    await expect(client.updateSettings(PHONE, { calling })).resolves.toEqual({ success: true });
    const stored = await client.getSettings(PHONE);
    expect(stored.calling).toMatchObject(calling);
    expect(spec.validateResponseBody('get', META_PATHS.settings, 200, stored)).toEqual({ ok: true });

    const overlapping = await client
      .updateSettings(PHONE, {
        calling: {
          status: 'ENABLED',
          call_hours: {
            status: 'ENABLED',
            weekly_operating_hours: [
              { day_of_week: 'MONDAY', open_time: '0800', close_time: '1400' },
              { day_of_week: 'MONDAY', open_time: '1300', close_time: '1800' },
            ],
          },
        },
      })
      .catch((e: unknown) => e);
    expect(overlapping).toMatchObject({ name: 'InvalidParameterError', code: 100 });
    expect((overlapping as Error).message).toContain('calling.call_hours.weekly_operating_hours: ranges of MONDAY overlap');
    const badEnum = await client.updateSettings(PHONE, { calling: { status: 'on' } } as never).catch((e: unknown) => e);
    expect((badEnum as Error).message).toContain('calling.status: must be one of');

    await client.updateSettings(PHONE, { calling: { status: 'DISABLED' } });
    const refused = await control(`/customers/${CUSTOMER}/calls`, { phone_number_id: PHONE });
    expect(refused.status).toBe(409);
    expect(String(refused.body.error)).toMatch(/calling is disabled/);
    // The business cannot call either: Meta's 138000 (HTTP 401), which is not an authentication failure.
    sim.simulator.customerRepliesToCallPermission(CUSTOMER, { accept: true, phoneNumberId: PHONE });
    const disabled = await client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer }).catch((e: unknown) => e);
    expect(disabled).toBeInstanceOf(CallingNotEnabledError);
    expect(disabled).toMatchObject({ code: 138000, httpStatus: 401, retryable: false });
    expect(disabled).not.toBeInstanceOf(AuthError);
  });

  it('grants a temporary permission when a customer calls with the callback permission on, and says so in a webhook', async () => {
    await client.updateSettings(PHONE, { calling: { status: 'ENABLED', callback_permission_status: 'ENABLED' } });
    await control(`/customers/${CUSTOMER}/calls`, { phone_number_id: PHONE });
    const grant = await until('the callback grant webhook', () =>
      receiver.events().find((e): e is InboundMessageEvent => e.kind === 'message' && e.interactive?.type === 'call_permission_reply'),
    );
    expect(grant.interactive).toMatchObject({ response: 'accept', isPermanent: false, responseSource: 'automatic' });
    expect(grant.context).toBeUndefined();
    expect((await client.getCallPermissions(PHONE, CUSTOMER)).permission.status).toBe('temporary');
  });

  it('revokes the permission after 4 unanswered calls with an automatic reject webhook', async () => {
    sim.simulator.customerRepliesToCallPermission(CUSTOMER, { accept: true, phoneNumberId: PHONE });
    for (let i = 0; i < 4; i++) {
      await client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer });
      await control('/clock', { advanceMs: 31_000 });
    }
    const revocation = await until('the revocation webhook', () =>
      receiver.events().find((e): e is InboundMessageEvent => e.kind === 'message' && e.interactive?.type === 'call_permission_reply' && e.interactive.response === 'reject'),
    );
    expect(revocation.interactive).toMatchObject({ responseSource: 'automatic' });
    expect(revocation.context).toBeUndefined();
    expect((await client.getCallPermissions(PHONE, CUSTOMER)).permission.status).toBe('no_permission');
    await expect(client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer })).rejects.toBeInstanceOf(NoCallPermissionError);
  });

  it('an unanswered call rings out as FAILED when the clock passes the ring timeout', async () => {
    sim.simulator.customerRepliesToCallPermission(CUSTOMER, { accept: true, phoneNumberId: PHONE });
    const { calls } = (await client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer })) as CallConnectResponse;
    await control('/clock', { advanceMs: 31_000 });
    const terminate = await until('terminate', () => receiver.events().find((e): e is CallEvent => e.kind === 'call' && e.event === 'terminate'));
    expect(terminate).toMatchObject({ callId: calls![0].id, status: 'FAILED' });
  });
});

describe('WhatsApp simulator: control API', () => {
  it('reports health and answers 4xx with a reason for bad control requests', async () => {
    const health = await (await fetch(`${sim.url}/_sim/health`)).json();
    expect(health).toMatchObject({ ok: true, webhookUrl: receiver.url });
    expect((await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE })).status).toBe(400);
    expect((await control('/calls/wacid.nope/accept')).status).toBe(404);
    expect((await control('/faults', {})).status).toBe(400);
    expect((await control('/pair-rate', { enabled: 'yes' })).status).toBe(400);
    expect((await control(`/customers/abc/messages`, { text: 'x' })).status).toBe(400);
  });

  it('answers unknown Graph edges and malformed node ids in Meta error shape', async () => {
    const res = await fetch(`${sim.url}/v23.0/${PHONE}/subscribed_apps`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(100);
    const err = await client.listMessageTemplates('not-a-waba').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err).not.toBeInstanceOf(AuthError);
  });
});
