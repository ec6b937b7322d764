import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pushSignature } from '../src/channels/app/push-signature';
import { startFcmSimulator, type RunningFcmSimulator } from '../src/simulators/fcm/server';
import type { Client } from '@temporalio/client';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import { apiClient, eventually, spawnWorker, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

/**
 * App push end to end on the local stack: an app connected through the API, two devices
 * registered by the business's backend, a message sent with POST /v1/messages through the worker
 * to the FCM simulator, an uninstalled device pruned, signed receipts moving the message, and a
 * worker killed while FCM holds its answer (the push goes out once).
 */

const keyFile = fs.readFileSync(path.resolve(__dirname, 'fixtures/fcm/mock.key.json'), 'utf8');
const SIGNING_SECRET = 'farmacia-cashback-signing-secret';

describe('app push through the API and the worker', () => {
  let fcm: RunningFcmSimulator;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let worker: Awaited<ReturnType<typeof startWorker>> | null = null;
  let temporal: Client;

  beforeAll(async () => {
    fcm = await startFcmSimulator({ serviceAccounts: [JSON.parse(keyFile)] });
    // The driver reads its configuration from the environment (loadAppPushConfig), in the API and the workers alike.
    process.env.FCM_API_URL = fcm.url;
    process.env.FCM_TOKEN_URL = `${fcm.url}/token`;
    config = testConfig();
    api = await startApi(config);
    temporal = await temporalClient(config);
  });
  afterAll(async () => {
    await worker?.stop();
    await api.close();
    // The API and the worker start background workflows (index drain, recording retention) on this file's task queues: end them.
    const query = `TaskQueue STARTS_WITH '${config.temporal.taskQueue}' AND ExecutionStatus = 'Running'`;
    for await (const wf of temporal.workflow.list({ query })) {
      await temporal.workflow.getHandle(wf.workflowId, wf.runId).terminate('app-push e2e test finished');
    }
    await temporal.connection.close();
    await fcm.close();
    delete process.env.FCM_API_URL;
    delete process.env.FCM_TOKEN_URL;
  });

  async function tenantWithApp(address: string) {
    const operator = apiClient(api.url, config.adminToken);
    const created = await operator('POST', '/v1/admin/accounts', { name: 'Farmácia Cashback' });
    expect(created.status).toBe(201);
    const call = apiClient(api.url, created.body.api_key.key as string);
    const app = await call('POST', '/v1/channel-accounts', {
      channel: 'app',
      name: 'Cashback',
      address,
      settings: { mode: 'fcm' },
      secrets: { service_account_json: keyFile, signing_secret: SIGNING_SECRET },
    });
    expect(app.status).toBe(201);
    expect(app.body).toMatchObject({ channel: 'app', settings: { mode: 'fcm' }, secret_names: ['service_account_json', 'signing_secret'] });
    return { call, appId: app.body.id as string };
  }

  const messageOf = (call: ReturnType<typeof apiClient>, id: string) => call('GET', `/v1/messages/${id}`).then((r) => r.body);

  function postReceipts(appId: string, body: unknown, secret = SIGNING_SECRET) {
    const raw = JSON.stringify(body);
    return apiClient(api.url)('POST', `/v1/hooks/app/${appId}/receipts`, raw, { 'x-recado-signature': pushSignature(secret, raw) });
  }

  it('connects an app, reaches both devices, prunes an uninstalled one, and moves the message with signed receipts', async () => {
    worker = await startWorker(config);
    const { call, appId } = await tenantWithApp('project_id:cashback-e2e');
    expect((await call('POST', '/v1/channel-accounts', { channel: 'app', name: 'Bad', address: 'bad-app', settings: { mode: 'fcm' }, secrets: {} })).body).toMatchObject({
      statusCode: 422,
      message: expect.stringContaining('secrets.service_account_json'),
    });

    const first = await call('PUT', '/v1/app-devices', { channel_account_id: appId, app_user_id: 'cliente-77', token: 'phone-token', platform: 'android' });
    expect(first.status).toBe(201);
    expect((await call('PUT', '/v1/app-devices', { channel_account_id: appId, app_user_id: 'cliente-77', token: 'tablet-token', platform: 'ios' })).status).toBe(201);
    expect((await call('PUT', '/v1/app-devices', { channel_account_id: appId, app_user_id: 'cliente-77', token: 'phone-token', platform: 'android' })).status).toBe(200);
    expect((await call('PUT', '/v1/app-devices', { channel_account_id: appId, app_user_id: 'cliente 77', token: 'x', platform: 'android' })).body).toMatchObject({
      statusCode: 400,
      message: expect.arrayContaining(['app_user_id must not contain spaces']),
    });
    const contactId = first.body.contact_id as string;
    expect((await call('GET', `/v1/contacts/${contactId}`)).body).toMatchObject({ reachability: { app: true } });

    const sent = await call('POST', '/v1/messages', { channel_account_id: appId, contact_id: contactId, content: { subject: 'Cashback', text: 'Você ganhou R$ 12,30 de cashback' } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ channel: 'app', channel_account_id: appId, type: 'push' });
    expect(await temporal.workflow.getHandle(sendMessageWorkflowId(sent.body.id)).result()).toEqual({ state: 'accepted', providerMessageId: sent.body.id });
    const accepted = await messageOf(call, sent.body.id);
    expect(accepted.provider_message_id).toBe(sent.body.id);
    expect(fcm.simulator.messages().map((m) => m.token).sort()).toEqual(['phone-token', 'tablet-token']);
    expect(fcm.simulator.messages({ token: 'phone-token' })[0].message).toMatchObject({
      notification: { title: 'Cashback', body: 'Você ganhou R$ 12,30 de cashback' },
      data: { recado_message_id: sent.body.id },
    });

    // The tablet uninstalled the app: FCM says UNREGISTERED and the token goes.
    fcm.simulator.unregister('tablet-token');
    const second = await call('POST', '/v1/messages', { channel_account_id: appId, contact_id: contactId, content: { text: 'Oferta de hoje' } });
    expect(await temporal.workflow.getHandle(sendMessageWorkflowId(second.body.id)).result()).toMatchObject({ state: 'accepted' });
    expect(fcm.simulator.messages({ token: 'tablet-token' })).toHaveLength(1);
    expect(fcm.simulator.messages({ token: 'phone-token' })).toHaveLength(2);
    expect((await call('DELETE', '/v1/app-devices/tablet-token')).status).toBe(404);

    // The app reports: a wrong signature is refused and changes nothing; the right one moves the message.
    const receipt = { receipts: [{ message_id: sent.body.id, event: 'delivered', at: Math.floor(Date.now() / 1000) }] };
    expect((await postReceipts(appId, receipt, 'someone-elses-secret-0000')).status).toBe(401);
    const unsigned = await apiClient(api.url)('POST', `/v1/hooks/app/${appId}/receipts`, receipt);
    expect(unsigned.status).toBe(401);
    expect((await messageOf(call, sent.body.id)).state).toBe('accepted');
    const webhooks = (await call('GET', '/v1/webhooks')).body as Array<{ provider: string }>;
    expect(webhooks.filter((w) => w.provider === 'app')).toHaveLength(0);

    expect((await postReceipts(appId, receipt)).status).toBe(200);
    expect(await messageOf(call, sent.body.id)).toMatchObject({ state: 'delivered' });
    expect((await postReceipts(appId, { receipts: [{ message_id: sent.body.id, event: 'opened', at: new Date().toISOString() }] })).status).toBe(200);
    expect(await messageOf(call, sent.body.id)).toMatchObject({ state: 'read' });

    // The last device goes: the contact no longer has the app.
    expect((await call('DELETE', '/v1/app-devices/phone-token')).status).toBe(204);
    expect((await call('GET', `/v1/contacts/${contactId}`)).body).toMatchObject({ reachability: { app: false } });
    await worker.stop();
    worker = null;
  });

  it('a worker killed while FCM holds its answer: the push goes out once, and is not sent again', async () => {
    const { call, appId } = await tenantWithApp('project_id:cashback-kill');
    const device = await call('PUT', '/v1/app-devices', { channel_account_id: appId, app_user_id: 'cliente-88', token: 'kill-token', platform: 'android' });
    // FCM takes the message but its answer never reaches the worker that asked.
    fcm.simulator.answerLate(30_000);
    let first: ChildProcess | null = await spawnWorker(config, { FCM_API_URL: fcm.url, FCM_TOKEN_URL: `${fcm.url}/token` });
    try {
      const sent = await call('POST', '/v1/messages', { channel_account_id: appId, contact_id: device.body.contact_id, content: { text: 'Uma vez só' } });
      await eventually(async () => (fcm.simulator.messages({ token: 'kill-token' }).length === 1 ? true : undefined), 20_000, 'FCM to have the push');
      expect((await messageOf(call, sent.body.id)).state).toBe('sending');
      first.kill('SIGKILL');
      first = null;

      worker = await startWorker(config);
      const result = await temporal.workflow.getHandle(sendMessageWorkflowId(sent.body.id)).result();
      expect(result).toMatchObject({ state: 'failed' });
      const final = await messageOf(call, sent.body.id);
      expect(final.state).toBe('failed');
      // FCM has no idempotency key: an interrupted send is never resent (routing may try another channel).
      expect(final.error).toMatchObject({ code: 'outcome_unknown' });
      expect(final.send_attempts).toBe(1);
      expect(fcm.simulator.messages({ token: 'kill-token' })).toHaveLength(1);
    } finally {
      first?.kill('SIGKILL');
      await worker?.stop();
      worker = null;
    }
  });
});
