import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { ChannelAccountsRepository } from '../src/channels/accounts/channel-accounts.repository';
import { ChannelSecrets } from '../src/channels/accounts/channel-secrets';
import { AppDevicesRepository } from '../src/channels/app/app-devices.repository';
import { AppDevicesService } from '../src/channels/app/app-devices.service';
import { loadAppPushConfig, type AppPushConfig } from '../src/channels/app/app-push.config';
import { AppReceiptsController } from '../src/channels/app/app-push.controller';
import { AppPushDriver, type AppPushBody } from '../src/channels/app/app-push.driver';
import { AppReceiptsHandler } from '../src/channels/app/app-receipts.handler';
import { pushSignature, verifyPushSignature } from '../src/channels/app/push-signature';
import { Conversations } from '../src/channels/conversations';
import { ChannelSendError, type ChannelAccountRow, type MessageContent, type OpenChannelAccount } from '../src/channels/driver';
import { createLogger } from '../src/common/logger';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ContactErasers } from '../src/contacts/erasure/contact-eraser';
import { ContactErasureRepository } from '../src/contacts/erasure/contact-erasure.repository';
import { createPool } from '../src/db/database';
import { MessagesRepository } from '../src/messages/messages.repository';
import { MetricsService } from '../src/metrics/metrics.service';
import { startFcmSimulator, type RunningFcmSimulator } from '../src/simulators/fcm/server';
import { InboundDeliveriesService } from '../src/webhooks/inbound-deliveries.service';
import { WebhooksRepository } from '../src/webhooks/webhooks.repository';
import { temporalClient, testConfig } from './support/stack';

/**
 * App push against the FCM simulator and a real Postgres: devices, the driver (FCM and signed
 * webhook), pruning of UNREGISTERED tokens, and receipts through the one inbound pipeline.
 */

const keyFile = fs.readFileSync(path.resolve(__dirname, 'fixtures/fcm/mock.key.json'), 'utf8');
const SIGNING_SECRET = 'farmacia-app-signing-secret-123';

const config = testConfig();
let pool: Pool;
let temporal: Client;
let fcm: RunningFcmSimulator;
let pushConfig: AppPushConfig;
let devices: AppDevicesRepository;
let contacts: ContactsRepository;
let messages: MessagesRepository;
let service: AppDevicesService;
let driver: AppPushDriver;
let deliveries: InboundDeliveriesService;
let secrets: ChannelSecrets;
let accountId: string;

beforeAll(async () => {
  pool = createPool(config.databaseUrl, 4);
  temporal = await temporalClient(config);
  fcm = await startFcmSimulator({ serviceAccounts: [JSON.parse(keyFile)] });
  pushConfig = loadAppPushConfig({ FCM_API_URL: fcm.url, FCM_TOKEN_URL: `${fcm.url}/token`, APP_PUSH_HTTP_TIMEOUT: '3s' });
  devices = new AppDevicesRepository(pool);
  contacts = new ContactsRepository(pool);
  messages = new MessagesRepository(pool);
  service = new AppDevicesService(devices, contacts, new ContactErasers(new ContactErasureRepository(pool)));
  driver = new AppPushDriver(pushConfig, devices);
  deliveries = new InboundDeliveriesService(pool, createLogger('error', 'test'), new WebhooksRepository(pool), new MetricsService());
  new AppReceiptsHandler(deliveries, devices, new Conversations(pool, temporal, contacts, messages)).onModuleInit();
  secrets = new ChannelSecrets(config.secrets);
  accountId = (await pool.query<{ id: string }>(`INSERT INTO accounts (name) VALUES ('Farmácia App Push') RETURNING id`)).rows[0].id;
});

afterAll(async () => {
  await fcm.close();
  await temporal.connection.close();
  await pool.end();
});

beforeEach(() => fcm.simulator.reset());

