import { randomUUID } from 'node:crypto';
import type { CallContext } from '../calls/calls.repository';
import type { MessagesRepository } from './messages.repository';

/**
 * Stores a free-form WhatsApp text to a call's customer as an outbound message, one per
 * `idempotencyKey` (a second call returns the first message); sendMessageWorkflow sends it.
 * The caller has checked the customer's 24 h window.
 */
export async function storeCallCustomerText(
  messages: MessagesRepository,
  call: Pick<CallContext, 'account_id' | 'contact_id' | 'whatsapp_number_id'> & { wa_id: string },
  text: string,
  idempotencyKey: string,
): Promise<string> {
  const id = randomUUID();
  const { row } = await messages.insertOutbound({
    id,
    accountId: call.account_id,
    contactId: call.contact_id,
    channel: 'whatsapp',
    channelAccountId: call.whatsapp_number_id,
    type: 'text',
    body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: call.wa_id, type: 'text', text: { body: text }, biz_opaque_callback_data: id },
    idempotencyKey,
  });
  return row.id;
}
