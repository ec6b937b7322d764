import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import type { Config } from '../src/config/config';
import { encodeWav } from '../src/media/wav';
import { LocalRecordingStorage } from '../src/recording/storage';
import { PlaybackLinks } from '../src/calls/history/playback-links';
import { createTenant, startApi, testConfig, type RunningApi } from './support/stack';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

/**
 * Signed playback links on a real Postgres and the app's HTTP server: who may ask for one, and
 * the public route that serves the recording through it — Range and audit exactly like the
 * download — or refuses it (403 tampered, moved or expired; 404 gone), never with a token in the URL.
 */
describe('recording playback links', () => {
  let config: Config;
  let api: RunningApi;
  let pool: Pool;
  let dir: string;
  let storage: LocalRecordingStorage;
  let t: Tenant;
  let other: Tenant;
  let ana: { id: string; key: string };
  let callId: string;
  let file: { id: string; key: string; bytes: Buffer };
  let second: { id: string; key: string; bytes: Buffer };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recado-playback-'));
    config = testConfig({ RECORDING_DIR: dir, RECORDING_PLAYBACK_LINK_TTL: '5m' });
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl, max: 3 });
    storage = new LocalRecordingStorage(dir);
    t = await createTenant(api, config, 'Loja Player');
    other = await createTenant(api, config, 'Outra Loja');
    const agent = await t.call('POST', '/v1/agents', { name: 'Ana', email: `${randomUUID()}@example.com` });
    expect(agent.status).toBe(201);
    ana = { id: agent.body.agent.id, key: agent.body.api_key.key };
    callId = await seedCall(t);
    file = await seedRecording(t, callId, 1000);
    second = await seedRecording(t, callId, 500);
  });

  afterAll(async () => {
    await pool?.end();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function seedCall(tenant: Tenant): Promise<string> {
    const id = randomUUID();
    const { rows } = await pool.query<{ id: string }>('INSERT INTO contacts (account_id, name) VALUES ($1, $2) RETURNING id', [tenant.accountId, 'Maria']);
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, created_at, accepted_at, ended_at, duration_seconds)
       VALUES ($1, $2, $3, $4, 'user_initiated', 'completed', $5, now() - interval '1 hour', now() - interval '59 minutes', now() - interval '58 minutes', 60)`,
      [id, tenant.accountId, tenant.numberId, rows[0].id, `call-${id}`],
    );
    return id;
  }

  async function seedRecording(tenant: Tenant, call: string, sampleCount: number): Promise<{ id: string; key: string; bytes: Buffer }> {
    const id = randomUUID();
    const samples = new Int16Array(sampleCount);
    for (let i = 0; i < samples.length; i++) samples[i] = ((i * 37) % 2000) - 1000;
    const bytes = encodeWav({ sampleRate: 8000, channels: 1, samples });
    const key = `accounts/${tenant.accountId}/calls/${call}/mixed-${id}.wav`;
    await storage.put(key, { bytes }, 'audio/wav');
    await pool.query(
      `INSERT INTO call_recordings (id, account_id, call_id, kind, speaker, agent_id, storage_key, content_type, bytes, duration_ms,
                                    sample_rate, offset_ms, gaps, recorder, expires_at)
       VALUES ($1, $2, $3, 'mixed', NULL, NULL, $4, 'audio/wav', $5, $6, 8000, 0, '[]', 'participant', now() + interval '1 day')`,
      [id, tenant.accountId, call, key, bytes.length, Math.round((sampleCount / 8000) * 1000)],
    );
    return { id, key, bytes };
  }

  async function askLink(recordingId = file.id, token = ana.key, call = callId) {
    const res = await fetch(`${api.url}/v1/calls/${call}/recordings/${recordingId}/playback-link`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { url: string; expires_at: string; field?: string; message?: string } };
  }

  /** GET a link as an audio element does: no credentials at all, maybe a Range. */
  async function play(url: string, range?: string) {
    const res = await fetch(new URL(url, api.url), { headers: range ? { range } : {} });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  async function audited(recordingId: string) {
    const { rows } = await pool.query<{ actor: string; range_header: string | null; status: number; bytes_sent: number }>(
      'SELECT actor, range_header, status, bytes_sent::int AS bytes_sent FROM recording_downloads WHERE recording_id = $1 ORDER BY seq',
      [recordingId],
    );
    return rows;
  }

  /** The same link with one query parameter replaced. */
  function withParam(url: string, name: string, value: string): string {
    const parsed = new URL(url, api.url);
    parsed.searchParams.set(name, value);
    return `${parsed.pathname}${parsed.search}`;
  }

  it('gives whoever may download the recording a same-origin link without any token, expiring after RECORDING_PLAYBACK_LINK_TTL', async () => {
    const before = Date.now();
    const link = await askLink();
    const after = Date.now();
    expect(link.status).toBe(200);
    expect(link.body.url.startsWith(`/v1/calls/${callId}/recordings/${file.id}/playback?`)).toBe(true);
    for (const secret of [ana.key, t.key]) expect(link.body.url).not.toContain(secret);
    const expiresAt = Date.parse(link.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 300_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 300_000 + 1000);
    expect(new URL(link.body.url, api.url).searchParams.get('expires')).toBe(String(expiresAt / 1000));
    // an account key may ask too
    expect((await askLink(file.id, t.key)).status).toBe(200);
  });

  it('serves the recording through the link without credentials: the whole file, ranges (206) and 416, like the download', async () => {
    const { url } = (await askLink()).body;
    const size = file.bytes.length;
    const whole = await play(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(whole.headers.get('content-length')).toBe(String(size));
    expect(whole.headers.get('cache-control')).toBe('private, no-store');
    expect(whole.body.equals(file.bytes)).toBe(true);
    for (const [range, start, end] of [['bytes=0-43', 0, 43], ['bytes=1000-', 1000, size - 1], ['bytes=-10', size - 10, size - 1]] as const) {
      const res = await play(url, range);
      expect({ range, status: res.status, contentRange: res.headers.get('content-range') }).toEqual({ range, status: 206, contentRange: `bytes ${start}-${end}/${size}` });
      expect(res.body.equals(file.bytes.subarray(start, end + 1))).toBe(true);
    }
    const refused = await play(url, `bytes=${size}-`);
    expect(refused.status).toBe(416);
    expect(refused.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ statusCode: 416, field: 'Range' });
  });

  it('audits every request through a link under whoever asked for it', async () => {
    await pool.query('DELETE FROM recording_downloads WHERE recording_id = $1', [file.id]);
    const keyId = (await pool.query<{ id: string }>('SELECT id FROM api_keys WHERE account_id = $1 AND agent_id IS NULL', [t.accountId])).rows[0].id;
    await play((await askLink()).body.url, 'bytes=10-19');
    await play((await askLink(file.id, t.key)).body.url, `bytes=${file.bytes.length}-`);
    expect(await audited(file.id)).toEqual([
      { actor: `agent:${ana.id}`, range_header: 'bytes=10-19', status: 206, bytes_sent: 10 },
      { actor: `api_key:${keyId}`, range_header: `bytes=${file.bytes.length}-`, status: 416, bytes_sent: 0 },
    ]);
  });

  it('refuses with 403 a tampered link, one moved to another recording, account or actor, and one pushed past its expiry — reading nothing', async () => {
    const { url } = (await askLink()).body;
    const parsed = new URL(url, api.url);
    const signature = parsed.searchParams.get('signature')!;
    const tampered = [
      withParam(url, 'signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)),
      url.replace(file.id, second.id),
      withParam(url, 'account_id', other.accountId),
      withParam(url, 'actor', `agent:${randomUUID()}`),
      withParam(url, 'expires', String(Number(parsed.searchParams.get('expires')) + 3600)),
    ];
    await pool.query('DELETE FROM recording_downloads WHERE recording_id = ANY($1::uuid[])', [[file.id, second.id]]);
    for (const link of tampered) {
      const res = await play(link, 'bytes=0-3');
      expect({ link, status: res.status }).toEqual({ link, status: 403 });
      expect(JSON.parse(res.body.toString())).toMatchObject({ statusCode: 403, error: 'Forbidden', field: 'signature', message: expect.stringContaining('signature does not match') });
    }
    expect(await audited(file.id)).toEqual([]);
    expect(await audited(second.id)).toEqual([]);
  });

  it('refuses an expired link with 403 naming expires, and a fresh link plays again', async () => {
    // A link signed as the server signs them, five minutes and a second ago.
    const signer = new PlaybackLinks(config.secrets, config.callAudio.recordings.playbackLinkTtlMs);
    const stale = signer.issue({ accountId: t.accountId, callId, recordingId: file.id, actor: `agent:${ana.id}` }, Date.now() - 301_000);
    expect(stale.expiresAt.getTime()).toBeLessThan(Date.now());
    const refused = await play(stale.url, 'bytes=0-3');
    expect(refused.status).toBe(403);
    const body = JSON.parse(refused.body.toString());
    expect(body).toMatchObject({ statusCode: 403, field: 'expires' });
    expect(body.message).toContain(`expired at ${stale.expiresAt.toISOString()}`);
    expect(body.message).toContain(`/v1/calls/${callId}/recordings/${file.id}/playback-link`);
    const fresh = await play((await askLink()).body.url, 'bytes=0-3');
    expect(fresh.status).toBe(206);
    expect(fresh.body.toString('ascii')).toBe('RIFF');
  });

  it("gives no link for another account's recording, an unknown one or one no longer stored (404), nor without a token (401)", async () => {
    expect((await askLink(file.id, other.key)).status).toBe(404);
    expect((await askLink(randomUUID())).status).toBe(404);
    expect((await askLink(file.id, ana.key, await seedCall(t))).status).toBe(404);
    const res = await fetch(`${api.url}/v1/calls/${callId}/recordings/${file.id}/playback-link`, { method: 'POST' });
    expect(res.status).toBe(401);
    const gone = await seedRecording(t, callId, 100);
    await storage.delete(gone.key);
    expect((await askLink(gone.id)).status).toBe(404);
  });

  it('answers 404 through a valid link once the file is gone, audited; 400 naming the field for a malformed link', async () => {
    const doomed = await seedRecording(t, callId, 100);
    const { url } = (await askLink(doomed.id)).body;
    expect((await play(url, 'bytes=0-3')).status).toBe(206);
    await storage.delete(doomed.key);
    const gone = await play(url, 'bytes=0-3');
    expect(gone.status).toBe(404);
    expect((await audited(doomed.id)).map((r) => r.status)).toEqual([206, 404]);

    const malformed = await play(withParam(url, 'signature', 'short'));
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body.toString()).message.join(' ')).toContain('signature');
    const parsed = new URL(url, api.url);
    parsed.searchParams.delete('expires');
    const missing = await play(`${parsed.pathname}${parsed.search}`);
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body.toString()).message.join(' ')).toContain('expires');
  });
});
