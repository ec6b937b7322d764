import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { AccessTokens } from '../src/numbers/access-tokens';
import { sealStoredSecrets } from '../src/secrets/seal-stored';
import { isSealed, sealedKeyId } from '../src/secrets/secrets';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import {
  apiClient,
  createTenant,
  eventually,
  randomPhoneNumberId,
  randomWaId,
  startApi,
  startWorker,
  testConfig,
  type RunningApi,
} from './support/stack';

/**
 * The simulator checks that a bearer token is present but records nothing about it, so the Graph
 * requests go through this recording pass-through: the test sees exactly what Meta would receive.
 */
async function startRecordingProxy(target: string) {
  const seen: { method: string; path: string; authorization?: string }[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      seen.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization });
      const body = await read(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Every run of `min` consecutive characters of `secret` that appears in `text`. */
function leakedPieces(text: string, secret: string, min = 6): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + min <= secret.length; i++) if (text.includes(secret.slice(i, i + min))) pieces.push(secret.slice(i, i + min));
  return pieces;
}

/** `npm run migrate` as deploys run it (the built entry point: node-pg-migrate is ESM, which jest cannot load). */
function runMigrate(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['dist/src/db/migrate.js'], { env: { ...process.env, DATABASE_URL: databaseUrl } }, (err, stdout, stderr) =>
      err ? reject(new Error(`migrate failed: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

const newToken = () => `EAAG${randomBytes(24).toString('base64url')}`;

describe('secrets at rest: WhatsApp access tokens', () => {
  let sim: RunningWhatsAppSimulator;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let api: RunningApi;
  let config: ReturnType<typeof testConfig>;
  let pool: Pool;

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({ webhookUrl: null, statusDelayMs: 50, pairRateLimit: false });
    proxy = await startRecordingProxy(sim.url);
    config = testConfig({ WHATSAPP_GRAPH_URL: proxy.url });
    api = await startApi(config);
    sim.simulator.setWebhookUrl(`${api.url}/v1/webhooks/whatsapp`);
    pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await api.close();
    await proxy.close();
    await sim.close();
  });

  const storedRow = async (numberId: string) =>
    (await pool.query<{ access_token: string }>('SELECT * FROM whatsapp_numbers WHERE id = $1', [numberId])).rows[0];

  /** Sends one text through the number and returns the Authorization header Meta received for it. */
  async function bearerOfSend(tenant: { call: ReturnType<typeof apiClient>; numberId: string; phoneNumberId: string }) {
    const to = randomWaId();
    sim.simulator.customerSendsMessage(to, { phoneNumberId: tenant.phoneNumberId, text: 'oi' });
    const sent = await tenant.call('POST', '/v1/messages', { whatsapp_number_id: tenant.numberId, to, type: 'text', text: { body: 'olá' } });
    expect(sent.status).toBe(202);
    await eventually(async () => {
      const m = (await tenant.call('GET', `/v1/messages/${sent.body.id}`)).body;
      return ['accepted', 'sent', 'delivered', 'read'].includes(m.state) ? m : undefined;
    }, 30_000, 'the message to be accepted by Meta');
    const requests = proxy.seen.filter((r) => r.method === 'POST' && r.path.endsWith(`/${tenant.phoneNumberId}/messages`));
    expect(requests).toHaveLength(1);
    return requests[0].authorization;
  }

  async function connect(token: string) {
    const tenant = await createTenant(api, config);
    const phoneNumberId = randomPhoneNumberId();
    const connected = await tenant.call('POST', '/v1/whatsapp-numbers', {
      phone_number_id: phoneNumberId,
      waba_id: '102290129340398',
      display_phone_number: '+55 11 4000-0001',
      access_token: token,
    });
    expect(connected.status).toBe(201);
    return { ...tenant, connected, numberId: connected.body.id as string, phoneNumberId };
  }

  it('stores no readable form of the token, never answers it, and still sends with it', async () => {
    const token = newToken();
    const tenant = await connect(token);
    const listed = await tenant.call('GET', '/v1/whatsapp-numbers');
    for (const answer of [tenant.connected.body, listed.body]) {
      expect(JSON.stringify(answer)).not.toMatch(/access_token/);
      expect(leakedPieces(JSON.stringify(answer), token)).toEqual([]);
    }

    const row = await storedRow(tenant.numberId);
    expect(isSealed(row.access_token)).toBe(true);
    expect(sealedKeyId(row.access_token)).toBe(config.secrets.current.id);
    expect(leakedPieces(JSON.stringify(row), token)).toEqual([]);
    expect(leakedPieces(JSON.stringify(row), Buffer.from(token).toString('base64'))).toEqual([]);
    expect(leakedPieces(JSON.stringify(row), Buffer.from(token).toString('hex'))).toEqual([]);

    const worker = await startWorker(config);
    try {
      expect(await bearerOfSend(tenant)).toBe(`Bearer ${token}`);
    } finally {
      await worker.stop();
    }
  });

  it('a sealed token copied to another number does not open there', async () => {
    const a = await connect(newToken());
    const b = await connect(newToken());
    const tokens = new AccessTokens(config.secrets);
    const sealedA = (await storedRow(a.numberId)).access_token;
    expect(() => tokens.open(b.numberId, sealedA)).toThrow(/cannot decrypt whatsapp_numbers\.access_token/);
  });

  it('the migrate entry point seals a plain-text token left from before, once', async () => {
    const token = newToken();
    const tenant = await connect(newToken());
    // A row as it was written before encryption at rest.
    await pool.query('UPDATE whatsapp_numbers SET access_token = $2 WHERE id = $1', [tenant.numberId, token]);

    const first = await runMigrate(config.databaseUrl);
    expect(first).toContain('migrations: database is up to date');
    expect(first).toContain('plain-text secrets sealed: whatsapp_numbers.access_token: 1 sealed, 0 re-sealed');
    const sealed = (await storedRow(tenant.numberId)).access_token;
    expect(isSealed(sealed)).toBe(true);
    expect(leakedPieces(sealed, token)).toEqual([]);
    expect(new AccessTokens(config.secrets).open(tenant.numberId, sealed)).toBe(token);

    const again = await runMigrate(config.databaseUrl);
    expect(again).not.toContain('plain-text secrets sealed');
    expect((await storedRow(tenant.numberId)).access_token).toBe(sealed);

    const worker = await startWorker(config);
    try {
      expect(await bearerOfSend(tenant)).toBe(`Bearer ${token}`);
    } finally {
      await worker.stop();
    }
  });

  it('rotation re-seals every token under the new key; a worker with only the new key still sends', async () => {
    const token = newToken();
    const tenant = await connect(token);
    const newKey = randomBytes(32).toString('base64');
    const oldKeys = `${config.secrets.current.id}=${config.secrets.current.key.toString('hex')}`;
    const rotated = testConfig({
      WHATSAPP_GRAPH_URL: proxy.url,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      RECADO_SECRET_KEY: newKey,
      RECADO_SECRET_KEY_ID: 'rotated-1',
      RECADO_SECRET_KEYS_PREVIOUS: oldKeys,
    });
    const [report] = await sealStoredSecrets(pool, rotated.secrets, 'rotate');
    const total = Number((await pool.query('SELECT count(*) FROM whatsapp_numbers')).rows[0].count);
    expect(report).toMatchObject({ sealed: 0, resealed: total });
    const { rows } = await pool.query<{ access_token: string }>('SELECT access_token FROM whatsapp_numbers');
    expect(rows.map((r) => sealedKeyId(r.access_token))).toEqual(rows.map(() => 'rotated-1'));

    const onlyNewKey = testConfig({
      WHATSAPP_GRAPH_URL: proxy.url,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      RECADO_SECRET_KEY: newKey,
      RECADO_SECRET_KEY_ID: 'rotated-1',
    });
    const worker = await startWorker(onlyNewKey);
    try {
      expect(await bearerOfSend(tenant)).toBe(`Bearer ${token}`);
    } finally {
      await worker.stop();
    }
  });
});
