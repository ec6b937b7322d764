import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * The message history of bench:console's account: `conversations` of its seeded contacts (those
 * with WhatsApp) get `messages` between them, over the last 30 days, recent ones likelier; the
 * agent has read every conversation but the newest few, as a working inbox looks.
 */

const CUSTOMER_SAYS = [
  'Olá, meu pedido já saiu?', 'Vocês têm esse produto em estoque?', 'Qual o prazo de entrega para o CEP 01310-100?',
  'Consigo pagar no Pix?', 'Obrigada!', 'Pode me mandar o boleto de novo?', 'O rastreio não atualiza desde ontem',
  'Quero trocar o tamanho', 'Bom dia! Ainda está na promoção?', 'Recebi, tudo certo 👍',
];
const AGENT_SAYS = [
  'Olá! Vou verificar para você.', 'Saiu hoje cedo, chega amanhã.', 'Temos sim, quer que eu reserve?',
  'Segue o link de pagamento.', 'Claro, já reenviei o boleto.', 'Por nada, qualquer coisa é só chamar!',
  'A troca é gratuita em até 30 dias.', 'Vou abrir um chamado com a transportadora.',
];
const DAY = 86_400_000;
/** Conversations with a message after this are left unread by the agent. */
const UNREAD_NEWER_THAN_MS = 6 * 3_600_000;

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];

export interface SeededConversation {
  contactId: string;
  waId: string;
}

/**
 * Writes the history straight to Postgres. The conversations trigger (one row update and one
 * NOTIFY per message) is off while it does, and the inbox rows, service windows and read markers
 * are then computed in one statement each, as the conversations migration's backfill does.
 */
export async function seedConversations(
  pool: Pool,
  q: { accountId: string; numberId: string; readerId: string; conversations: number; messages: number },
  onProgress: (done: number) => void,
): Promise<SeededConversation[]> {
  const { rows: chosen } = await pool.query<{ contact_id: string; wa_id: string }>(
    `SELECT i.contact_id, i.value AS wa_id FROM contact_identities i
      WHERE i.account_id = $1 AND i.kind = 'whatsapp' ORDER BY random() LIMIT $2`,
    [q.accountId, q.conversations],
  );
  const perConversation = q.messages / Math.max(1, chosen.length);
  const now = Date.now();
  await pool.query('ALTER TABLE messages DISABLE TRIGGER messages_conversation');
  try {
    let done = 0;
    let batch: object[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await pool.query(
        `INSERT INTO messages (id, account_id, contact_id, channel_account_id, channel, direction, type, body, state,
                               provider_message_id, created_at, updated_at)
         SELECT id, $2, contact_id, $3, 'whatsapp', direction, 'text', body, state, provider_message_id, created_at, created_at
           FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, contact_id uuid, direction text, body jsonb, state text,
                provider_message_id text, created_at timestamptz)`,
        [JSON.stringify(batch), q.accountId, q.numberId],
      );
      done += batch.length;
      batch = [];
      onProgress(done);
    };
    for (const { contact_id: contactId, wa_id: waId } of chosen) {
      // Between 1 and twice the mean, so the total comes out near `messages`.
      const count = 1 + Math.floor(Math.random() * (2 * perConversation - 1));
      // The newest message: skewed to the recent past (a square of a uniform).
      let at = now - Math.random() ** 2 * 30 * DAY;
      for (let k = 0; k < count; k++) {
        const inbound = k === 0 || Math.random() < 0.55;
        const wamid = `wamid.bench${randomUUID().replace(/-/g, '')}`;
        batch.push({
          id: randomUUID(),
          contact_id: contactId,
          direction: inbound ? 'inbound' : 'outbound',
          body: inbound
            ? { from: waId, id: wamid, timestamp: String(Math.floor(at / 1000)), type: 'text', text: { body: pick(CUSTOMER_SAYS) } }
            : { messaging_product: 'whatsapp', recipient_type: 'individual', to: waId, type: 'text', text: { body: pick(AGENT_SAYS) } },
          state: inbound ? 'received' : 'read',
          provider_message_id: wamid,
          created_at: new Date(at).toISOString(),
        });
        at -= 60_000 + Math.random() * 4 * 3_600_000;
        if (batch.length >= 5_000) await flush();
      }
    }
    await flush();
    await pool.query(
      `INSERT INTO conversations (account_id, contact_id, last_message_id, last_message_at, channels)
       SELECT DISTINCT ON (m.contact_id) m.account_id, m.contact_id, m.id, m.created_at, ARRAY[m.channel]
         FROM messages m WHERE m.account_id = $1
        ORDER BY m.contact_id, m.created_at DESC, m.id DESC`,
      [q.accountId],
    );
    await pool.query(
      `INSERT INTO service_windows (account_id, contact_id, channel_account_id, last_inbound_at)
       SELECT account_id, contact_id, channel_account_id, max(created_at) FROM messages
        WHERE account_id = $1 AND direction = 'inbound' GROUP BY account_id, contact_id, channel_account_id`,
      [q.accountId],
    );
    await pool.query(
      `INSERT INTO conversation_reads (account_id, reader_id, contact_id, read_at)
       SELECT account_id, $2, contact_id, last_message_at FROM conversations
        WHERE account_id = $1 AND last_message_at < $3`,
      [q.accountId, q.readerId, new Date(now - UNREAD_NEWER_THAN_MS)],
    );
  } finally {
    await pool.query('ALTER TABLE messages ENABLE TRIGGER messages_conversation');
  }
  // What autovacuum would have done by the time a person opens the inbox.
  await pool.query('ANALYZE contacts, contact_identities, messages, conversations, service_windows, conversation_reads');
  return chosen.map((c) => ({ contactId: c.contact_id, waId: c.wa_id }));
}
