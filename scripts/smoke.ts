/**
 * The main job on the embedded stack (run by `npm run setup`): every piece wired end to end.
 * An account is created, a WhatsApp number connected, the customer writes first (opening
 * the 24 h window), recado answers through Temporal and the WhatsApp simulator, and the
 * signed status webhooks take the message to "read"; a customer's checkout intent becomes a deal
 * in the CRM and their payment on the gateway wins it. Prints one JSON line last.
 *
 * It runs in the app's Temporal namespace on purpose: it is the demo a new user watches, so its
 * workflows are there to be found in the UI by its account (RecadoAccountId). It ends everything
 * it started: a workflow of its account still running at the end is terminated and fails the run.
 */
import { Client, Connection } from '@temporalio/client';

const API = process.env.RECADO_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? '3000'}`;
const SIMULATOR = process.env.WHATSAPP_GRAPH_URL ?? 'http://127.0.0.1:4010';
const ADMIN_TOKEN = process.env.RECADO_ADMIN_TOKEN ?? 'recado-dev-admin-token';
const TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const TEMPORAL_NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';
const TEMPORAL_UI = `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`;
const PIPEDRIVE = process.env.PIPEDRIVE_API_URL ?? 'http://127.0.0.1:4050';
const PAGARME = process.env.PAGARME_API_URL ?? 'http://127.0.0.1:4070';
const PUBLIC_API_URL = process.env.PUBLIC_API_URL ?? API;

async function call(method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const step = (text: string) => console.log(`[smoke] ${text}`);

async function listIds(temporal: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of temporal.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

async function main() {
  const started = Date.now();
  const health = await call('GET', `${API}/health`);
  step(`health: ${Object.entries(health.dependencies).map(([k, v]) => `${k} ${(v as { status: string }).status}`).join(', ')}`);

  const { account, api_key } = await call('POST', `${API}/v1/admin/accounts`, ADMIN_TOKEN, { name: 'Farmácia Demo' });
  const key: string = api_key.key;
  const phoneNumberId = String(Date.now()).slice(-12);
  const number = await call('POST', `${API}/v1/whatsapp-numbers`, key, {
    phone_number_id: phoneNumberId,
    waba_id: '102290129340398',
    display_phone_number: '+55 11 4000-0000',
    access_token: 'simulator-token',
  });
  step(`account ${account.id} with number ${phoneNumberId}`);

  const customer = `5511${String(Date.now()).slice(-9)}`;
  await call('POST', `${SIMULATOR}/_sim/customers/${customer}/messages`, undefined, {
    phone_number_id: phoneNumberId,
    text: 'Olá! Meu pedido já saiu?',
  });
  const contact = await until('the inbound message', async () => {
    const [c] = await call('GET', `${API}/v1/contacts?wa_id=${customer}`, key);
    return c?.channels?.whatsapp?.last_inbound_at ? c : undefined;
  });
  step(`customer ${customer} wrote; 24 h window open since ${contact.channels.whatsapp.last_inbound_at}`);

  const sentAt = Date.now();
  const message = await call('POST', `${API}/v1/messages`, key, {
    whatsapp_number_id: number.id,
    contact_id: contact.id,
    type: 'text',
    text: { body: 'Saiu sim! Chega amanhã até as 18h.' },
  });
  const delivered = await until('delivered', async () => {
    const m = await call('GET', `${API}/v1/messages/${message.id}`, key);
    return m.delivered_at ? m : undefined;
  });
  const deliveredMs = Date.now() - sentAt;
  step(`message ${message.id} delivered as ${delivered.provider_message_id}`);

  await call('POST', `${SIMULATOR}/_sim/customers/${customer}/read`, undefined, { phone_number_id: phoneNumberId });
  const read = await until('read', async () => {
    const m = await call('GET', `${API}/v1/messages/${message.id}`, key);
    return m.read_at ? m : undefined;
  });
  step(`read at ${read.read_at}`);

  // A routed marketing message: the customer's window is open, so its template goes free-form (converted, free).
  const dispatch = await call('POST', `${API}/v1/dispatches`, key, {
    contact_id: contact.id,
    category: 'marketing',
    content: {
      text: 'Oi! Você esqueceu itens no carrinho. Finalize sua compra!',
      buttons: [{ id: 'finish', title: 'Finalizar compra' }],
      template: { name: 'carrinho_abandonado', language: 'pt_BR', parameters: ['cliente'] },
    },
  });
  const routed = await until('the routed message delivered', async () => {
    const d = await call('GET', `${API}/v1/dispatches/${dispatch.id}`, key);
    if (d.state === 'undelivered') throw new Error(`dispatch ${dispatch.id} undelivered`);
    return d.state === 'delivered' ? d : undefined;
  });
  const costs = await call('GET', `${API}/v1/costs`, key);
  step(`routed ${routed.plan.map((p: { step: string }) => p.step).join(' → ')}: delivered; cost ${costs.currency} ${costs.cost}, saved by conversion ${costs.saved_by_conversion}`);

  // The contact reaches the search index through the outbox and the indexer workflow.
  const searchStarted = Date.now();
  const hit = await until('the contact in search', async () => {
    const result = await call('GET', `${API}/v1/contacts/search?q=${customer}&reachable=whatsapp`, key);
    return result.hits.find((h: { id: string }) => h.id === contact.id) ? result : undefined;
  });
  const searchMs = Date.now() - searchStarted;
  step(`contact found by searching its number (${hit.found} hit, index lag ${hit.index_lag_ms} ms)`);

  const checkout = await leadCapture(key, number.id);

  const temporal = new Client({ connection: await Connection.connect({ address: TEMPORAL_ADDRESS }), namespace: TEMPORAL_NAMESPACE });
  let leftRunning: string[];
  try {
    const ofAccount = `RecadoAccountId = '${account.id}'`;
    // Visibility lags a little behind the workflows themselves.
    const found = await until('the send workflow in the Temporal UI', async () => {
      const ids = await listIds(temporal, `${ofAccount} AND RecadoKind = 'message'`);
      return ids.length ? ids : undefined;
    });
    step(`Temporal UI: ${found.length} message workflow(s) at ${TEMPORAL_UI}/namespaces/${TEMPORAL_NAMESPACE}/workflows?query=${encodeURIComponent(ofAccount)}`);
    const running = `${ofAccount} AND ExecutionStatus = 'Running'`;
    leftRunning = await until('the account\'s workflows to finish', async () => {
      const ids = await listIds(temporal, running);
      return ids.length === 0 ? ids : undefined;
    }, 10_000).catch(async () => {
      const ids = await listIds(temporal, running);
      for (const id of ids) await temporal.workflow.getHandle(id).terminate('left running by the smoke run');
      return ids;
    });
  } finally {
    await temporal.connection.close();
  }
  if (leftRunning.length) throw new Error(`workflows left running (terminated): ${leftRunning.join(', ')}`);

  console.log(
    JSON.stringify({
      ok: true,
      message_id: read.id,
      state: read.state,
      accepted_at: read.accepted_at,
      sent_at: read.sent_at,
      delivered_at: read.delivered_at,
      read_at: read.read_at,
      send_to_delivered_ms: deliveredMs,
      contact_searchable_ms: searchMs,
      routed_saving_pct: costs.saved_pct,
      checkout_link_ms: checkout.linkMs,
      checkout_deal_won_ms: checkout.wonMs,
      total_ms: Date.now() - started,
    }),
  );
}

/**
 * Lead capture before checkout: the CRM (Pipedrive simulator) connected, a Pagar.me store whose
 * webhook is set in the gateway (simulator), a checkout intent answered with the pre-filled link,
 * the deal in the CRM; the customer pays on the gateway, whose order.paid wins the deal.
 */
async function leadCapture(key: string, numberId: string): Promise<{ linkMs: number; wonMs: number }> {
  await call('PUT', `${API}/v1/crm-connection`, key, { provider: 'pipedrive', api_token: process.env.SIM_PIPEDRIVE_TOKEN || 'recado-dev-pipedrive-token' });
  const store = await call('POST', `${API}/v1/stores`, key, {
    platform: 'pagarme',
    name: 'Farmácia Demo Online',
    channel_account_id: numberId,
    secrets: { api_key: 'sk_test_simulator', basic_auth_user: 'recado', basic_auth_password: 'smoke-hook' },
  });
  await call('POST', `${PAGARME}/_sim/webhooks`, undefined, { url: store.webhook_url.replace(PUBLIC_API_URL, API), basic_auth_user: 'recado', basic_auth_password: 'smoke-hook' });
  const asked = Date.now();
  const intent = await call('POST', `${API}/v1/checkout-intents`, key, {
    store_id: store.id,
    customer: { name: 'Maria Souza', email: `maria.${Date.now()}@example.com`, phone: `(21) 9${String(Date.now()).slice(-8)}` },
    product: { name: 'Curso de Primeiros Socorros', plan: 'Anual' },
    amount: { amount_minor: '19700', currency: 'BRL' },
  });
  const linkMs = Date.now() - asked;
  step(`checkout intent ${intent.id}: pay at ${intent.payment_url}`);
  const withDeal = await until('the deal in the CRM', async () => {
    const i = await call('GET', `${API}/v1/checkout-intents/${intent.id}`, key);
    return i.crm.deal_id ? i : undefined;
  });
  step(`deal ${withDeal.crm.deal_id} in the CRM (${PIPEDRIVE})`);
  await call('POST', `${PAGARME}/_sim/pay/${intent.gateway_reference}`);
  const won = await until('the deal won', async () => {
    const i = await call('GET', `${API}/v1/checkout-intents/${intent.id}`, key);
    return i.crm.won_at ? i : undefined;
  });
  step(`paid on the gateway: intent ${won.state}, deal won at ${won.crm.won_at}`);
  return { linkMs, wonMs: Date.now() - asked };
}

main().catch((err: unknown) => {
  console.error(`[smoke] failed: ${err instanceof Error ? err.message : String(err)}`);
  console.log(JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) }));
  process.exit(1);
});
