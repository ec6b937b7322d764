import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import type { Config } from '../../src/config/config';
import { attributeConversion } from '../../src/funnels/stats/conversions';
import { encodeWav } from '../../src/media/wav';
import { LocalRecordingStorage } from '../../src/recording/storage';
import { canonicalEvent, FunnelRows } from './funnel-rows';
import { eventually, randomWaId, type createTenant, type RunningApi } from './stack';

/**
 * What the console's history and funnels tests read, seeded as recado's own code leaves it: a
 * completed call with real WAV recordings (a tone), its transcript and summary as the post-call
 * steps write them, an ongoing call, and a store with sends, a conversion and two deliveries it
 * could not use.
 */

export const SAMPLE_RATE = 8000;
export const RECORDING_SECONDS = 6;
/** The mixed track is ten minutes (9.6 MB): far more than the browser reads ahead, so a seek near its end must fetch a byte range. */
export const MIXED_SECONDS = 600;
export const BYTES_PER_SECOND = SAMPLE_RATE * 2;
/** Ana's line gets her agent id when seeded. */
const TRANSCRIPT = [
  { speaker: 'customer', agent_id: null, name: 'Marina Cliente', start_ms: 0, end_ms: 1800, text: 'Oi, meu pedido não chegou.' },
  { speaker: 'agent', agent_id: null as string | null, name: 'Ana Souza', start_ms: 2000, end_ms: 4200, text: 'Vou verificar agora mesmo.' },
];
export const SUMMARY = {
  reason: 'Pedido atrasado',
  outcome: 'A agente vai verificar com a transportadora',
  next_steps: ['Ligar amanhã'],
  sentiment: 'neutral',
  follow_up_date: '2030-01-02',
  generated_by: 'gpt-4o-mini',
};

export interface HistorySeed {
  pool: Pool;
  tenant: Awaited<ReturnType<typeof createTenant>>;
  /** The local recording storage's folder (the API's RECORDING_DIR). */
  dir: string;
  agentId: string;
  contactId: string;
}

export interface SeededRecording {
  id: string;
  bytes: Buffer;
}

/** A completed call with its three recordings, transcript and summary, and an ongoing call. */
export async function seedCallHistory(seed: HistorySeed) {
  const callId = await seedCall(seed);
  const ongoingId = await seedOngoingCall(seed);
  const mixed = await seedRecording(seed, callId, 'mixed');
  const customerTrack = await seedRecording(seed, callId, 'customer');
  const agentTrack = await seedRecording(seed, callId, 'agent');
  const transcript = TRANSCRIPT.map((line) => (line.speaker === 'agent' ? { ...line, agent_id: seed.agentId } : line));
  await seed.pool.query(
    `INSERT INTO call_postcall (call_id, account_id, recording_status, transcription_status, summary_status, transcript, summary)
     VALUES ($1, $2, 'done', 'done', 'done', $3, $4)`,
    [callId, seed.tenant.accountId, JSON.stringify(transcript), JSON.stringify(SUMMARY)],
  );
  return { callId, ongoingId, mixed, customerTrack, agentTrack };
}

/** A completed call Ana answered, a minute long. */
async function seedCall({ pool, tenant, contactId, agentId }: HistorySeed): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, agent_id, created_at,
                        ringing_at, accepted_at, ended_at, duration_seconds)
     VALUES ($1, $2, $3, $4, 'user_initiated', 'completed', $5, $6, now() - interval '1 hour', now() - interval '1 hour',
             now() - interval '59 minutes', now() - interval '58 minutes', 60)`,
    [id, tenant.accountId, tenant.numberId, contactId, `call-${id}`, agentId],
  );
  await pool.query(`INSERT INTO call_participants (call_id, account_id, agent_id, role, state) VALUES ($1, $2, $3, 'host', 'left')`, [
    id,
    tenant.accountId,
    agentId,
  ]);
  return id;
}

/** A call answered a minute ago and not ended: it floats above the history. */
async function seedOngoingCall({ pool, tenant, contactId, agentId }: HistorySeed): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO calls (id, account_id, whatsapp_number_id, contact_id, direction, state, room_name, agent_id, created_at, ringing_at, accepted_at)
     VALUES ($1, $2, $3, $4, 'business_initiated', 'accepted', $5, $6, now() - interval '2 minutes', now() - interval '2 minutes', now() - interval '1 minute')`,
    [id, tenant.accountId, tenant.numberId, contactId, `call-${id}`, agentId],
  );
  return id;
}

