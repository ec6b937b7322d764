import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BusinessCallOutcome } from '../src/calls/policy';
import { businessCallEndedSignal, callPermissionWorkflowId } from './call-permission.workflow';
import { RecadoWhatsAppCallId } from './search-attributes';

export interface BusinessCallInput {
  accountId: string;
  callId: string;
  numberId: string;
  contactId: string;
  /** How long the customer's phone rings before the call is given up. */
  ringTimeoutMs: number;
}

export type CallProgress = 'dialing' | 'ringing' | 'accepted' | 'completed' | 'rejected' | 'not_answered' | 'failed';

/** From the calls webhook: Meta's status of a business-initiated call. */
export const callStatusSignal = defineSignal<[{ status: 'RINGING' | 'ACCEPTED' | 'REJECTED' }]>('callStatus');
/** From the calls webhook: the customer picked up; Meta's SDP answer for the media bridge. */
export const callConnectSignal = defineSignal<[{ sdpAnswer: string }]>('callConnect');
/** From the calls webhook: the call ended on Meta's side. */
export const callTerminatedSignal =
  defineSignal<[{ status: 'COMPLETED' | 'FAILED' | string; durationSeconds: number | null }]>('callTerminated');
/** The agent hangs up (or cancels while it rings). */
export const hangUpSignal = defineSignal('hangUp');
export const callProgressQuery = defineQuery<CallProgress>('callProgress');

export function callWorkflowId(callId: string): string {
  return `call-${callId}`;
}

/** How long to wait for Meta's terminate webhook after we hung up ourselves. */
const TERMINATE_GRACE_MS = 15_000;
/** How long a terminate webhook waits for a REJECTED status delivered after it. */
const STATUS_GRACE_MS = 2_000;

/**
 * The business calls the customer: dial through LiveKit's Connector (our call id travels as
 * biz_opaque_callback_data), hand Meta's SDP answer to the Connector, follow ringing /
 * accepted / rejected / terminate, give up after the ring timeout, hang up when the agent
 * does, and tell the permission workflow how the call went (4 failures in a row revoke it).
 */
export async function businessCallWorkflow(input: BusinessCallInput): Promise<CallProgress> {
  const { placeBusinessCall } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    // Dialing is not idempotent: a retry after a lost answer could ring the customer twice.
    retry: { maximumAttempts: 1 },
  });
  const { connectBusinessCall, hangUpCall, recordCallState } = proxyActivities<Activities>({
    startToCloseTimeout: '20s',
    retry: { maximumInterval: '5s', maximumAttempts: 10 },
  });

  // Mutated by the signal handlers between awaits, hence an object rather than narrowed locals.
  const call: {
    progress: CallProgress;
    sdpAnswer?: string;
    terminated?: { status: string; durationSeconds: number | null };
    hangUpRequested: boolean;
    changed: boolean;
  } = { progress: 'dialing', hangUpRequested: false, changed: false };
  let bridged = false;
  // Read through a function: a signal may have set it while we awaited, which narrowing cannot see.
  const terminatedByMeta = () => call.terminated;
  setHandler(callStatusSignal, ({ status }) => {
    if (status === 'RINGING' && call.progress === 'dialing') call.progress = 'ringing';
    if (status === 'ACCEPTED' && (call.progress === 'dialing' || call.progress === 'ringing')) call.progress = 'accepted';
    if (status === 'REJECTED' && call.progress !== 'accepted') call.progress = 'rejected';
    call.changed = true;
  });
  setHandler(callConnectSignal, ({ sdpAnswer: sdp }) => {
    call.sdpAnswer ??= sdp;
    call.changed = true;
  });
  setHandler(callTerminatedSignal, (t) => {
    call.terminated ??= t;
    call.changed = true;
  });
  setHandler(hangUpSignal, () => {
    call.hangUpRequested = true;
    call.changed = true;
  });
  setHandler(callProgressQuery, () => call.progress);

  const record = (state: CallProgress, endReason?: string, durationSeconds?: number | null) =>
    recordCallState({ accountId: input.accountId, callId: input.callId, state, endReason, durationSeconds });

  try {
    const { whatsappCallId } = await placeBusinessCall({ accountId: input.accountId, callId: input.callId });
    // Meta's call id exists only once the call is placed. Patched: runs started before this have no upsert in their history.
    if (patched('search-attribute-whatsapp-call-id')) upsertSearchAttributes([{ key: RecadoWhatsAppCallId, value: whatsappCallId }]);
  } catch (err) {
    await record('failed', failureReason(err));
    return 'failed';
  }

  const ringDeadline = Date.now() + input.ringTimeoutMs;
  let recorded: CallProgress = 'dialing';
  for (;;) {
    call.changed = false;
    if (call.sdpAnswer !== undefined && !bridged) {
      await connectBusinessCall({ accountId: input.accountId, callId: input.callId, sdpAnswer: call.sdpAnswer });
      bridged = true;
      // Meta may leave out the ACCEPTED status; the connect webhook means the customer picked up.
      if (call.progress === 'dialing' || call.progress === 'ringing') call.progress = 'accepted';
    }
    const reached = call.progress;
    if (reached !== recorded && (reached === 'ringing' || reached === 'accepted')) {
      await record(reached);
      recorded = reached;
      continue;
    }
    if (call.progress === 'rejected') return finish('rejected', 'customer_rejected');
    if (call.terminated) {
      const answered = recorded === 'accepted';
      if (!answered) {
        // Meta's REJECTED status and the terminate webhook are separate deliveries: give the status a moment.
        const rejected = await condition(() => call.progress === 'rejected', STATUS_GRACE_MS);
        return rejected ? finish('rejected', 'customer_rejected') : finish('not_answered', 'customer_did_not_answer');
      }
      return finish(call.terminated.status === 'FAILED' ? 'failed' : 'completed', 'ended', call.terminated.durationSeconds);
    }
    const ringing = recorded !== 'accepted';
    if (call.hangUpRequested || (ringing && Date.now() >= ringDeadline)) {
      await hangUpCall({ accountId: input.accountId, callId: input.callId });
      // Meta confirms with a terminate webhook carrying the duration; do not wait forever for it.
      await condition(() => call.terminated !== undefined, TERMINATE_GRACE_MS);
      if (ringing) return finish('not_answered', call.hangUpRequested ? 'agent_cancelled' : 'ring_timeout');
      const confirmed = terminatedByMeta();
      return finish(confirmed?.status === 'FAILED' ? 'failed' : 'completed', 'agent_hung_up', confirmed?.durationSeconds ?? null);
    }
    if (ringing) await condition(() => call.changed, Math.max(1, ringDeadline - Date.now()));
    else await condition(() => call.changed);
  }

  async function finish(final: CallProgress, reason: string, durationSeconds: number | null = null): Promise<CallProgress> {
    call.progress = final;
    await record(final, reason, durationSeconds);
    const outcome: BusinessCallOutcome =
      final === 'completed' || final === 'failed' ? 'connected' : final === 'rejected' ? 'rejected' : 'unanswered';
    try {
      await getExternalWorkflowHandle(callPermissionWorkflowId(input.numberId, input.contactId)).signal(
        businessCallEndedSignal,
        { outcome },
      );
    } catch {
      // No permission workflow for this pair (the grant was never tracked here): nothing to count.
    }
    return final;
  }
}

function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return `${cause.type}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}
