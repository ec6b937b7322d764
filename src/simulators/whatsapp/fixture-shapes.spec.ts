import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { WhatsAppGraphClient } from '../../whatsapp/graph-client';
import { parseWebhookPayload, type WhatsAppWebhookEvent } from '../../whatsapp/webhook-events';
import { startWebhookReceiver, until, type WebhookReceiver } from '../webhook-receiver.spec-helper';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from './server';

/**
 * The simulator's webhooks against what Meta and maintained SDKs publish, not only against
 * recado's schema: every field the simulator sends, with its JSON type, must appear in some
 * published payload of the same kind (test/fixtures/meta). A field Meta never shows, or a number
 * where Meta sends a string, fails here even when the schema would let it through.
 */

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'meta');
const SECRET = 'shape-secret';
const PHONE = '106540352242922';
const CUSTOMER = '5511987654321';

const PERMISSION_REPLY = 'message:interactive:call_permission_reply';

/** What a webhook is about, in words a fixture and a simulator webhook share. */
function kindOf(event: WhatsAppWebhookEvent): string {
  switch (event.kind) {
    case 'message':
      return event.interactive ? `message:interactive:${event.interactive.type}` : `message:${event.type}`;
    case 'status':
      return 'status';
    case 'call':
      return `call:${event.event}:${event.direction ?? '?'}`;
    case 'call_status':
      return 'call_status';
    default:
      return `ignored:${event.field}`;
  }
}

/** `entry[].changes[].value.statuses[].status:string` — each leaf's path and JSON type. */
function shape(value: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) shape(item, `${at}[]`, out);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) shape(v, at ? `${at}.${key}` : key, out);
  } else {
    out.add(`${at}:${value === null ? 'null' : typeof value}`);
  }
  return out;
}

function publishedShapes(): Map<string, Set<string>> {
  const byKind = new Map<string, Set<string>>();
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : name.endsWith('.json') && name !== 'manifest.json' ? [full] : [];
    });
  for (const file of files(FIXTURES)) {
    const payload = JSON.parse(readFileSync(file, 'utf8'));
    const { events } = parseWebhookPayload(payload);
    // Only single-event payloads: the shape then belongs to that one kind. Meta's permission-reply
    // sample elides its metadata, so it reads as nothing; it still shows the reply's fields.
    const kind = events.length === 1 ? kindOf(events[0]) : /call_permission_reply/.test(JSON.stringify(payload)) ? PERMISSION_REPLY : undefined;
    if (!kind) continue;
    const shapes = byKind.get(kind) ?? new Set<string>();
    for (const s of shape(payload)) shapes.add(s);
    byKind.set(kind, shapes);
  }
  return byKind;
}

let sim: RunningWhatsAppSimulator;
let receiver: WebhookReceiver;
let client: WhatsAppGraphClient;
const control = async (p: string, body: unknown = {}) =>
  (await fetch(`${sim.url}/_sim${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  sim = await startWhatsAppSimulator({ webhookUrl: receiver.url, appSecret: SECRET, statusDelayMs: 10, pairRateLimit: false });
  client = new WhatsAppGraphClient({ baseUrl: sim.url, version: 'v23.0', accessToken: 'simulator-token', timeoutMs: 5000 });
});

afterAll(async () => {
  await sim?.close();
  await receiver?.app.close();
});

describe('the WhatsApp simulator’s webhooks have the shapes Meta publishes', () => {
  it('for messages, statuses, permission replies and calls both ways', async () => {
    const offer = { sdp_type: 'offer' as const, sdp: 'v=0\r\n' };
    await control(`/customers/${CUSTOMER}/messages`, { phone_number_id: PHONE, text: 'Oi, tem dipirona?' });
    await client.sendMessage(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'Temos!' } });
    await client.sendMessage(PHONE, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'interactive',
      interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'Podemos ligar?' } },
    });
    await until('delivered', () => receiver.events().some((e) => e.kind === 'status' && e.status === 'delivered'));
    await control(`/customers/${CUSTOMER}/read`, { phone_number_id: PHONE });
    await control(`/customers/${CUSTOMER}/call-permission-reply`, { phone_number_id: PHONE, accept: true });

    const business = await client.callAction(PHONE, { messaging_product: 'whatsapp', to: CUSTOMER, action: 'connect', session: offer });
    const businessCallId = (business as { calls: Array<{ id: string }> }).calls[0].id;
    await control(`/calls/${businessCallId}/accept`);
    await client.callAction(PHONE, { messaging_product: 'whatsapp', call_id: businessCallId, action: 'terminate' });
    const customer = (await control(`/customers/${CUSTOMER}/calls`, { phone_number_id: PHONE })) as { call: { id: string } };
    await control(`/calls/${customer.call.id}/terminate`);
    await sim.simulator.settle();

    const published = publishedShapes();
    const seen = new Set<string>();
    const unpublished: string[] = [];
    for (const delivery of receiver.received) {
      // recado's own reader finds nothing to normalise in what the simulator sends.
      expect(delivery.warnings).toEqual([]);
      expect(delivery.events).toHaveLength(1);
      const kind = kindOf(delivery.events[0]);
      seen.add(kind);
      const shapes = published.get(kind);
      if (!shapes) {
        unpublished.push(`${kind}: no published payload of this kind`);
        continue;
      }
      for (const s of shape(JSON.parse(delivery.raw))) if (!shapes.has(s)) unpublished.push(`${kind}: ${s}`);
    }
    expect([...seen].sort()).toEqual([
      'call:connect:BUSINESS_INITIATED',
      'call:connect:USER_INITIATED',
      'call:terminate:BUSINESS_INITIATED',
      'call:terminate:USER_INITIATED',
      'call_status',
      'message:interactive:call_permission_reply',
      'message:text',
      'status',
    ]);
    expect(unpublished).toEqual([]);
  });
});