async function connectApp(settings: Record<string, unknown>, plain: Record<string, string>): Promise<{ row: ChannelAccountRow; open: OpenChannelAccount }> {
  driver.validateAccount(settings, plain);
  const id = randomUUID();
  const row = await new ChannelAccountsRepository(pool).insert({
    id,
    accountId,
    channel: 'app',
    name: 'Cashback',
    address: `farmacia-cashback-${id.slice(0, 8)}`,
    settings,
    sealedSecrets: secrets.seal(id, plain),
  });
  return { row: row!, open: secrets.open(row!) };
}

const connectFcmApp = () => connectApp({ mode: 'fcm' }, { service_account_json: keyFile, signing_secret: SIGNING_SECRET });

async function register(channelAccountId: string, appUserId: string, token: string, platform: 'android' | 'ios' = 'android') {
  return service.register(accountId, { channel_account_id: channelAccountId, app_user_id: appUserId, token, platform });
}

/** The send row as the core writes it before the provider call: rendered body first. */
async function outbound(app: ChannelAccountRow, contactId: string, appUserId: string, content: MessageContent = { subject: 'Cashback', text: 'R$ 12,30 de volta' }) {
  const id = randomUUID();
  const rendered = driver.render({ account: app, recipient: appUserId, messageId: id, content });
  await messages.insertOutbound({ id, accountId, contactId, channel: 'app', channelAccountId: app.id, type: rendered.type, body: rendered.body, content, idempotencyKey: null });
  return { id, body: rendered.body };
}

async function appInstalled(contactId: string): Promise<boolean> {
  return (await pool.query<{ app_installed: boolean }>('SELECT app_installed FROM contacts WHERE id = $1', [contactId])).rows[0].app_installed;
}

async function tokensOf(channelAccountId: string, appUserId: string): Promise<string[]> {
  return (await devices.listForUser(channelAccountId, appUserId)).map((d) => d.token);
}

async function sendError(p: Promise<unknown>): Promise<ChannelSendError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ChannelSendError);
  return err as ChannelSendError;
}

describe('app devices', () => {
  it('registers devices for an app user: the contact is found or created by its app identity and has the app installed', async () => {
    const { row: app } = await connectFcmApp();
    const first = await register(app.id, 'cliente-1', 'tok-1a');
    expect(first.created).toBe(true);
    const contact = await contacts.findById(accountId, first.device.contact_id);
    expect(contact).toMatchObject({ app_installed: true, identities: [{ kind: 'app', value: 'cliente-1' }] });
    const second = await register(app.id, 'cliente-1', 'tok-1b', 'ios');
    expect(second).toMatchObject({ created: true, device: { contact_id: first.device.contact_id, platform: 'ios' } });
    const again = await register(app.id, 'cliente-1', 'tok-1a');
    expect(again.created).toBe(false);
    expect(await tokensOf(app.id, 'cliente-1')).toEqual(['tok-1a', 'tok-1b']);
  });

  it('moves a token to the user now logged in, and the previous user without devices no longer has the app', async () => {
    const { row: app } = await connectFcmApp();
    const before = await register(app.id, 'cliente-2', 'shared-phone');
    const after = await register(app.id, 'cliente-3', 'shared-phone');
    expect(after).toMatchObject({ created: false, device: { app_user_id: 'cliente-3' } });
    expect(await appInstalled(before.device.contact_id)).toBe(false);
    expect(await appInstalled(after.device.contact_id)).toBe(true);
  });

  it('refuses an unknown app and a bad app user id, naming the field', async () => {
    await expect(register(randomUUID(), 'cliente-4', 'tok')).rejects.toMatchObject({ status: 404 });
    const { row: app } = await connectFcmApp();
    await expect(register(app.id, 'with\u0007bell', 'tok')).rejects.toMatchObject({ status: 422, field: 'app_user_id' });
  });

  it('removes a device by token; the last one takes the app_installed flag with it', async () => {
    const { row: app } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-5', 'tok-5');
    await service.remove(accountId, 'tok-5', null);
    expect(await appInstalled(device.contact_id)).toBe(false);
    await expect(service.remove(accountId, 'tok-5', null)).rejects.toMatchObject({ status: 404 });
  });
});