/** A real WAV file (a tone: ten minutes mixed, six seconds per speaker) in the local storage and its call_recordings row. */
async function seedRecording({ pool, tenant, agentId, dir }: HistorySeed, callId: string, track: 'mixed' | 'customer' | 'agent'): Promise<SeededRecording> {
  const id = randomUUID();
  const seconds = track === 'mixed' ? MIXED_SECONDS : RECORDING_SECONDS;
  const samples = new Int16Array(SAMPLE_RATE * seconds);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin((i * 2 * Math.PI * 440) / SAMPLE_RATE) * 4000);
  const bytes = encodeWav({ sampleRate: SAMPLE_RATE, channels: 1, samples });
  const key = `accounts/${tenant.accountId}/calls/${callId}/${track}-${id}.wav`;
  await new LocalRecordingStorage(dir).put(key, { bytes }, 'audio/wav');
  await pool.query(
    `INSERT INTO call_recordings (id, account_id, call_id, kind, speaker, agent_id, storage_key, content_type, bytes, duration_ms,
                                  sample_rate, offset_ms, gaps, recorder, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'audio/wav', $8, $9, $10, 0, '[]', 'participant', now() + interval '1 day')`,
    [
      id,
      tenant.accountId,
      callId,
      track === 'mixed' ? 'mixed' : 'speaker',
      track === 'mixed' ? null : track,
      track === 'agent' ? agentId : null,
      key,
      bytes.length,
      seconds * 1000,
      SAMPLE_RATE,
    ],
  );
  return { id, bytes };
}

/** A Hotmart store: two templates with sends, one conversion, a chargeback (unmapped) and a broken body (invalid). */
export async function seedFunnelStore({ pool, tenant, api, config }: Pick<HistorySeed, 'pool' | 'tenant'> & { api: RunningApi; config: Config }): Promise<string> {
  const created = await tenant.call('POST', '/v1/stores', {
    platform: 'hotmart',
    name: 'Loja Funil',
    channel_account_id: tenant.numberId,
    secrets: { hottok: 'hottok-da-loja' },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const rows = new FunnelRows(pool);
  const base = { accountId: tenant.accountId, storeId: id, channelAccountId: tenant.numberId };
  const wa = (receipts: Array<'sent' | 'delivered' | 'read' | 'failed'>) => ({ channel: 'whatsapp' as const, channelAccountId: tenant.numberId, receipts });
  const cart = await rows.template({ ...base, eventType: 'cart_abandoned', step: 0, variant: 'A' });
  const boleto = await rows.template({ ...base, eventType: 'boleto_issued', step: null, variant: 'A' });
  const sends: Array<{ template: string; funnel: 'cart_abandoned' | 'boleto_issued'; receipts: Array<'sent' | 'delivered' | 'read' | 'failed'> }> = [
    { template: cart, funnel: 'cart_abandoned', receipts: ['sent', 'delivered', 'read'] },
    { template: cart, funnel: 'cart_abandoned', receipts: ['sent', 'delivered'] },
    { template: cart, funnel: 'cart_abandoned', receipts: ['failed'] },
    { template: boleto, funnel: 'boleto_issued', receipts: ['sent', 'delivered', 'read'] },
  ];
  for (const [i, send] of sends.entries()) {
    const contact = await rows.contact(tenant.accountId, randomWaId(), `Cliente ${i}`);
    const orderId = `order-${i}`;
    const funnelId = await rows.funnel({ ...base, contactId: contact, funnel: send.funnel, subject: orderId, event: canonicalEvent(send.funnel, orderId, '25000') });
    await rows.notification({
      ...base,
      contactId: contact,
      funnelId,
      step: 0,
      eventType: send.funnel,
      templateId: send.template,
      variant: 'A',
      state: 'sent',
      sentAt: new Date(Date.now() - 3_600_000),
      dispatch: { attempts: [wa(send.receipts)], finished: send.receipts.includes('failed') ? 'undelivered' : 'delivered' },
    });
    if (i === 0) {
      const client = await pool.connect();
      try {
        const amount = { amountMinor: '25000', currency: 'BRL' };
        const input = { accountId: tenant.accountId, storeId: id, contactId: contact, orderId, amount, at: new Date(), windowMs: config.funnelStats.conversionWindowMs };
        expect(await attributeConversion(client, input)).not.toBeNull();
      } finally {
        client.release();
      }
    }
  }
  const hook = (body: string) =>
    fetch(created.body.webhook_url.replace(config.api.publicUrl, api.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hotmart-hottok': 'hottok-da-loja' },
      body,
    });
  expect((await hook(readFileSync(path.join(__dirname, '..', 'fixtures/stores/hotmart/test-purchase-chargeback.json'), 'utf8'))).status).toBe(200);
  expect((await hook('{"event": "PURCHASE_APPROVED", ')).status).toBe(200);
  for (const status of ['unmapped', 'invalid']) {
    await eventually(async () => ((await tenant.call('GET', `/v1/stores/${id}/events?status=${status}`)).body.length > 0 ? true : undefined), 20_000, `${status} event`);
  }
  return id;
}
