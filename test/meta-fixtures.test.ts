import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { NumbersService } from '../src/numbers/numbers.service';
import { signWebhook } from '../src/whatsapp/signature';
import { startCallingStack } from './support/calling';
import { endRunningOnTaskQueue } from '../src/infra/end-workflows';
import { apiClient, createTenant, eventually } from './support/stack';

/**
 * Every webhook body in test/fixtures/meta — copied from Meta's docs and spec and from
 * maintained SDKs' fixtures, none written by this project — goes through the real signed
 * endpoint, and its stored outcome and effect are checked against what the fixture's manifest
 * says it holds. Exceptions are listed in EXPECTED_INVALID, each explained in the README.
 */

const FIXTURES = path.join(__dirname, 'fixtures', 'meta');

interface ManifestEvent {
  kind: 'message' | 'status' | 'permission_reply' | 'call_connect' | 'call_terminate' | 'call_status' | 'other';
  type?: string;
  wamid?: string;
  from?: string;
  status?: string;
  response?: string;
  expiration_timestamp?: string | number;
  direction?: string | null;
  sdp_type?: string;
  call_id?: string;
}
interface ManifestEntry {
  file: string;
  source: string;
  events: ManifestEvent[];
}

const manifest: ManifestEntry[] = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8'));
const bodyOf = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8');

/** Published with parts elided that no receiver could do without (see README, "Exceptions"). */
const EXPECTED_INVALID: Record<string, RegExp> = {
  'meta-docs/call_permission_reply_skeleton.json': /metadata\.phone_number_id: is required/,
};

/** Statuses that move a business message forward, each with its own timestamp column. */
const TRACKED = new Set(['sent', 'delivered', 'read', 'played', 'failed']);

type Payload = { entry?: Array<{ id?: string; changes?: Array<{ field?: string; value?: Record<string, any> }> }> };
const changesOf = (file: string) => ((JSON.parse(bodyOf(file)) as Payload).entry ?? []).flatMap((e) => e.changes ?? []);
const isGroupMessage = (file: string, wamid?: string) =>
  changesOf(file).some((c) => (c.value?.messages ?? []).some((m: any) => m.id === wamid && m.group_id !== undefined));

