import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { SearchAttributePair } from '@temporalio/common';

/**
 * The search attributes every recado workflow carries, so that ops can filter the Temporal UI by
 * account, customer, number and kind of flow (README: "Watching flows in the Temporal UI").
 * Defined once here and imported by the API's start sites and by workflows starting children.
 * Each one must be registered on the server: temporal/dev-server.json `searchAttributes`, which
 * scripts/stack.mjs and temporal/setup.mjs apply to every namespace.
 */
export const RecadoAccountId = defineSearchAttributeKey('RecadoAccountId', SearchAttributeType.KEYWORD);
/** recado's contact id (not the customer's WhatsApp id). */
export const RecadoContactId = defineSearchAttributeKey('RecadoContactId', SearchAttributeType.KEYWORD);
/** recado's WhatsApp number id (not Meta's phone_number_id). */
export const RecadoWhatsAppNumberId = defineSearchAttributeKey('RecadoWhatsAppNumberId', SearchAttributeType.KEYWORD);
export const RecadoKind = defineSearchAttributeKey('RecadoKind', SearchAttributeType.KEYWORD);
/** Calls only: `business_initiated` | `user_initiated`, as in the calls table. */
export const RecadoCallDirection = defineSearchAttributeKey('RecadoCallDirection', SearchAttributeType.KEYWORD);
/** Calls only: Meta's call id (wacid…), the id a support ticket from Meta quotes. Set once Meta has given it. */
export const RecadoWhatsAppCallId = defineSearchAttributeKey('RecadoWhatsAppCallId', SearchAttributeType.KEYWORD);

/** Funnels and checkout intents: the store; funnels only: the funnel (cart_abandoned, boleto_issued…) and the step it is at. */
export const RecadoStoreId = defineSearchAttributeKey('RecadoStoreId', SearchAttributeType.KEYWORD);
export const RecadoFunnel = defineSearchAttributeKey('RecadoFunnel', SearchAttributeType.KEYWORD);
export const RecadoFunnelStep = defineSearchAttributeKey('RecadoFunnelStep', SearchAttributeType.INT);

/** Every key above, for checks that the server has them registered with the right type. */
export const RECADO_SEARCH_ATTRIBUTES = [
  RecadoAccountId,
  RecadoContactId,
  RecadoWhatsAppNumberId,
  RecadoKind,
  RecadoCallDirection,
  RecadoWhatsAppCallId,
  RecadoStoreId,
  RecadoFunnel,
  RecadoFunnelStep,
] as const;

/** What a workflow is about. Later flows add theirs (funnel, indexer, …). */
export type RecadoKindValue = 'call' | 'permission' | 'message' | 'dispatch' | 'call_recording' | 'post_call' | 'funnel' | 'outbox' | 'checkout';

export interface RecadoSubject {
  accountId: string;
  contactId: string;
  /** The WhatsApp number, when the flow is about one (not for e-mail, Telegram, app or routed messages). */
  numberId?: string;
}

/** The attributes every workflow about one customer on one number starts with. */
export function recadoSearchAttributes(kind: RecadoKindValue, subject: RecadoSubject): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: RecadoKind, value: kind },
    { key: RecadoAccountId, value: subject.accountId },
    { key: RecadoContactId, value: subject.contactId },
  ];
  if (subject.numberId) pairs.push({ key: RecadoWhatsAppNumberId, value: subject.numberId });
  return pairs;
}

export function callSearchAttributes(
  subject: RecadoSubject,
  call: { direction: 'business_initiated' | 'user_initiated'; whatsappCallId?: string | null },
): SearchAttributePair[] {
  const pairs = [...recadoSearchAttributes('call', subject), { key: RecadoCallDirection, value: call.direction }];
  if (call.whatsappCallId) pairs.push({ key: RecadoWhatsAppCallId, value: call.whatsappCallId });
  return pairs;
}

export function funnelSearchAttributes(subject: RecadoSubject, funnel: { storeId: string; funnel: string }): SearchAttributePair[] {
  return [
    ...recadoSearchAttributes('funnel', subject),
    { key: RecadoStoreId, value: funnel.storeId },
    { key: RecadoFunnel, value: funnel.funnel },
    { key: RecadoFunnelStep, value: 0 },
  ];
}

/** A checkout intent's recovery: the customer and the store whose gateway makes the link. */
export function checkoutSearchAttributes(subject: RecadoSubject, storeId: string): SearchAttributePair[] {
  return [...recadoSearchAttributes('checkout', subject), { key: RecadoStoreId, value: storeId }];
}
