import { ApplicationFailure } from '@temporalio/activity';
import { createHmac } from 'node:crypto';
import type { Pool } from 'pg';
import { KeywordTriggersRepository, type KeywordTriggerContext } from '../src/funnels/keywords/keyword-triggers.repository';
import { SEALED_COLUMNS } from '../src/secrets/sealed-columns';
import { SealedJson } from '../src/secrets/sealed-json';
import type { SecretKeys } from '../src/secrets/secrets';
import { KEYWORD_CALLBACK_REJECTED, type KeywordCallbackResult } from '../workflows/keyword-callback.workflow';

/** The store secret that signs its keyword callbacks. */
export const CALLBACK_SECRET = 'callback_secret';
export const SIGNATURE_HEADER = 'X-Recado-Signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>` with the store's callback secret. */
export function signCallback(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** What the store's callback receives (README "Reply keywords"). */
export function keywordCallbackBody(t: KeywordTriggerContext & { message_at: Date }) {
  return {
    event: 'keyword_reply',
    id: t.id,
    store_id: t.store_id,
    keyword: t.keyword,
    contact: { id: t.contact_id, name: t.contact_name, phone: t.contact_phone, email: t.contact_email },
    notification: { id: t.notification_id, event_type: t.event_type, order_id: t.funnel_event?.orderId ?? null, step: t.step },
    message: { id: t.message_id, text: t.matched_text },
    at: t.message_at.toISOString(),
  };
}

/** A 4xx other than 408 (timeout) and 429 (slow down) is the store's final answer (as is a redirect, which is not followed). */
function isFinal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function createKeywordCallbackActivities(deps: { pool: Pool; secrets: SecretKeys }) {
  const triggers = new KeywordTriggersRepository(deps.pool);
  const storeSecrets = new SealedJson(deps.secrets, SEALED_COLUMNS.storeSecrets);
  return {
    /** POSTs the trigger to its store's callback once; returns the HTTP status of a 2xx answer. */
    async postKeywordCallback(input: { accountId: string; triggerId: string; timeoutMs: number }): Promise<number> {
      const t = await triggers.context(input.accountId, input.triggerId);
      if (!t) throw ApplicationFailure.nonRetryable(`keyword trigger ${input.triggerId} not found`, 'KeywordTriggerNotFound');
      let url: URL;
      try {
        url = new URL(t.callback_url ?? '');
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        throw ApplicationFailure.nonRetryable('the store\'s callback_url is not an http(s) URL', KEYWORD_CALLBACK_REJECTED);
      }
      const raw = JSON.stringify(keywordCallbackBody(t));
      const secret = storeSecrets.open(t.store_id, t.store_secrets)[CALLBACK_SECRET];
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-recado-event': 'keyword_reply', 'x-recado-delivery': t.id };
      if (secret) headers[SIGNATURE_HEADER.toLowerCase()] = signCallback(secret, raw);
      let response: Response;
      try {
        // Redirects are not followed: the signed body goes only where the store said.
        response = await fetch(url, { method: 'POST', headers, body: raw, redirect: 'manual', signal: AbortSignal.timeout(input.timeoutMs) });
      } catch (err) {
        throw ApplicationFailure.retryable(`callback request failed: ${(err as Error).message}`, 'KeywordCallbackUnreachable');
      }
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return response.status;
      if (response.status < 400 || isFinal(response.status)) {
        throw ApplicationFailure.create({ message: `the callback answered ${response.status}`, type: KEYWORD_CALLBACK_REJECTED, nonRetryable: true, details: [response.status] });
      }
      throw ApplicationFailure.create({ message: `the callback answered ${response.status}`, type: 'KeywordCallbackFailed', details: [response.status] });
    },

    async finishKeywordCallback(input: { accountId: string; triggerId: string } & KeywordCallbackResult): Promise<void> {
      await triggers.finish(input.accountId, input.triggerId, { state: input.state, status: input.status, error: input.error });
    },
  };
}