describe('Meta webhook payloads published by others, through the real endpoint', () => {
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let db: Pool;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const numberIds = new Map<string, string>();

  beforeAll(async () => {
    stack = await startCallingStack();
    db = new Pool({ connectionString: stack.config.databaseUrl, max: 2 });
    tenant = await createTenant(stack.api, stack.config, 'Fixtures');
    // Every number the fixtures name (placeholders included) is connected to the tenant. The
    // samples' ids are fixed, so one an earlier test file connected (the API's own example id) is
    // released first.
    const numbers = stack.api.app.get(NumbersService);
    const phoneNumberIds = new Set(manifest.flatMap((f) => changesOf(f.file).map((c) => c.value?.metadata?.phone_number_id)));
    for (const phoneNumberId of phoneNumberIds) {
      if (typeof phoneNumberId !== 'string') continue;
      await db.query('DELETE FROM whatsapp_numbers WHERE phone_number_id = $1', [phoneNumberId]);
      const number = await numbers.connect(tenant.accountId, {
        phone_number_id: phoneNumberId,
        waba_id: '102290129340398',
        display_phone_number: '+1 555 000 0000',
        access_token: 'fixture-token',
      });
      numberIds.set(phoneNumberId, number.id);
    }
  });

  afterAll(async () => {
    // Permission workflows wait days for their expiry and calls ring for a while: end them here.
    await endRunningOnTaskQueue(stack.config.temporal, 'meta fixture replay finished');
    await db.end();
    await stack.stop();
  });

  const post = async (raw: string) =>
    fetch(`${stack.api.url}/v1/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, stack.config.whatsapp.appSecret) },
      body: raw,
    });

  /** The contact holding this WhatsApp id, created when there is none. */
  async function contactIdFor(waId: string): Promise<string> {
    const found = await db.query<{ contact_id: string }>(
      "SELECT contact_id FROM contact_identities WHERE account_id = $1 AND kind = 'whatsapp' AND value = $2",
      [tenant.accountId, waId],
    );
    if (found.rows[0]) return found.rows[0].contact_id;
    const created = await db.query<{ id: string }>('INSERT INTO contacts (account_id) VALUES ($1) RETURNING id', [tenant.accountId]);
    await db.query("INSERT INTO contact_identities (account_id, contact_id, kind, value) VALUES ($1, $2, 'whatsapp', $3)", [
      tenant.accountId,
      created.rows[0].id,
      waId,
    ]);
    return created.rows[0].id;
  }

  /** An outbound message carrying the wamid a status fixture reports on, so its effect can be seen. */
  async function seedOutbound(phoneNumberId: string, wamid: string, recipient: string) {
    const numberId = numberIds.get(phoneNumberId)!;
    const contact = { rows: [{ id: await contactIdFor(recipient) }] };
    await db.query(
      `INSERT INTO messages (account_id, contact_id, channel, channel_account_id, direction, type, body, state, provider_message_id, accepted_at)
       VALUES ($1, $2, 'whatsapp', $3, 'outbound', 'text', '{}', 'accepted', $4, now()) ON CONFLICT (channel_account_id, provider_message_id) DO NOTHING`,
      [tenant.accountId, contact.rows[0].id, numberId, wamid],
    );
  }

  async function storedDelivery(raw: string) {
    const { rows } = await db.query<{ status: string; error: string | null; warnings: string[] }>(
      'SELECT status, error, warnings FROM inbound_webhooks WHERE raw_body = $1 ORDER BY id DESC LIMIT 1',
      [raw],
    );
    return rows[0];
  }

  it('holds a manifest entry, with its source, for every fixture', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(70);
    for (const entry of manifest) {
      expect(entry.source).toBeTruthy();
      expect(() => JSON.parse(bodyOf(entry.file))).not.toThrow();
    }
  });

  /**
   * The sources reuse sample ids across examples (one wamid for many message types, one wacid
   * for a business-initiated answer and a customer's offer). Meta's ids are unique, so recado
   * de-duplicates on them; each fixture is therefore replayed as the first event with its ids.
   */
  async function forgetIdsOf(file: string) {
    const ids = changesOf(file).flatMap((c) =>
      [...(c.value?.messages ?? []), ...(c.value?.statuses ?? []), ...(c.value?.calls ?? [])].map((item: any) => String(item.id)),
    );
    if (!ids.length) return;
    await db.query(`DELETE FROM webhook_events WHERE provider = 'whatsapp' AND split_part(dedupe_key, ':', 1) = ANY($1)`, [ids]);
    await db.query('DELETE FROM messages WHERE account_id = $1 AND provider_message_id = ANY($2)', [tenant.accountId, ids]);
  }

  it.each(manifest.map((f) => [f.file, f] as const))('%s', async (file, entry) => {
    const raw = bodyOf(file);
    await forgetIdsOf(file);
    for (const change of changesOf(file)) {
      for (const status of change.value?.statuses ?? []) {
        const phoneNumberId = change.value?.metadata?.phone_number_id;
        if (change.field === 'messages' && typeof status.id === 'string' && numberIds.has(phoneNumberId)) {
          await seedOutbound(phoneNumberId, status.id, String(status.recipient_id ?? status.recipient_user_id ?? 'unknown-recipient'));
        }
      }
    }

    // Meta redelivers: the second copy changes nothing.
    for (let delivery = 0; delivery < 2; delivery++) expect((await post(raw)).status).toBe(200);
    const stored = await storedDelivery(raw);

    if (EXPECTED_INVALID[file]) {
      expect(stored.status).toBe('invalid');
      expect(stored.error).toMatch(EXPECTED_INVALID[file]);
      return;
    }
    const acted = entry.events.filter((e) => e.kind !== 'other' && !(e.kind === 'message' && isGroupMessage(file, e.wamid)));
    expect({ status: stored.status, error: stored.error }).toEqual({ status: acted.length ? 'processed' : 'ignored', error: null });
    expect(stored.warnings.filter((w) => w.includes('not understood'))).toEqual([]);

    for (const event of acted) {
      switch (event.kind) {
        case 'message': {
          const { rows } = await db.query('SELECT type FROM messages WHERE provider_message_id = $1 AND direction = $2', [event.wamid, 'inbound']);
          expect(rows).toEqual([{ type: event.type }]);
          break;
        }
        case 'status': {
          if (!TRACKED.has(event.status!)) break;
          const { rows } = await db.query(`SELECT ${event.status}_at AS at FROM messages WHERE provider_message_id = $1`, [event.wamid]);
          expect(rows[0]?.at).toBeInstanceOf(Date);
          break;
        }
        case 'permission_reply': {
          const contact = await db.query<{ id: string }>(
            "SELECT contact_id AS id FROM contact_identities WHERE account_id = $1 AND kind = 'whatsapp' AND value = $2",
            [tenant.accountId, event.from],
          );
          const change = changesOf(file).find((c) => (c.value?.messages ?? []).some((m: any) => m.id === event.wamid))!;
          const numberId = numberIds.get(change.value!.metadata.phone_number_id)!;
          // A sample's expiration_timestamp may already be past: that grant has lapsed.
          const expiresAt = Number(event.expiration_timestamp) * 1000;
          const wanted = event.response !== 'accept' ? 'denied' : expiresAt < Date.now() ? 'expired' : 'granted';
          await eventually(async () => {
            const res = await tenant.call('GET', `/v1/call-permissions?whatsapp_number_id=${numberId}&contact_id=${contact.rows[0].id}`);
            return res.body?.status === wanted ? true : undefined;
          }, 20_000, `call permission ${wanted}`);
          break;
        }
        case 'call_connect': {
          if (event.sdp_type === 'offer') {
            const { rows } = await db.query('SELECT direction FROM calls WHERE whatsapp_call_id = $1', [event.call_id]);
            expect(rows).toEqual([{ direction: 'user_initiated' }]);
          } else {
            await expectEventKept(event.call_id!);
          }
          break;
        }
        case 'call_terminate':
        case 'call_status':
          await expectEventKept(event.call_id!);
          break;
      }
    }
  });

  /** A call event for a call recado did not place is kept (not lost, not invalid). */
  async function expectEventKept(callId: string) {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM webhook_events WHERE dedupe_key LIKE $1', [`${callId}:%`]);
    expect(rows[0].n).toBeGreaterThan(0);
  }

  it('stored each inbound message once across all deliveries', async () => {
    const { rows } = await db.query(
      `SELECT provider_message_id, count(*)::int AS n FROM messages WHERE account_id = $1 GROUP BY 1 HAVING count(*) > 1`,
      [tenant.accountId],
    );
    expect(rows).toEqual([]);
    const deliveries = (await apiClient(stack.api.url, tenant.key)('GET', '/v1/webhooks?status=processed&limit=200')).body;
    expect(deliveries.length).toBeGreaterThan(0);
  });
});
