import { createHmac, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';


/**
 * The store webhooks npm run bench:ingest posts: the platforms' documented payloads
 * (test/fixtures/stores/<platform>/, sources in their README.md), each made a distinct event —
 * its own event id, order / cart id, customer e-mail and phone — and signed the platform's way.
 *
 * Every string id in an event carries `bnch<n>x`, so the bench finds which events reached
 * store_events from the stored raw bodies (and Shopify's, whose ids are numbers, from its
 * X-Shopify-Webhook-Id header, stored with the delivery).
 */

export type BenchPlatform = 'shopify' | 'hotmart' | 'pagarme' | 'asaas';
export const BENCH_PLATFORMS: BenchPlatform[] = ['shopify', 'hotmart', 'pagarme', 'asaas'];

/** Each store's credentials, as POST /v1/stores takes them. */
export const BENCH_SECRETS: Record<BenchPlatform, Record<string, string>> = {
  shopify: { webhook_secret: 'shpss_bench_ingest_0001' },
  hotmart: { hottok: 'hottok-bench-ingest-0001' },
  pagarme: { basic_auth_user: 'recado', basic_auth_password: 'bench-ingest-basic-0001', signature_secret: 'sk_bench_ingest_0001' },
  asaas: { access_token: 'asaas-bench-ingest-0001' },
};

interface Shape {
  platform: BenchPlatform;
  file: string;
  /** What the customer did, for the mix report. */
  kind: 'cart' | 'boleto' | 'pix' | 'approved' | 'shipped' | 'declined';
  weight: number;
  /** Shopify: the body is this key of the fixture (the SDK's REST resources are wrapped). */
  unwrap?: string;
  /** Shopify: X-Shopify-Topic. */
  topic?: string;
  patch?: Record<string, unknown>;
}

/**
 * A store's day: mostly carts, boletos and PIX waiting to be paid, then approvals and shipping
 * (weights are shares of the events; the built Shopify orders are marked in its fixtures' README).
 */
const MIX: Shape[] = [
  { platform: 'shopify', file: 'checkouts-create.json', kind: 'cart', weight: 10, topic: 'checkouts/create' },
  { platform: 'shopify', file: 'sdk-order.json', unwrap: 'order', kind: 'boleto', weight: 4, topic: 'orders/create',
    patch: { financial_status: 'pending', payment_gateway_names: ['Boleto Bancário (Mercado Pago)'], currency: 'BRL', total_price: '199.90' } },
  { platform: 'shopify', file: 'sdk-order.json', unwrap: 'order', kind: 'pix', weight: 4, topic: 'orders/create',
    patch: { financial_status: 'pending', payment_gateway_names: ['pix'], currency: 'BRL', total_price: '89.90' } },
  { platform: 'shopify', file: 'sdk-order.json', unwrap: 'order', kind: 'approved', weight: 6, topic: 'orders/paid', patch: { financial_status: 'paid' } },
  { platform: 'shopify', file: 'fulfillments-create.json', kind: 'shipped', weight: 5, topic: 'fulfillments/create' },
  { platform: 'hotmart', file: 'n8n-purchase-out-of-shopping-cart.json', kind: 'cart', weight: 8 },
  { platform: 'hotmart', file: 'n8n-purchase-billet-printed-billet.json', kind: 'boleto', weight: 5 },
  { platform: 'hotmart', file: 'n8n-purchase-billet-printed-pix.json', kind: 'pix', weight: 5 },
  { platform: 'hotmart', file: 'test-purchase-approved.json', kind: 'approved', weight: 5 },
  { platform: 'hotmart', file: 'n8n-purchase-complete.json', kind: 'approved', weight: 2 },
  { platform: 'pagarme', file: 'charge-pending-boleto.json', kind: 'boleto', weight: 5 },
  { platform: 'pagarme', file: 'charge-pending-pix.json', kind: 'pix', weight: 6 },
  { platform: 'pagarme', file: 'order-paid.json', kind: 'approved', weight: 5 },
  { platform: 'pagarme', file: 'charge-payment-failed-card.json', kind: 'declined', weight: 2 },
  { platform: 'asaas', file: 'payment-created-boleto.json', kind: 'boleto', weight: 6 },
  { platform: 'asaas', file: 'payment-created-pix.json', kind: 'pix', weight: 6 },
  { platform: 'asaas', file: 'payment-received.json', kind: 'approved', weight: 4 },
  { platform: 'asaas', file: 'payment-confirmed-boleto.json', kind: 'approved', weight: 3 },
  { platform: 'asaas', file: 'payment-overdue-one-off.json', kind: 'boleto', weight: 2 },
];

export interface BenchEvent {
  n: number;
  platform: BenchPlatform;
  kind: Shape['kind'];
  file: string;
  body: string;
  /** The platform's own headers, authentication included. */
  headers: Record<string, string>;
}

/** Keys whose values are ids: made distinct per event (consistently within one event). */
const ID_KEYS = new Set(['id', 'order_id', 'checkout_id', 'transaction', 'token', 'cart_token', 'externalReference', 'customer', 'code', 'payment', 'subscription']);
const PHONE_KEYS = new Set(['phone', 'checkout_phone', 'mobilePhone']);

export function markerOf(n: number): string {
  return `bnch${n}x`;
}

/** `count` distinct events (numbered from `first`) in the MIX's proportions, deterministic for a seed. */
export function generateEvents(count: number, random: () => number, first = 0): BenchEvent[] {
  const fixtures = new Map<string, unknown>();
  const total = MIX.reduce((s, m) => s + m.weight, 0);
  const events: BenchEvent[] = [];
  for (let n = first; n < first + count; n++) {
    let pick = random() * total;
    const shape = MIX.find((m) => (pick -= m.weight) < 0) ?? MIX[MIX.length - 1];
    const key = `${shape.platform}/${shape.file}`;
    if (!fixtures.has(key)) fixtures.set(key, JSON.parse(fs.readFileSync(fixturePath(shape.platform, shape.file), 'utf8')));
    let doc = structuredClone(fixtures.get(key)) as Record<string, unknown>;
    if (shape.unwrap) doc = doc[shape.unwrap] as Record<string, unknown>;
    Object.assign(doc, shape.patch ?? {});
    const body = JSON.stringify(distinct(doc, n));
    events.push({ n, platform: shape.platform, kind: shape.kind, file: shape.file, body, headers: sign(shape, body, n) });
  }
  return events;
}

function fixturePath(platform: string, file: string): string {
  // Compiled to dist/scripts/bench: the fixtures stay in the repository's test/.
  for (const up of ['..', '../..', '../../..']) {
    const candidate = path.join(__dirname, up, 'test', 'fixtures', 'stores', platform, file);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`fixture ${platform}/${file} not found from ${__dirname}`);
}

/** The event's own ids, customer e-mail and phone. */
function distinct(doc: unknown, n: number): unknown {
  const ids = new Map<unknown, unknown>();
  const phone = 10_000_000 + (n % 90_000_000);
  const walk = (value: unknown, key: string, parent: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, key, parent));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k, key)]));
    }
    if (key === 'email' && typeof value === 'string') return `cliente.${markerOf(n)}@bench.example`;
    if (PHONE_KEYS.has(key) && typeof value === 'string') return `+55 11 9${phone}`;
    if (key === 'number' && parent === 'mobile_phone') return 900_000_000 + (n % 99_999_999);
    if (ID_KEYS.has(key) && (typeof value === 'string' || typeof value === 'number')) {
      if (!ids.has(value)) ids.set(value, typeof value === 'string' ? `${value}-${markerOf(n)}` : 700_000_000_000 + n * 64 + ids.size);
      return ids.get(value);
    }
    return value;
  };
  return walk(doc, '', '');
}

function sign(shape: Shape, body: string, n: number): Record<string, string> {
  const secrets = BENCH_SECRETS[shape.platform];
  switch (shape.platform) {
    case 'shopify':
      return {
        'x-shopify-topic': shape.topic!,
        'x-shopify-webhook-id': `${markerOf(n)}-${randomUUID()}`,
        'x-shopify-hmac-sha256': createHmac('sha256', secrets.webhook_secret).update(body).digest('base64'),
      };
    case 'hotmart':
      return { 'x-hotmart-hottok': secrets.hottok };
    case 'pagarme':
      return {
        authorization: `Basic ${Buffer.from(`${secrets.basic_auth_user}:${secrets.basic_auth_password}`).toString('base64')}`,
        'x-hub-signature': `sha1=${createHmac('sha1', secrets.signature_secret).update(body).digest('hex')}`,
      };
    case 'asaas':
      return { 'asaas-access-token': secrets.access_token };
  }
}