describe('app push over FCM (simulator)', () => {
  it('sends one FCM message per device with an OAuth2 token from the signed JWT, reused across sends', async () => {
    const { row: app, open } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-10', 'tok-10a');
    await register(app.id, 'cliente-10', 'tok-10b', 'ios');
    const m = await outbound(app, device.contact_id, 'cliente-10', { subject: 'Cashback', text: 'R$ 12,30 de volta', buttons: [{ id: 'see', title: 'Ver' }] });
    expect(await driver.send(open, m)).toEqual({ providerMessageId: m.id });
    const sent = fcm.simulator.messages();
    expect(sent.map((s) => s.token).sort()).toEqual(['tok-10a', 'tok-10b']);
    for (const s of sent) {
      expect(s.projectId).toBe('project_id');
      expect(s.message).toMatchObject({
        notification: { title: 'Cashback', body: 'R$ 12,30 de volta' },
        data: { recado_message_id: m.id, recado_buttons: '[{"id":"see","title":"Ver"}]' },
      });
    }
    const exchanges = fcm.simulator.stats.tokenExchanges;
    expect(exchanges).toBe(1);
    await driver.send(open, await outbound(app, device.contact_id, 'cliente-10'));
    expect(fcm.simulator.stats.tokenExchanges).toBe(exchanges);
    expect(fcm.simulator.messages()).toHaveLength(4);
  });

  it('prunes a token FCM answers UNREGISTERED; with none left the send fails UNREGISTERED (not retryable) and the app is uninstalled', async () => {
    const { row: app, open } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-11', 'tok-11a');
    await register(app.id, 'cliente-11', 'tok-11b');
    fcm.simulator.unregister('tok-11a');
    const m = await outbound(app, device.contact_id, 'cliente-11');
    expect(await driver.send(open, m)).toEqual({ providerMessageId: m.id });
    expect(await tokensOf(app.id, 'cliente-11')).toEqual(['tok-11b']);
    expect(await appInstalled(device.contact_id)).toBe(true);

    fcm.simulator.unregister('tok-11b');
    const err = await sendError(driver.send(open, await outbound(app, device.contact_id, 'cliente-11')));
    expect(err).toMatchObject({ retryable: false, code: 'UNREGISTERED' });
    expect(await tokensOf(app.id, 'cliente-11')).toEqual([]);
    expect(await appInstalled(device.contact_id)).toBe(false);
    expect(await sendError(driver.send(open, await outbound(app, device.contact_id, 'cliente-11')))).toMatchObject({ retryable: false, code: 'NO_DEVICES' });
  });

  it('classifies FCM errors: UNAVAILABLE, INTERNAL and QUOTA_EXCEEDED (with Retry-After) retryable; the others not', async () => {
    const { row: app, open } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-12', 'tok-12');
    const attempt = async () => sendError(driver.send(open, await outbound(app, device.contact_id, 'cliente-12')));
    fcm.simulator.addFault({ errorCode: 'QUOTA_EXCEEDED', retryAfterSeconds: 7 });
    expect(await attempt()).toMatchObject({ retryable: true, code: 'QUOTA_EXCEEDED', retryAfterMs: 7000 });
    fcm.simulator.addFault({ errorCode: 'UNAVAILABLE' });
    expect(await attempt()).toMatchObject({ retryable: true, code: 'UNAVAILABLE' });
    fcm.simulator.addFault({ errorCode: 'INTERNAL' });
    expect(await attempt()).toMatchObject({ retryable: true, code: 'INTERNAL' });
    for (const code of ['INVALID_ARGUMENT', 'SENDER_ID_MISMATCH', 'THIRD_PARTY_AUTH_ERROR'] as const) {
      fcm.simulator.addFault({ errorCode: code });
      expect(await attempt()).toMatchObject({ retryable: false, code });
    }
    expect(fcm.simulator.messages()).toHaveLength(0);
    expect(await tokensOf(app.id, 'cliente-12')).toEqual(['tok-12']);
  });

  it('exchanges a new access token once when FCM refuses the cached one', async () => {
    const { row: app, open } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-13', 'tok-13');
    await driver.send(open, await outbound(app, device.contact_id, 'cliente-13'));
    fcm.simulator.revokeAccessTokens();
    const exchanges = fcm.simulator.stats.tokenExchanges;
    await driver.send(open, await outbound(app, device.contact_id, 'cliente-13'));
    expect(fcm.simulator.stats.tokenExchanges).toBe(exchanges + 1);
    expect(fcm.simulator.messages({ token: 'tok-13' })).toHaveLength(2);
  });

  it('says a refused connection is retryable (nothing was sent) and a wrong key is not', async () => {
    const { row: app, open } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-14', 'tok-14');
    const closed = await startFcmSimulator();
    await closed.close();
    const offline = new AppPushDriver(loadAppPushConfig({ FCM_API_URL: closed.url, FCM_TOKEN_URL: `${fcm.url}/token` }), devices);
    expect(await sendError(offline.send(open, await outbound(app, device.contact_id, 'cliente-14')))).toMatchObject({ retryable: true, code: 'CONNECTION_FAILED' });
    // An FCM that does not know this service account: the token exchange is refused for good.
    const untrusted = await startFcmSimulator();
    try {
      const elsewhere = new AppPushDriver(loadAppPushConfig({ FCM_API_URL: untrusted.url, FCM_TOKEN_URL: `${untrusted.url}/token` }), devices);
      expect(await sendError(elsewhere.send(open, await outbound(app, device.contact_id, 'cliente-14')))).toMatchObject({ retryable: false, code: 'invalid_grant' });
    } finally {
      await untrusted.close();
    }
    expect(fcm.simulator.messages()).toHaveLength(0);
  });
});

