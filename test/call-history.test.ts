import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import type { Config } from '../src/config/config';
import { encodeWav } from '../src/media/wav';
import { LocalRecordingStorage } from '../src/recording/storage';
import { startRecordingRetention } from '../src/calls/history/retention-job';
import { apiClient, createTenant, eventually, randomWaId, startApi, startWorker, temporalClient, testConfig, type RunningApi } from './support/stack';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

interface SeedCall {
  contactId: string;
  direction?: 'business_initiated' | 'user_initiated';
  state?: string;
  agentId?: string | null;
  createdAt: string;
  ended?: boolean;
  answered?: boolean;
}

/**
 * The call history on a real Postgres and the app's HTTP server: calls, their timelines,
 * recordings (real WAV files in the local storage) and post-call results are seeded directly.
 */
describe('call history', () => {
  let config: Config;
  let api: RunningApi;
  let pool: Pool;
  let dir: string;
  let storage: LocalRecordingStorage;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recado-history-'));
    config = testConfig({ RECORDING_DIR: dir, RECORDING_RETENTION_SWEEP: '1s', CALL_DEEP_LINK_TEMPLATE: 'https://app.example.com/contacts/{contact_id}/calls/{call_id}' });
    api = await startApi(config);
    pool = new Pool({ connectionString: config.databaseUrl });
    storage = new LocalRecordingStorage(dir);
    a = await createTenant(api, config, 'Loja A');
    b = await createTenant(api, config, 'Loja B');
  });

  afterAll(async () => {
    await pool?.end();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function contact(tenant: Tenant, name = 'Maria Silva'): Promise<string> {
    const { rows } = await pool.query<{ id: string }>('INSERT INTO contacts (account_id, name) VALUES ($1, $2) RETURNING id', [tenant.accountId, name]);
    await pool.query(`INSERT INTO contact_identities (account_id, contact_id, kind, value) VALUES ($1, $2, 'whatsapp', $3)`, [
      tenant.accountId,
      rows[0].id,
      randomWaId(),
    ]);
    return rows[0].id;
  }

  async function agent(tenant: Tenant, name: string): Promise<{ id: string; key: string }> {
    const created = await tenant.call('POST', '/v1/agents', { name, email: `${randomUUID()}@example.com` });
    expect(created.status).toBe(201);
    return { id: created.body.agent.id, key: created.body.api_key.key };
  }

  async function seedCall(tenant: Tenant, c: SeedCall): Promise<string> {
    const id = randomUUID();
    const ended = c.ended ?? true;
    const answered = c.answered ?? true;
    await pool.query(
      `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, agent_id, created_at,
                          ringing_at, accepted_at, ended_at, duration_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $9::timestamptz + interval '2 s',
               CASE WHEN $10 THEN $9::timestamptz + interval '5 s' END,
               CASE WHEN $11 THEN $9::timestamptz + interval '65 s' END, CASE WHEN $11 AND $10 THEN 60 END)`,
      [
        id,
        tenant.accountId,
        tenant.numberId,
        c.contactId,
        c.direction ?? 'business_initiated',
        c.state ?? (ended ? (answered ? 'completed' : 'not_answered') : 'accepted'),
        `call-${id}`,
        c.agentId ?? null,
        c.createdAt,
        answered,
        ended,
      ],
    );
    return id;
  }

  /** A real WAV file in the storage and its call_recordings row. */
  async function seedRecording(
    tenant: Tenant,
    callId: string,
    r: { kind: 'speaker' | 'mixed'; speaker?: 'customer' | 'agent'; agentId?: string; samples?: number; expiresAt?: string | null },
  ): Promise<{ id: string; key: string; bytes: Buffer }> {
    const id = randomUUID();
    const samples = new Int16Array(r.samples ?? 800);
    for (let i = 0; i < samples.length; i++) samples[i] = ((i * 37) % 2000) - 1000;
    const bytes = encodeWav({ sampleRate: 8000, channels: 1, samples });
    const key = `accounts/${tenant.accountId}/calls/${callId}/${r.kind === 'mixed' ? 'mixed' : r.speaker}-${id}.wav`;
    await storage.put(key, { bytes }, 'audio/wav');
    await pool.query(
      `INSERT INTO call_recordings (id, account_id, call_id, kind, speaker, agent_id, storage_key, content_type, bytes, duration_ms,
                                    sample_rate, offset_ms, gaps, recorder, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'audio/wav', $8, $9, 8000, $10, $11, 'participant', $12)`,
      [
        id,
        tenant.accountId,
        callId,
        r.kind,
        r.kind === 'mixed' ? null : r.speaker,
        r.agentId ?? null,
        key,
        bytes.length,
        Math.round((samples.length / 8000) * 1000),
        r.speaker === 'agent' ? 120 : 0,
        JSON.stringify(r.kind === 'mixed' ? [{ from_ms: 30, to_ms: 50, reason: 'recorder restarted' }] : []),
        r.expiresAt === undefined ? new Date(Date.now() + 86_400_000).toISOString() : r.expiresAt,
      ],
    );
    return { id, key, bytes };
  }

  const TRANSCRIPT = [
    { speaker: 'customer', agent_id: null, name: 'Maria Silva', start_ms: 0, end_ms: 1800, text: 'Oi, meu pedido não chegou.' },
    { speaker: 'agent', agent_id: null as string | null, name: 'Ana', start_ms: 2000, end_ms: 4200, text: 'Vou verificar agora mesmo.' },
  ];
  const SUMMARY = {
    reason: 'Pedido atrasado',
    outcome: 'Agente vai verificar',
    next_steps: ['Ligar amanhã'],
    sentiment: 'neutral',
    follow_up_date: '2030-01-02',
    generated_by: 'gpt-4o-mini',
  };

  async function seedPostCall(tenant: Tenant, callId: string, transcript: unknown[] | null = TRANSCRIPT, transcriptionStatus = 'done'): Promise<void> {
    await pool.query(
      `INSERT INTO call_postcall (call_id, account_id, recording_status, transcription_status, transcription_reason, summary_status,
                                  summary_reason, transcript, summary)
       VALUES ($1, $2, 'done', $3, $4, $5, $6, $7, $8)`,
      [
        callId,
        tenant.accountId,
        transcriptionStatus,
        transcriptionStatus === 'failed' ? 'the AI provider answered 500' : null,
        transcript ? 'done' : 'skipped',
        transcript ? null : 'no transcript',
        transcript && JSON.stringify(transcript),
        transcript && JSON.stringify(SUMMARY),
      ],
    );
  }

  async function allPages(call: Tenant['call'], query: string, limit: number): Promise<Array<{ id: string }>> {
    const items: Array<{ id: string }> = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await call('GET', `/v1/calls?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return items;
  }

  describe('GET /v1/calls', () => {
    let t: Tenant;
    let maria: string;
    let joao: string;
    let ana: { id: string; key: string };
    let bia: { id: string; key: string };
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      t = await createTenant(api, config, 'Loja Lista');
      maria = await contact(t, 'Maria');
      joao = await contact(t, 'João');
      ana = await agent(t, 'Ana');
      bia = await agent(t, 'Bia');
      ids.old = await seedCall(t, { contactId: maria, agentId: ana.id, createdAt: '2030-01-01T10:00:00Z' });
      ids.missed = await seedCall(t, { contactId: joao, direction: 'user_initiated', answered: false, createdAt: '2030-01-02T10:00:00Z' });
      ids.recorded = await seedCall(t, { contactId: maria, agentId: ana.id, createdAt: '2030-01-03T10:00:00Z' });
      ids.transcribed = await seedCall(t, { contactId: joao, agentId: bia.id, direction: 'user_initiated', createdAt: '2030-01-04T10:00:00Z' });
      ids.ongoingOld = await seedCall(t, { contactId: maria, agentId: bia.id, ended: false, createdAt: '2030-01-01T09:00:00Z' });
      ids.ongoingNew = await seedCall(t, { contactId: joao, agentId: ana.id, ended: false, createdAt: '2030-01-05T09:00:00Z' });
      // Two calls at the same instant: the id breaks the tie, the cursor must not skip or repeat one.
      ids.twinA = await seedCall(t, { contactId: maria, createdAt: '2030-01-02T12:00:00Z' });
      ids.twinB = await seedCall(t, { contactId: maria, createdAt: '2030-01-02T12:00:00Z' });
      await pool.query(`INSERT INTO call_participants (call_id, account_id, agent_id, role, state) VALUES ($1, $2, $3, 'invitee', 'left')`, [
        ids.recorded,
        t.accountId,
        bia.id,
      ]);
      await seedRecording(t, ids.recorded, { kind: 'mixed' });
      await seedRecording(t, ids.transcribed, { kind: 'mixed' });
      await seedPostCall(t, ids.transcribed);
      await seedPostCall(t, ids.recorded, null, 'failed');
      // another account's call never shows
      await seedCall(b, { contactId: await contact(b), createdAt: '2030-01-03T10:00:00Z' });
    });

    it('lists ongoing calls first, then newest first, the same across pages of any size', async () => {
      const twins = [ids.twinA, ids.twinB].sort().reverse();
      const expected = [ids.ongoingNew, ids.ongoingOld, ids.transcribed, ids.recorded, ...twins, ids.missed, ids.old];
      const first = await t.call('GET', '/v1/calls');
      expect(first.status).toBe(200);
      expect(first.body.items.map((c: { id: string }) => c.id)).toEqual(expected);
      expect(first.body.next_cursor).toBeNull();
      for (const limit of [1, 2, 3]) expect((await allPages(t.call, '', limit)).map((c) => c.id)).toEqual(expected);
    });

    it('filters by direction, agent, contact, state, time and what was stored, and says what each call has', async () => {
      const list = async (q: string) => ((await t.call('GET', `/v1/calls?${q}`)).body.items as Array<{ id: string }>).map((c) => c.id).sort();
      expect(await list('direction=user_initiated')).toEqual([ids.missed, ids.transcribed].sort());
      // agent: the call's own agent or a participant (Bia was invited into the recorded call)
      expect(await list(`agent_id=${bia.id}`)).toEqual([ids.recorded, ids.transcribed, ids.ongoingOld].sort());
      expect(await list(`contact_id=${joao}`)).toEqual([ids.missed, ids.transcribed, ids.ongoingNew].sort());
      expect(await list('state=not_answered')).toEqual([ids.missed]);
      expect(await list('from=2030-01-03T10:00:00Z&to=2030-01-04T10:00:00.000Z')).toEqual([ids.recorded]);
      expect(await list('from=2030-01-03T11:00:00%2B01:00')).toEqual([ids.recorded, ids.transcribed, ids.ongoingNew].sort());
      expect(await list('has_recording=true')).toEqual([ids.recorded, ids.transcribed].sort());
      expect(await list('has_transcript=true')).toEqual([ids.transcribed]);
      expect(await list('has_transcript=false&has_recording=true')).toEqual([ids.recorded]);
      expect(await list(`direction=business_initiated&agent_id=${ana.id}&has_recording=false`)).toEqual([ids.old, ids.ongoingNew].sort());
      const item = (await t.call('GET', `/v1/calls?has_transcript=true`)).body.items[0];
      expect(item).toMatchObject({ id: ids.transcribed, contact_id: joao, agent_id: bia.id, state: 'completed', has_recording: true, has_transcript: true });
      // an agent's token sees the account's history too
      expect((await apiClient(api.url, ana.key)('GET', `/v1/calls?contact_id=${maria}&limit=100`)).body.items).toHaveLength(5);
    });

    it('refuses bad filters and cursors naming the field', async () => {
      const cases: Array<[string, string]> = [
        ['direction=sideways', 'direction'],
        ['agent_id=ana', 'agent_id'],
        ['contact_id=1', 'contact_id'],
        ['state=talking', 'state'],
        ['from=yesterday', 'from'],
        ['to=2030-13-01T00:00:00Z', 'to'],
        ['has_recording=yes', 'has_recording'],
        ['has_transcript=1', 'has_transcript'],
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['cursor=not+a+cursor', 'cursor'],
        ['colour=red', 'colour'],
      ];
      for (const [query, field] of cases) {
        const res = await t.call('GET', `/v1/calls?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(JSON.stringify(res.body.message)).toContain(field);
      }
      // the documented shape, but not a cursor this API wrote: 422
      for (const cursor of ['not-a-cursor', Buffer.from('{"e":3,"t":"x","i":"y"}').toString('base64url')]) {
        const res = await t.call('GET', `/v1/calls?cursor=${cursor}`);
        expect(res.status).toBe(422);
        expect(res.body.field).toBe('cursor');
      }
      expect((await apiClient(api.url)('GET', '/v1/calls')).status).toBe(401);
    });
  });

  describe('GET /v1/calls/{id}/details', () => {
    it("shows participants, the ordered timeline, recordings, transcript, summary and the steps' statuses", async () => {
      const t = await createTenant(api, config, 'Loja Detalhe');
      const maria = await contact(t, 'Maria Silva');
      const ana = await agent(t, 'Ana');
      const bia = await agent(t, 'Bia');
      const callId = await seedCall(t, { contactId: maria, agentId: ana.id, createdAt: '2030-02-01T10:00:00Z' });
      await pool.query(`INSERT INTO call_participants (call_id, account_id, agent_id, role, state, created_at) VALUES
          ($1, $2, $3, 'host', 'left', '2030-02-01T10:00:00Z'), ($1, $2, $4, 'invitee', 'left', '2030-02-01T10:00:20Z')`, [callId, t.accountId, ana.id, bia.id]);
      // inserted out of order: the timeline is ordered by when things happened
      const events: Array<[string, string, string | null, string | null, object]> = [
        ['ended', '2030-02-01T10:01:05Z', null, null, { reason: 'hangup' }],
        ['dialing', '2030-02-01T10:00:00Z', null, null, {}],
        ['answered', '2030-02-01T10:00:05Z', null, null, {}],
        ['ringing', '2030-02-01T10:00:02Z', null, null, {}],
        ['joined', '2030-02-01T10:00:06Z', `customer:${maria}`, null, {}],
        ['joined', '2030-02-01T10:00:06Z', `agent:${ana.id}`, ana.id, {}],
        ['recording_gap', '2030-02-01T10:00:30Z', null, null, { from_ms: 25000, to_ms: 27000, reason: 'recorder restarted' }],
        ['muted', '2030-02-01T10:00:40Z', `agent:${ana.id}`, ana.id, {}],
        ['left', '2030-02-01T10:01:04Z', `agent:${ana.id}`, ana.id, {}],
      ];
      for (const [kind, at, participant, agentId, detail] of events) {
        await pool.query('INSERT INTO call_events (account_id, call_id, kind, participant, agent_id, at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          t.accountId,
          callId,
          kind,
          participant,
          agentId,
          at,
          detail,
        ]);
      }
      const mixed = await seedRecording(t, callId, { kind: 'mixed' });
      const agentFile = await seedRecording(t, callId, { kind: 'speaker', speaker: 'agent', agentId: ana.id, samples: 400 });
      const customerFile = await seedRecording(t, callId, { kind: 'speaker', speaker: 'customer' });
      const transcript = TRANSCRIPT.map((s) => (s.speaker === 'agent' ? { ...s, agent_id: ana.id } : s));
      await seedPostCall(t, callId, transcript);

      const res = await t.call('GET', `/v1/calls/${callId}/details`);
      expect(res.status).toBe(200);
      const d = res.body;
      expect(d.call).toMatchObject({ id: callId, contact_id: maria, agent_id: ana.id, state: 'completed', duration_seconds: 60 });
      expect(d.participants).toEqual([
        { kind: 'customer', agent_id: null, contact_id: maria, name: 'Maria Silva', role: null, state: null, identity: `customer:${maria}` },
        { kind: 'agent', agent_id: ana.id, contact_id: null, name: 'Ana', role: 'host', state: 'left', identity: `agent:${ana.id}` },
        { kind: 'agent', agent_id: bia.id, contact_id: null, name: 'Bia', role: 'invitee', state: 'left', identity: `agent:${bia.id}` },
      ]);
      expect(d.timeline.map((e: { kind: string }) => e.kind)).toEqual(['dialing', 'ringing', 'answered', 'joined', 'joined', 'recording_gap', 'muted', 'left', 'ended']);
      expect(d.timeline[5]).toEqual({ kind: 'recording_gap', at: '2030-02-01T10:00:30.000Z', participant: null, agent_id: null, detail: { from_ms: 25000, to_ms: 27000, reason: 'recorder restarted' } });
      expect(d.recordings.map((r: { id: string }) => r.id)).toEqual([customerFile.id, agentFile.id, mixed.id]);
      expect(d.recordings[1]).toEqual({
        id: agentFile.id,
        kind: 'speaker',
        speaker: 'agent',
        agent_id: ana.id,
        duration_ms: 50,
        offset_ms: 120,
        gaps: [],
        bytes: agentFile.bytes.length,
        content_type: 'audio/wav',
        expires_at: expect.any(String),
        download_url: `/v1/calls/${callId}/recordings/${agentFile.id}`,
      });
      expect(d.recordings[2].gaps).toEqual([{ from_ms: 30, to_ms: 50, reason: 'recorder restarted' }]);
      expect(d.transcript).toEqual(transcript);
      expect(d.summary).toEqual(SUMMARY);
      expect(d.steps).toEqual({
        recording: { status: 'done', reason: null },
        transcription: { status: 'done', reason: null },
        summary: { status: 'done', reason: null },
      });
    });

    it('reports the steps as pending while a call lasts or just ended, skipped for an old call never answered', async () => {
      const t = await createTenant(api, config, 'Loja Passos');
      const maria = await contact(t);
      const ongoing = await seedCall(t, { contactId: maria, ended: false, createdAt: new Date().toISOString() });
      const justEnded = await seedCall(t, { contactId: maria, createdAt: new Date(Date.now() - 70_000).toISOString() });
      const missed = await seedCall(t, { contactId: maria, answered: false, createdAt: '2020-01-01T00:00:00Z' });
      const failed = await seedCall(t, { contactId: maria, createdAt: '2030-01-01T00:00:00Z' });
      await seedPostCall(t, failed, null, 'failed');
      const steps = async (id: string) => (await t.call('GET', `/v1/calls/${id}/details`)).body.steps;
      const pending = { status: 'pending', reason: null };
      expect(await steps(ongoing)).toEqual({ recording: pending, transcription: pending, summary: pending });
      expect(await steps(justEnded)).toEqual({ recording: pending, transcription: pending, summary: pending });
      const skipped = { status: 'skipped', reason: 'the call was not answered' };
      expect(await steps(missed)).toEqual({ recording: skipped, transcription: skipped, summary: skipped });
      expect(await steps(failed)).toEqual({
        recording: { status: 'done', reason: null },
        transcription: { status: 'failed', reason: 'the AI provider answered 500' },
        summary: { status: 'skipped', reason: 'no transcript' },
      });
      const details = (await t.call('GET', `/v1/calls/${ongoing}/details`)).body;
      expect(details).toMatchObject({ recordings: [], transcript: null, summary: null, timeline: [] });
    });

    it("answers 404 for another account's call, an unknown one, and 400 for a malformed id", async () => {
      const callId = await seedCall(a, { contactId: await contact(a), createdAt: '2030-01-01T00:00:00Z' });
      expect((await a.call('GET', `/v1/calls/${callId}/details`)).status).toBe(200);
      expect((await b.call('GET', `/v1/calls/${callId}/details`)).status).toBe(404);
      expect((await a.call('GET', `/v1/calls/${randomUUID()}/details`)).status).toBe(404);
      expect((await a.call('GET', `/v1/calls/nope/details`)).status).toBe(400);
    });
  });

  describe('GET /v1/calls/{id}/recordings/{recording_id}', () => {
    let t: Tenant;
    let callId: string;
    let file: { id: string; key: string; bytes: Buffer };
    let ana: { id: string; key: string };
    let keyId: string;

    beforeAll(async () => {
      t = await createTenant(api, config, 'Loja Áudio');
      ana = await agent(t, 'Ana');
      callId = await seedCall(t, { contactId: await contact(t), createdAt: '2030-03-01T10:00:00Z' });
      file = await seedRecording(t, callId, { kind: 'mixed', samples: 1000 });
      keyId = (await pool.query<{ id: string }>('SELECT id FROM api_keys WHERE account_id = $1 AND agent_id IS NULL', [t.accountId])).rows[0].id;
    });

    async function download(range?: string, token = t.key) {
      const res = await fetch(`${api.url}/v1/calls/${callId}/recordings/${file.id}`, {
        headers: { authorization: `Bearer ${token}`, ...(range ? { range } : {}) },
      });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    }

    it('serves the whole file with Accept-Ranges, and exact bytes for closed, open and suffix ranges', async () => {
      const size = file.bytes.length;
      expect(size).toBe(2044);
      const full = await download();
      expect(full.status).toBe(200);
      expect(full.headers.get('accept-ranges')).toBe('bytes');
      expect(full.headers.get('content-type')).toBe('audio/wav');
      expect(full.headers.get('content-length')).toBe(String(size));
      expect(full.body.equals(file.bytes)).toBe(true);
      const cases: Array<[string, number, number]> = [
        ['bytes=0-43', 0, 43],
        ['bytes=100-199', 100, 199],
        ['bytes=2000-', 2000, size - 1],
        ['bytes=-10', size - 10, size - 1],
        ['bytes=2040-9999', 2040, size - 1],
        ['bytes=7-7', 7, 7],
      ];
      for (const [range, start, end] of cases) {
        const res = await download(range);
        expect({ range, status: res.status }).toEqual({ range, status: 206 });
        expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
        expect(res.headers.get('content-length')).toBe(String(end - start + 1));
        expect(res.body.equals(file.bytes.subarray(start, end + 1))).toBe(true);
      }
      // an agent's token downloads too
      expect((await download('bytes=0-3', ana.key)).body.toString('ascii')).toBe('RIFF');
    });

    it('answers 416 with the size for a range outside the file, the whole file for an invalid one', async () => {
      for (const range of ['bytes=2044-', 'bytes=5000-6000', 'bytes=-0']) {
        const res = await download(range);
        expect({ range, status: res.status }).toEqual({ range, status: 416 });
        expect(res.headers.get('content-range')).toBe(`bytes */${file.bytes.length}`);
        expect(JSON.parse(res.body.toString())).toMatchObject({ statusCode: 416, field: 'Range' });
      }
      const invalid = await download('bytes=9-2');
      expect(invalid.status).toBe(200);
      expect(invalid.body.equals(file.bytes)).toBe(true);
    });

    it('writes every download and refused range to recording_downloads, the actor a key id or an agent id', async () => {
      await pool.query('DELETE FROM recording_downloads WHERE recording_id = $1', [file.id]);
      await download();
      await download('bytes=10-19');
      await download('bytes=99999-');
      await download('bytes=-4', ana.key);
      const { rows } = await pool.query(
        'SELECT account_id, call_id, actor, range_header, status, bytes_sent::int AS bytes_sent FROM recording_downloads WHERE recording_id = $1 ORDER BY seq',
        [file.id],
      );
      const base = { account_id: t.accountId, call_id: callId };
      expect(rows).toEqual([
        { ...base, actor: `api_key:${keyId}`, range_header: null, status: 200, bytes_sent: file.bytes.length },
        { ...base, actor: `api_key:${keyId}`, range_header: 'bytes=10-19', status: 206, bytes_sent: 10 },
        { ...base, actor: `api_key:${keyId}`, range_header: 'bytes=99999-', status: 416, bytes_sent: 0 },
        { ...base, actor: `agent:${ana.id}`, range_header: 'bytes=-4', status: 206, bytes_sent: 4 },
      ]);
    });

    it("answers 404 for another account's recording, another call's, or a file no longer stored", async () => {
      expect((await download(undefined, b.key)).status).toBe(404);
      const other = await seedCall(t, { contactId: await contact(t), createdAt: '2030-03-01T11:00:00Z' });
      expect((await t.call('GET', `/v1/calls/${other}/recordings/${file.id}`)).status).toBe(404);
      const gone = await seedRecording(t, callId, { kind: 'speaker', speaker: 'customer' });
      await storage.delete(gone.key);
      expect((await t.call('GET', `/v1/calls/${callId}/recordings/${gone.id}`)).status).toBe(404);
      expect((await t.call('GET', `/v1/calls/${callId}/recordings/x`)).status).toBe(400);
      // the refused attempt is audited under the asking account, with nothing sent
      const { rows } = await pool.query('SELECT status, bytes_sent::int AS bytes_sent FROM recording_downloads WHERE account_id = $1 AND recording_id = $2', [
        b.accountId,
        file.id,
      ]);
      expect(rows).toEqual([{ status: 404, bytes_sent: 0 }]);
    });
  });

  describe('GET and PUT /v1/call-recording-settings', () => {
    it('starts from the defaults, is replaced by a PUT, and is per account', async () => {
      const t = await createTenant(api, config, 'Loja Política');
      expect((await t.call('GET', '/v1/call-recording-settings')).body).toEqual({ enabled: true, retention_days: 90, consent_message: null });
      const put = await t.call('PUT', '/v1/call-recording-settings', { enabled: false, retention_days: 30, consent_message: 'Esta ligação é gravada.' });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ enabled: false, retention_days: 30, consent_message: 'Esta ligação é gravada.' });
      expect((await t.call('PUT', '/v1/call-recording-settings', { enabled: false, retention_days: null, consent_message: 'Esta ligação é gravada.' })).body).toEqual({
        enabled: false,
        retention_days: null,
        consent_message: 'Esta ligação é gravada.',
      });
      expect((await t.call('GET', '/v1/call-recording-settings')).body).toEqual({ enabled: false, retention_days: null, consent_message: 'Esta ligação é gravada.' });
      expect((await b.call('GET', '/v1/call-recording-settings')).body).toEqual({ enabled: true, retention_days: 90, consent_message: null });
      const ana = await agent(t, 'Ana');
      expect((await apiClient(api.url, ana.key)('GET', '/v1/call-recording-settings')).status).toBe(200);
      expect((await apiClient(api.url, ana.key)('PUT', '/v1/call-recording-settings', { enabled: true, retention_days: 90, consent_message: null })).status).toBe(403);
    });

    it('refuses invalid values naming the field', async () => {
      const valid = { enabled: true, retention_days: 30, consent_message: null };
      const cases: Array<[object, string]> = [
        [{ enabled: true, consent_message: null }, 'retention_days'],
        [{ retention_days: 30, consent_message: null }, 'enabled'],
        [{ enabled: true, retention_days: 30 }, 'consent_message'],
        [{ retention_days: 0 }, 'retention_days'],
        [{ retention_days: 3651 }, 'retention_days'],
        [{ retention_days: 1.5 }, 'retention_days'],
        [{ retention_days: '30' }, 'retention_days'],
        [{ enabled: 'yes' }, 'enabled'],
        [{ consent_message: 'x'.repeat(1001) }, 'consent_message'],
        [{ consent_message: 42 }, 'consent_message'],
        [{ retain: 3 }, 'retain'],
      ];
      for (const [body, field] of cases) {
        const res = await a.call('PUT', '/v1/call-recording-settings', Object.keys(body).length === 1 ? { ...valid, ...body } : body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        expect(JSON.stringify(res.body.message)).toContain(field);
      }
      expect((await a.call('PUT', '/v1/call-recording-settings', { enabled: true, retention_days: 3650, consent_message: 'x'.repeat(1000) })).status).toBe(200);
    });
  });

  describe('GET /v1/contacts/{id}/thread', () => {
    it('interleaves messages and calls newest first, with deep links, the latest call unfolded with its transcript', async () => {
      const t = await createTenant(api, config, 'Loja Conversa');
      const maria = await contact(t, 'Maria Silva');
      const message = async (at: string, text: string) =>
        (
          await pool.query<{ id: string }>(
            `INSERT INTO messages (account_id, contact_id, channel, channel_account_id, direction, type, body, state, created_at)
             VALUES ($1, $2, 'whatsapp', $3, 'inbound', 'text', $4, 'received', $5) RETURNING id`,
            [t.accountId, maria, t.numberId, { text: { body: text } }, at],
          )
        ).rows[0].id;
      const m1 = await message('2030-04-01T09:00:00Z', 'Oi');
      const c1 = await seedCall(t, { contactId: maria, createdAt: '2030-04-01T10:00:00Z' });
      const m2 = await message('2030-04-01T11:00:00Z', 'Me liga?');
      const c2 = await seedCall(t, { contactId: maria, createdAt: '2030-04-01T12:00:00Z' });
      const m3 = await message('2030-04-01T13:00:00Z', 'Obrigada!');
      await seedPostCall(t, c1, TRANSCRIPT);
      await seedPostCall(t, c2, TRANSCRIPT);
      await seedRecording(t, c2, { kind: 'mixed' });
      // another contact's and another account's never show
      await seedCall(t, { contactId: await contact(t, 'João'), createdAt: '2030-04-01T12:30:00Z' });

      const all = await t.call('GET', `/v1/contacts/${maria}/thread`);
      expect(all.status).toBe(200);
      expect(all.body.items.map((i: { kind: string; message: { id: string } | null; call: { id: string } | null }) => [i.kind, i.message?.id ?? i.call?.id])).toEqual([
        ['message', m3],
        ['call', c2],
        ['message', m2],
        ['call', c1],
        ['message', m1],
      ]);
      expect(all.body.next_cursor).toBeNull();
      const [latest, older] = [all.body.items[1].call, all.body.items[3].call];
      expect(latest).toMatchObject({
        id: c2,
        collapsed: false,
        has_recording: true,
        has_transcript: true,
        transcript: TRANSCRIPT,
        summary: SUMMARY,
        deep_link: `https://app.example.com/contacts/${maria}/calls/${c2}`,
      });
      expect(older).toMatchObject({ id: c1, collapsed: true, transcript: null, has_transcript: true, deep_link: `https://app.example.com/contacts/${maria}/calls/${c1}` });
      expect(all.body.items[0]).toMatchObject({ kind: 'message', at: '2030-04-01T13:00:00.000Z', call: null, message: { id: m3, body: { text: { body: 'Obrigada!' } } } });

      // pages of two: the same items, the latest call unfolded on whichever page it falls
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: any } = await t.call('GET', `/v1/contacts/${maria}/thread?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        for (const i of page.body.items) {
          seen.push(i.message?.id ?? i.call.id);
          if (i.call) expect(i.call.collapsed).toBe(i.call.id !== c2);
        }
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual([m3, c2, m2, c1, m1]);

      expect((await b.call('GET', `/v1/contacts/${maria}/thread`)).status).toBe(404);
      expect((await t.call('GET', `/v1/contacts/${randomUUID()}/thread`)).status).toBe(404);
      expect((await t.call('GET', `/v1/contacts/${maria}/thread?cursor=abc`)).status).toBe(422);
      expect((await t.call('GET', `/v1/contacts/${maria}/thread?cursor=a.b`)).status).toBe(400);
      expect((await t.call('GET', `/v1/contacts/${maria}/thread?limit=101`)).status).toBe(400);
    });
  });

  describe('privacy', () => {
    const exists = async (key: string) => (await storage.size(key)) !== null;

    it("erasing a contact deletes its calls' recording files, transcripts, summaries and timelines; other contacts keep theirs", async () => {
      const t = await createTenant(api, config, 'Loja Apagar');
      const maria = await contact(t, 'Maria Silva');
      const joao = await contact(t, 'João');
      const call = await seedCall(t, { contactId: maria, createdAt: '2030-05-01T10:00:00Z' });
      const kept = await seedCall(t, { contactId: joao, createdAt: '2030-05-01T11:00:00Z' });
      const files = [await seedRecording(t, call, { kind: 'mixed' }), await seedRecording(t, call, { kind: 'speaker', speaker: 'customer' })];
      const joaoFile = await seedRecording(t, kept, { kind: 'mixed' });
      await seedPostCall(t, call);
      await seedPostCall(t, kept);
      await pool.query(`INSERT INTO call_events (account_id, call_id, kind, at) VALUES ($1, $2, 'answered', now()), ($1, $3, 'answered', now())`, [
        t.accountId,
        call,
        kept,
      ]);
      await pool.query(
        `INSERT INTO call_transcript_parts (recording_id, part, account_id, call_id, offset_ms, segments, model) VALUES ($1, 0, $2, $3, 0, '[]', 'whisper-1')`,
        [files[1].id, t.accountId, call],
      );
      for (const f of files) expect(await exists(f.key)).toBe(true);

      const erased = await t.call('DELETE', `/v1/contacts/${maria}`);
      expect(erased.status).toBe(200);
      expect(erased.body.summary).toMatchObject({ call_recordings: 2, recording_files: 2, call_postcall: 1, call_events: 1, call_transcript_parts: 1, calls: 1 });
      for (const f of files) expect(await exists(f.key)).toBe(false);
      const count = async (table: string, callId: string) => (await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE call_id = $1`, [callId])).rows[0].n;
      for (const table of ['call_recordings', 'call_postcall', 'call_events', 'call_transcript_parts']) expect({ table, n: await count(table, call) }).toEqual({ table, n: 0 });
      expect((await pool.query('SELECT count(*)::int AS n FROM recording_file_deletions WHERE account_id = $1', [t.accountId])).rows[0].n).toBe(0);
      // João's call is untouched
      expect(await exists(joaoFile.key)).toBe(true);
      expect((await t.call('GET', `/v1/calls/${kept}/details`)).body).toMatchObject({ transcript: TRANSCRIPT, recordings: [{ id: joaoFile.id }] });
      expect((await t.call('GET', `/v1/calls/${call}/details`)).status).toBe(404);
    });

    it('the retention job (on Temporal) deletes recordings past expires_at, files and rows, and keeps the transcript', async () => {
      const t = await createTenant(api, config, 'Loja Retenção');
      const maria = await contact(t);
      const call = await seedCall(t, { contactId: maria, createdAt: '2030-06-01T10:00:00Z' });
      const expired = await seedRecording(t, call, { kind: 'mixed', expiresAt: new Date(Date.now() - 60_000).toISOString() });
      const fresh = await seedRecording(t, call, { kind: 'speaker', speaker: 'customer' });
      const forever = await seedRecording(t, call, { kind: 'speaker', speaker: 'agent', expiresAt: null });
      await seedPostCall(t, call);
      // a file an erasure could not delete (storage was down) is retried by the job
      const leftover = `accounts/${t.accountId}/calls/${randomUUID()}/mixed.wav`;
      await storage.put(leftover, { bytes: Buffer.from('RIFF') }, 'audio/wav');
      await pool.query(`INSERT INTO recording_file_deletions (storage_key, account_id, contact_id, reason) VALUES ($1, $2, $3, 'erasure')`, [
        leftover,
        t.accountId,
        randomUUID(),
      ]);

      const worker = await startWorker(config);
      const temporal = await temporalClient(config);
      const job = await startRecordingRetention(temporal, config);
      try {
        // started again (another worker starting): the same run
        expect((await startRecordingRetention(temporal, config)).workflowId).toBe(job.workflowId);
        await eventually(async () => ((await exists(expired.key)) || (await exists(leftover)) ? undefined : true), 30_000, 'expired files deleted');
      } finally {
        await job.terminate('test finished');
        await temporal.connection.close();
        await worker.stop();
      }
      expect(await exists(fresh.key)).toBe(true);
      expect(await exists(forever.key)).toBe(true);
      const details = (await t.call('GET', `/v1/calls/${call}/details`)).body;
      expect(details.recordings.map((r: { id: string }) => r.id).sort()).toEqual([fresh.id, forever.id].sort());
      expect(details.transcript).toEqual(TRANSCRIPT);
      expect(details.summary).toEqual(SUMMARY);
      expect((await pool.query('SELECT count(*)::int AS n FROM recording_file_deletions WHERE account_id = $1', [t.accountId])).rows[0].n).toBe(0);
    });
  });
});
