import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { InvalidFieldError } from '../../common/errors';
import { checkMessage } from './fcm-message';
import type { ChannelAccountRow, MessageContent } from '../driver';
import { loadAppPushConfig } from './app-push.config';
import { AppDevicesRepository } from './app-devices.repository';
import { AppPushDriver, type AppPushBody } from './app-push.driver';

const keyFile = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/fcm/mock.key.json'), 'utf8');
const MESSAGE_ID = '0b6a4f3e-8d1c-4c51-9a2b-5f0e6d7c8b9a';
// render() and validateAccount() never touch the device table.
const driver = new AppPushDriver(loadAppPushConfig({}), new AppDevicesRepository(null as unknown as Pool));

function account(settings: Record<string, unknown> = { mode: 'fcm' }): ChannelAccountRow {
  return {
    id: 'b1d6f1a0-0000-4000-8000-000000000001',
    account_id: 'a1d6f1a0-0000-4000-8000-000000000001',
    channel: 'app',
    name: 'Cashback Farmácia',
    address: 'farmacia-cashback:app',
    settings,
    secrets: null,
    created_at: new Date(),
  };
}

function render(content: Partial<MessageContent>, settings?: Record<string, unknown>) {
  return driver.render({ account: account(settings), recipient: 'user-42', messageId: MESSAGE_ID, content: { text: 'Seu cashback de R$ 12,30 chegou', ...content } });
}

function fieldOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidFieldError) return err.field;
    throw err;
  }
  return null;
}

