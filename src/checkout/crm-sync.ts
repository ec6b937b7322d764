import { CrmRejectedError } from '../crm/driver';
import type { CrmConnections } from '../crm/crm-connections';
import type { CheckoutIntentsRepository } from './checkout-intents.repository';
import type { CheckoutIntentRow } from './model';

/**
 * Brings the CRM in line with one intent, doing only what it still lacks and saving each result
 * as soon as it has it, so a retry after a failure (or a crash) picks up where this stopped:
 * the person (found by e-mail or phone before one is created), the deal in the configured
 * pipeline and stage with a note of what the customer chose, then — paid — the deal won, or —
 * abandoned — a follow-up activity for the deal's owner, due today.
 */
export async function syncIntentToCrm(intent: CheckoutIntentRow, deps: { intents: CheckoutIntentsRepository; connections: CrmConnections }): Promise<void> {
  const { intents, connections } = deps;
  const connection = await connections.find(intent.account_id);
  if (!connection) throw new CrmRejectedError('no CRM is connected to the account (PUT /v1/crm-connection), then resume', 404);
  const crm = connections.driver(connection);
  const what = intent.plan ? `${intent.product} — ${intent.plan}` : intent.product;

  let personId = intent.crm_person_id;
  if (!personId) {
    personId = (await crm.upsertPerson({ name: intent.name, email: intent.email, phone: intent.phone })).personId;
    await intents.crmProgress(intent.id, { crm_person_id: personId });
  }
  let dealId = intent.crm_deal_id;
  if (!dealId) {
    const deal = await crm.createDeal({
      personId,
      title: `${what} — ${intent.name}`,
      value: Number(intent.amount_minor) / 100,
      currency: intent.currency,
      pipelineId: connection.pipeline_id ?? undefined,
      stageId: connection.stage_id ?? undefined,
    });
    dealId = deal.dealId;
    await intents.crmProgress(intent.id, { crm_deal_id: dealId });
    await crm.addNote({ dealId, content: dealNote(intent, what) });
  }
  if (intent.state === 'paid' && !intent.crm_won_at) {
    await crm.markDealWon(dealId);
    await intents.crmProgress(intent.id, { won: true });
  }
  if (intent.state === 'abandoned' && !intent.crm_follow_up_id) {
    const activity = await crm.createActivity({
      dealId,
      subject: `Follow up: ${intent.name} has not paid ${what}`,
      dueDate: new Date().toISOString().slice(0, 10),
      type: connection.activity_type ?? undefined,
    });
    await intents.crmProgress(intent.id, { crm_follow_up_id: activity.activityId });
  }
  await intents.crmSynced(intent.id);
}

function dealNote(intent: CheckoutIntentRow, what: string): string {
  const amount = `${intent.currency} ${(Number(intent.amount_minor) / 100).toFixed(2)}`;
  return [
    `Checkout started on recado: ${what}, ${amount}.`,
    `Customer: ${intent.name}, ${intent.email}, ${intent.phone}.`,
    intent.payment_url ? `Payment link (${intent.gateway}): ${intent.payment_url}` : `Gateway: ${intent.gateway}.`,
    `recado checkout intent ${intent.id}`,
  ].join('\n');
}