describe('app push over the signed webhook', () => {
  let server: Server;
  let url: string;
  const received: Array<{ body: Record<string, unknown>; signatureOk: boolean }> = [];
  const answers: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const check = verifyPushSignature(req.headers['x-recado-signature'] as string | undefined, raw, SIGNING_SECRET, { toleranceSeconds: 300 });
        received.push({ body: JSON.parse(raw) as Record<string, unknown>, signatureOk: check.ok });
        res.statusCode = answers.shift() ?? 202;
        if (res.statusCode === 503) res.setHeader('retry-after', '3');
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/recado/push`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    answers.length = 0;
  });

  it('POSTs the documented push, signed, to each device; a 410 prunes that device; 5xx is retryable with Retry-After', async () => {
    const { row: app, open } = await connectApp({ mode: 'webhook', url }, { signing_secret: SIGNING_SECRET });
    const { device } = await register(app.id, 'cliente-20', 'own-1');
    await register(app.id, 'cliente-20', 'own-2');
    const m = await outbound(app, device.contact_id, 'cliente-20', { subject: 'Oi', text: 'Seu pedido saiu', media: { kind: 'image', url: 'https://cdn.example.com/p.png' } });
    expect((m.body as unknown as AppPushBody).mode).toBe('webhook');
    expect(await driver.send(open, m)).toEqual({ providerMessageId: m.id });
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.signatureOk).toBe(true);
      expect(Object.keys(r.body)).toEqual(['id', 'app_user_id', 'device_token', 'title', 'body', 'image', 'data', 'buttons', 'sent_at']);
      expect(r.body).toMatchObject({ id: m.id, app_user_id: 'cliente-20', title: 'Oi', body: 'Seu pedido saiu', image: 'https://cdn.example.com/p.png', buttons: [] });
    }
    expect(received.map((r) => r.body.device_token).sort()).toEqual(['own-1', 'own-2']);

    received.length = 0;
    answers.push(410, 202);
    await driver.send(open, await outbound(app, device.contact_id, 'cliente-20'));
    expect((await tokensOf(app.id, 'cliente-20')).length).toBe(1);

    answers.push(503);
    const err = await sendError(driver.send(open, await outbound(app, device.contact_id, 'cliente-20')));
    expect(err).toMatchObject({ retryable: true, code: 'HTTP_503', retryAfterMs: 3000 });
  });

  it('without registered devices, POSTs once without device_token: the app finds its user\'s devices', async () => {
    const { row: app, open } = await connectApp({ mode: 'webhook', url }, { signing_secret: SIGNING_SECRET });
    const contact = await contacts.findOrCreateByIdentity(accountId, { kind: 'app', value: 'cliente-21' }, null);
    await driver.send(open, await outbound(app, contact.id, 'cliente-21'));
    expect(received).toHaveLength(1);
    expect(received[0].body).not.toHaveProperty('device_token');
  });
});

describe('app receipts through the one inbound pipeline', () => {
  async function sentPush() {
    const { row: app, open } = await connectFcmApp();
    const user = `cliente-${randomUUID().slice(0, 8)}`;
    const { device } = await register(app.id, user, `tok-${user}`);
    const m = await outbound(app, device.contact_id, user);
    const { providerMessageId } = await driver.send(open, m);
    await messages.markAccepted(m.id, providerMessageId);
    return { app, contactId: device.contact_id, user, messageId: m.id };
  }

  const state = async (id: string) =>
    (await pool.query<{ state: string; delivered_at: Date | null; read_at: Date | null }>('SELECT state, delivered_at, read_at FROM messages WHERE id = $1', [id])).rows[0];
  const lastDelivery = async () =>
    (await pool.query<{ status: string; warnings: string[]; error: string | null }>(`SELECT status, warnings, error FROM inbound_webhooks WHERE provider = 'app' ORDER BY id DESC LIMIT 1`)).rows[0];

  it('moves the message to delivered, then read on "opened"; `at` as unix seconds or ISO; a redelivery changes nothing', async () => {
    const { app, messageId } = await sentPush();
    await deliveries.receive('app', JSON.stringify({ receipts: [{ message_id: messageId, event: 'delivered', at: 1732161800 }] }), app.id);
    expect(await state(messageId)).toMatchObject({ state: 'delivered', delivered_at: new Date(1732161800_000) });
    expect(await lastDelivery()).toMatchObject({ status: 'processed', warnings: [] });
    await deliveries.receive('app', JSON.stringify({ receipts: [{ message_id: messageId, event: 'opened', at: '2024-11-21T03:43:30Z' }] }), app.id);
    expect(await state(messageId)).toMatchObject({ state: 'read', read_at: new Date('2024-11-21T03:43:30Z') });
    // A late or repeated "delivered" never moves it back.
    await deliveries.receive('app', JSON.stringify({ receipts: [{ message_id: messageId, event: 'delivered', at: 1732161900 }] }), app.id);
    expect(await state(messageId)).toMatchObject({ state: 'read', delivered_at: new Date(1732161800_000) });
  });

  it('is liberal in: unknown events counted and ignored, variants read with warnings, a bad item rejected alone', async () => {
    const { app, messageId } = await sentPush();
    await deliveries.receive(
      'app',
      JSON.stringify({
        receipts: [
          { message_id: messageId, event: 'dismissed', at: 1732161800 },
          { messageId, event: 'OPENED', at: '1732161900000', device: 'pixel' },
          { message_id: 'not-a-uuid', event: 'delivered', at: 1 },
        ],
        app_version: '3.2.1',
      }),
      app.id,
    );
    expect(await state(messageId)).toMatchObject({ state: 'read', read_at: new Date(1732161900_000) });
    const delivery = await lastDelivery();
    expect(delivery.status).toBe('processed');
    expect(delivery.warnings).toEqual(
      expect.arrayContaining([
        'app_version: unknown field, ignored',
        expect.stringContaining('receipts[0].event: "dismissed" is not an event recado acts on'),
        'receipts[1].messageId: read as message_id',
        expect.stringContaining('receipts[1].at: read as unix milliseconds'),
        'receipts[1].device: unknown field, ignored',
        expect.stringContaining('receipts[2].message_id: not understood'),
      ]),
    );
    await deliveries.receive('app', '{"receipts": "nope"', app.id);
    expect(await lastDelivery()).toMatchObject({ status: 'invalid', error: expect.stringContaining('not JSON') });
  });

  it("never moves another app's message, and records a receipt that overtook the send's bookkeeping", async () => {
    const mine = await sentPush();
    const other = await sentPush();
    await deliveries.receive('app', JSON.stringify({ receipts: [{ message_id: other.messageId, event: 'opened', at: 1732161800 }] }), mine.app.id);
    expect((await state(other.messageId)).state).toBe('accepted');

    // The device got it before the worker saved FCM's answer.
    const { row: app, open } = await connectFcmApp();
    const { device } = await register(app.id, 'cliente-30', 'tok-30');
    const m = await outbound(app, device.contact_id, 'cliente-30');
    await driver.send(open, m);
    await deliveries.receive('app', JSON.stringify({ receipts: [{ message_id: m.id, event: 'delivered', at: 1732161800 }] }), app.id);
    expect(await state(m.id)).toMatchObject({ state: 'delivered' });
    const row = (await pool.query<{ provider_message_id: string }>('SELECT provider_message_id FROM messages WHERE id = $1', [m.id])).rows[0];
    expect(row.provider_message_id).toBe(m.id);
  });

  it("records a customer's reply from the app in the contact's thread, once", async () => {
    const { app, contactId, user, messageId } = await sentPush();
    const body = JSON.stringify({ receipts: [], replies: [{ id: 'r-1', app_user_id: user, button_id: 'see', text: 'Ver saldo', in_reply_to: messageId, at: 1732162000 }] });
    await deliveries.receive('app', body, app.id);
    await deliveries.receive('app', body, app.id);
    const { rows } = await pool.query<{ type: string; body: Record<string, unknown>; provider_message_id: string }>(
      `SELECT type, body, provider_message_id FROM messages WHERE contact_id = $1 AND direction = 'inbound'`,
      [contactId],
    );
    expect(rows).toEqual([{ type: 'button', body: { text: 'Ver saldo', button_id: 'see', in_reply_to: messageId }, provider_message_id: `${app.id}:r-1` }]);
  });

  it('the receipts endpoint refuses a missing or wrong signature with 401 and stores nothing', async () => {
    const { app, messageId } = await sentPush();
    const controller = new AppReceiptsController(config, pushConfig, devices, deliveries, new MetricsService());
    const raw = JSON.stringify({ receipts: [{ message_id: messageId, event: 'opened', at: 1732161800 }] });
    const count = async () => Number((await pool.query(`SELECT count(*) FROM inbound_webhooks WHERE provider = 'app'`)).rows[0].count);
    const before = await count();
    const request = (signature?: string) => ({ rawBody: Buffer.from(raw), headers: signature ? { 'x-recado-signature': signature } : {} }) as never;
    await expect(controller.receipts(app.id, request())).rejects.toMatchObject({ status: 401 });
    await expect(controller.receipts(app.id, request(pushSignature('not-the-app-secret-at-all', raw)))).rejects.toMatchObject({ status: 401 });
    await expect(controller.receipts(randomUUID(), request(pushSignature(SIGNING_SECRET, raw)))).rejects.toMatchObject({ status: 404 });
    expect(await count()).toBe(before);
    expect((await state(messageId)).state).toBe('accepted');
    await expect(controller.receipts(app.id, request(pushSignature(SIGNING_SECRET, raw)))).resolves.toEqual({ received: true });
    expect(await count()).toBe(before + 1);
    expect((await state(messageId)).state).toBe('read');
  });
});
