import { Pool } from 'pg';
import { RealtimeRepository } from '../src/realtime/realtime.repository';
import { signWebhook } from '../src/whatsapp/signature';
import { inboundTextWebhook } from './support/payloads';
import { readEvents } from './support/sse';
import { createTenant, randomWaId, startApi, testConfig, type RunningApi } from './support/stack';

describe('realtime events for agents (SSE)', () => {
  const config = testConfig();
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(config);
  });
  afterAll(async () => {
    await api.close();
  });

  it('needs a valid token', async () => {
    expect((await fetch(`${api.url}/v1/events`)).status).toBe(401);
    expect((await fetch(`${api.url}/v1/events?access_token=rk_wrong`)).status).toBe(401);
  });

  it("streams an inbound message to the account's agents, and not to another account", async () => {
    const tenant = await createTenant(api, config);
    const other = await createTenant(api, config);
    const agent = await tenant.call('POST', '/v1/agents', { name: 'Ana', email: `ana${Date.now()}@example.com` });
    const mine = await fetch(`${api.url}/v1/events?access_token=${agent.body.api_key.key}`);
    const theirs = await fetch(`${api.url}/v1/events`, { headers: { authorization: `Bearer ${other.key}` } });
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toContain('text/event-stream');

    const from = randomWaId();
    const raw = JSON.stringify(inboundTextWebhook(tenant.phoneNumberId, from, `wamid.rt${Date.now()}`, 'oi', 'João'));
    const receivedByMine = readEvents(mine, (e) => e.event === 'message.received');
    await new Promise((r) => setTimeout(r, 300)); // let the stream subscribe
    const posted = await fetch(`${api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, config.whatsapp.appSecret) },
      body: raw,
    });
    expect(posted.status).toBe(200);
    const events = await receivedByMine;
    expect(events[0]).toEqual({ event: 'ready', data: { account_id: tenant.accountId, agent_id: agent.body.agent.id } });
    const received = events.find((e) => e.event === 'message.received')!;
    expect(received.data.message_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(received.data.type).toBe('text');

    await expect(readEvents(theirs, (e) => e.event === 'message.received', 1500)).rejects.toThrow(/expected event not received|no event in time/);
  });

  it("delivers an agent's event to that agent and to account-wide streams, not to other agents", async () => {
    const tenant = await createTenant(api, config);
    const agent = async (name: string) =>
      (await tenant.call('POST', '/v1/agents', { name, email: `${name}${Date.now()}@example.com` })).body;
    const [ana, bia] = [await agent('ana'), await agent('bia')];
    const open = (token: string) => fetch(`${api.url}/v1/events?access_token=${token}`);
    const [anaStream, biaStream, accountStream] = await Promise.all([open(ana.api_key.key), open(bia.api_key.key), open(tenant.key)]);
    const untilBroadcast = (e: { event: string }) => e.event === 'test.broadcast';
    const reads = [anaStream, biaStream, accountStream].map((res) => readEvents(res, untilBroadcast));
    await new Promise((r) => setTimeout(r, 300)); // let the streams subscribe

    const pool = new Pool({ connectionString: config.databaseUrl, max: 1 });
    const realtime = new RealtimeRepository(pool);
    await realtime.publish({ accountId: tenant.accountId, agentId: ana.agent.id, type: 'test.addressed', data: { to: 'ana' } });
    await realtime.publish({ accountId: tenant.accountId, type: 'test.broadcast', data: {} });
    await pool.end();

    const [seenByAna, seenByBia, seenByAccount] = (await Promise.all(reads)).map((events) => events.map((e) => e.event));
    expect(seenByAna).toEqual(['ready', 'test.addressed', 'test.broadcast']);
    expect(seenByBia).toEqual(['ready', 'test.broadcast']);
    expect(seenByAccount).toEqual(['ready', 'test.addressed', 'test.broadcast']);
  });
});