describe('app push render (strict out)', () => {
  it('renders one FCM Message template (no token yet) that the published schema accepts', () => {
    const rendered = render({ subject: 'Cashback', buttons: [{ id: 'see', title: 'Ver saldo' }], media: { kind: 'image', url: 'https://cdn.example.com/c.png' } });
    const body = rendered.body as unknown as AppPushBody;
    expect(rendered.type).toBe('push');
    expect(body).toEqual({
      mode: 'fcm',
      app_user_id: 'user-42',
      message: {
        notification: { title: 'Cashback', body: 'Seu cashback de R$ 12,30 chegou', image: 'https://cdn.example.com/c.png' },
        data: { recado_message_id: MESSAGE_ID, recado_buttons: '[{"id":"see","title":"Ver saldo"}]' },
        apns: { payload: { aps: { 'mutable-content': 1 } } },
        webpush: { notification: { actions: [{ action: 'see', title: 'Ver saldo' }] } },
      },
    });
    expect(checkMessage({ ...body.message, token: 'device-token' })).toBeNull();
    for (const value of Object.values(body.message!.data as Record<string, unknown>)) expect(typeof value).toBe('string');
  });

  it('uses the account default title, then its name, when there is no subject', () => {
    expect((render({}).body as unknown as AppPushBody).message).toMatchObject({ notification: { title: 'Cashback Farmácia' } });
    expect((render({}, { mode: 'fcm', default_title: 'Farmácia' }).body as unknown as AppPushBody).message).toMatchObject({ notification: { title: 'Farmácia' } });
  });

  it('renders the documented webhook push in webhook mode', () => {
    const body = render({ subject: 'Oi', buttons: [{ id: 'y', title: 'Sim' }] }, { mode: 'webhook', url: 'https://app.example.com/push' }).body as unknown as AppPushBody;
    expect(body).toEqual({
      mode: 'webhook',
      app_user_id: 'user-42',
      push: {
        id: MESSAGE_ID,
        app_user_id: 'user-42',
        title: 'Oi',
        body: 'Seu cashback de R$ 12,30 chegou',
        image: null,
        data: { recado_message_id: MESSAGE_ID, recado_buttons: '[{"id":"y","title":"Sim"}]' },
        buttons: [{ id: 'y', title: 'Sim' }],
      },
    });
  });

  it('refuses what a push cannot carry, naming the field', () => {
    expect(fieldOf(() => render({ text: '' }))).toBe('content.text');
    expect(fieldOf(() => render({ text: 'x'.repeat(1001) }))).toBe('content.text');
    expect(fieldOf(() => render({ subject: 't'.repeat(101) }))).toBe('content.subject');
    expect(fieldOf(() => render({ subject: '   ' }))).toBe('content.subject');
    expect(fieldOf(() => render({ buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` })) }))).toBe('content.buttons');
    expect(fieldOf(() => render({ buttons: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] }))).toBe('content.buttons[1].id');
    expect(fieldOf(() => render({ buttons: [{ id: 'a', title: 'x'.repeat(41) }] }))).toBe('content.buttons[0].title');
    expect(fieldOf(() => render({ media: { kind: 'document', url: 'https://x/y.pdf' } }))).toBe('content.media.kind');
    expect(fieldOf(() => render({ media: { kind: 'image', url: 'http://x/y.png' } }))).toBe('content.media.url');
    expect(fieldOf(() => render({}, { mode: 'sms' }))).toBe('settings.mode');
    expect(fieldOf(() => driver.render({ account: account(), recipient: 'has space', messageId: MESSAGE_ID, content: { text: 'x' } }))).toBe('recipient');
  });

  it('refuses a push over FCM\'s 4096-byte payload even within the character limits', () => {
    const wide = '😀'.repeat(1000); // 1000 characters, 4 bytes each
    expect(fieldOf(() => render({ text: wide, subject: 'Cashback de novembro', buttons: [{ id: 'see', title: 'Ver saldo' }, { id: 'later', title: 'Depois' }] }))).toBe('content');
    expect(fieldOf(() => render({ text: '😀'.repeat(990), subject: 'Cashback' }))).toBeNull();
  });
});

describe('app push validateAccount', () => {
  it('checks the service account key file in fcm mode, naming the bad field', () => {
    expect(fieldOf(() => driver.validateAccount({ mode: 'fcm' }, { service_account_json: keyFile }))).toBeNull();
    expect(fieldOf(() => driver.validateAccount({ mode: 'fcm' }, {}))).toBe('secrets.service_account_json');
    const noEmail = JSON.stringify({ ...JSON.parse(keyFile), client_email: '' });
    expect(fieldOf(() => driver.validateAccount({ mode: 'fcm' }, { service_account_json: noEmail }))).toBe('secrets.service_account_json.client_email');
    expect(fieldOf(() => driver.validateAccount({ mode: 'fcm' }, { service_account_json: keyFile, signing_secret: 'short' }))).toBe('secrets.signing_secret');
    expect(fieldOf(() => driver.validateAccount({}, {}))).toBe('settings.mode');
  });

  it('needs an https URL (http only on loopback) and a signing secret in webhook mode', () => {
    const secret = { signing_secret: 'a-long-enough-signing-secret' };
    expect(fieldOf(() => driver.validateAccount({ mode: 'webhook', url: 'https://app.example.com/push' }, secret))).toBeNull();
    expect(fieldOf(() => driver.validateAccount({ mode: 'webhook', url: 'http://127.0.0.1:8080/push' }, secret))).toBeNull();
    expect(fieldOf(() => driver.validateAccount({ mode: 'webhook', url: 'http://app.example.com/push' }, secret))).toBe('settings.url');
    expect(fieldOf(() => driver.validateAccount({ mode: 'webhook' }, secret))).toBe('settings.url');
    expect(fieldOf(() => driver.validateAccount({ mode: 'webhook', url: 'https://app.example.com/push' }, {}))).toBe('secrets.signing_secret');
  });

  it('declares its unknown-outcome policy per mode: FCM has no idempotency key, the webhook app de-duplicates by id', () => {
    expect(driver.unknownOutcome).toBe('never-resend');
    expect(driver.unknownOutcomeFor({ settings: { mode: 'fcm' } })).toBe('never-resend');
    expect(driver.unknownOutcomeFor({ settings: { mode: 'webhook' } })).toBe('idempotent');
  });
});
