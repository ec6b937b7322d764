import type { Pool } from 'pg';
import { randomWaId, type createTenant } from './stack';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

/** A generic store on the tenant's WhatsApp number, whose templates the inbox and thread may use. */
export async function storeOn(tenant: Tenant, name = 'Loja') {
  const store = await tenant.call('POST', '/v1/stores', { platform: 'generic', name, channel_account_id: tenant.numberId, secrets: { signing_secret: `whsec_${randomWaId()}` } });
  if (store.status !== 201) throw new Error(`the store was refused: ${store.status} ${JSON.stringify(store.body)}`);
  return store.body as { id: string };
}

/** The store links the simulator's approved pedido_atualizado, as the store templates API records it. */
export async function linkPedidoAtualizado(pool: Pool, tenant: Tenant, storeId: string): Promise<void> {
  await pool.query(
    `INSERT INTO store_templates (account_id, store_id, event_type, category, content, meta_template) VALUES ($1, $2, 'order_updated', 'utility', $3, $4)`,
    [
      tenant.accountId,
      storeId,
      { body: 'Olá {{name}}, seu pedido {{order_id}} foi atualizado.' },
      { name: 'pedido_atualizado', language: 'pt_BR', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} foi atualizado: {{3}}.' }] },
    ],
  );
}
