import type { PoolClient } from 'pg';

/**
 * "Converted" = an order_paid within `windowMs` after a funnel message, attributed to the last
 * message of that funnel. The candidates are the store's sent notifications to the contact from
 * funnels about that order, or the contact's abandoned-cart funnels (a cart has no order id until
 * it is paid). The latest one sent in the window gets converted_at and the revenue, unless its
 * funnel already has a converted notification: a repeated order_paid (platforms send one payment
 * as several events) attributes nothing twice. Returns the notification it attributed now, or null.
 */
export async function attributeConversion(
  db: PoolClient,
  input: {
    accountId: string;
    storeId: string;
    contactId: string;
    orderId: string | null;
    amount: { amountMinor: string; currency: string } | null;
    at: Date;
    windowMs: number;
  },
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `WITH last AS (
       SELECT n.id, n.funnel_id FROM notifications n JOIN funnels f ON f.id = n.funnel_id
        WHERE n.account_id = $1 AND n.store_id = $2 AND n.contact_id = $3 AND n.state = 'sent'
          AND n.sent_at <= $5 AND n.sent_at > $5 - make_interval(secs => $6 / 1000.0)
          AND (($4::text IS NOT NULL AND f.subject = $4) OR f.funnel = 'cart_abandoned')
        ORDER BY n.sent_at DESC, n.step DESC LIMIT 1
        FOR UPDATE OF n
     )
     UPDATE notifications n SET converted_at = $5, revenue_minor = $7::bigint, revenue_currency = $8
       FROM last
      WHERE n.id = last.id AND n.converted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM notifications o WHERE o.funnel_id = last.funnel_id AND o.converted_at IS NOT NULL)
     RETURNING n.id`,
    [input.accountId, input.storeId, input.contactId, input.orderId, input.at, input.windowMs, input.amount?.amountMinor ?? null, input.amount?.currency ?? null],
  );
  return rows[0]?.id ?? null;
}
