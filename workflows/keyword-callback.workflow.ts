import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface KeywordCallbackInput {
  accountId: string;
  triggerId: string;
  /** One POST gives up after this. */
  timeoutMs: number;
  /** 5xx and network errors are retried with exponential backoff from `intervalMs` up to `maxIntervalMs`, for `giveUpAfterMs` in all. */
  retry: { intervalMs: number; maxIntervalMs: number; giveUpAfterMs: number };
}

export interface KeywordCallbackResult {
  state: 'delivered' | 'rejected' | 'failed';
  status: number | null;
  error: string | null;
}

/** The store rejected the callback (4xx): retrying would not change its answer. */
export const KEYWORD_CALLBACK_REJECTED = 'KeywordCallbackRejected';

export function keywordCallbackWorkflowId(triggerId: string): string {
  return `keyword-callback-${triggerId}`;
}

/**
 * Calls a store's callback for a reply keyword ("FRAUDE" on a transaction alert: block the card),
 * durably: the POST is retried with backoff while the store's server errs or is unreachable, and
 * the outcome (delivered, rejected by a 4xx, or given up) is recorded on the trigger.
 */
export async function keywordCallbackWorkflow(input: KeywordCallbackInput): Promise<KeywordCallbackResult> {
  const { postKeywordCallback } = proxyActivities<Activities>({
    startToCloseTimeout: input.timeoutMs + 5_000,
    scheduleToCloseTimeout: input.retry.giveUpAfterMs,
    retry: {
      initialInterval: input.retry.intervalMs,
      maximumInterval: input.retry.maxIntervalMs,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: [KEYWORD_CALLBACK_REJECTED, 'KeywordTriggerNotFound'],
    },
  });
  const { finishKeywordCallback } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '1m' } });
  let result: KeywordCallbackResult;
  try {
    const status = await postKeywordCallback({ accountId: input.accountId, triggerId: input.triggerId, timeoutMs: input.timeoutMs });
    result = { state: 'delivered', status, error: null };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const failure = cause instanceof ApplicationFailure ? cause : undefined;
    const status = typeof failure?.details?.[0] === 'number' ? failure.details[0] : null;
    result = { state: failure?.type === KEYWORD_CALLBACK_REJECTED ? 'rejected' : 'failed', status, error: (failure ?? (err as Error)).message };
  }
  await finishKeywordCallback({ accountId: input.accountId, triggerId: input.triggerId, ...result });
  return result;
}
