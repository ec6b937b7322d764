import {
  condition,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BusinessCallOutcome } from '../src/calls/policy';
import { businessCallEndedSignal, callPermissionWorkflowId } from './call-permission.workflow';
import { RecadoWhatsAppCallId } from './search-attributes';
import { failureReason } from './failure-reason';
import { CALL_RECORDING_PATCH, startCallRecording, type CallRecordingOptions } from './call-recording.workflow';

export interface BusinessCallInput {
  accountId: string;
  callId: string;
  numberId: string;
  contactId: string;
  /** How long the customer's phone rings before the call is given up (the Connector's ringingTimeout). */
  ringTimeoutMs: number;
  /** recado's own ring timer runs this much longer than the Connector's, so the two do not race. */
  ringGraceMs: number;
  /** Absent in calls started before recording. */
  recording?: CallRecordingOptions;
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

/** Every call has its own LiveKit room. */
export function callRoomName(callId: string): string {
  return `call-${callId}`;
}

/** How long to wait for Meta's terminate webhook after we hung up ourselves. */
const TERMINATE_GRACE_MS = 15_000;
/** How long a terminate webhook waits for a REJECTED status delivered after it. */
const STATUS_GRACE_MS = 2_000;
/** Patch id of a ringing state recorded even when it arrived together with the answer: earlier runs replay without it. */
const RINGING_RECORDED_PATCH = 'call-ringing-recorded';

/**
 * The business calls the customer: dial through LiveKit's Connector (our call id travels as
 * biz_opaque_callback_data), hand Meta's SDP answer to the Connector, follow ringing /
 * accepted / rejected / terminate, hang up when the agent does, and tell the permission
 * workflow how the call went (4 failures in a row revoke it). However the call ends, the
 * workflow ends with the call's final state written: a hang-up that meets a call already over
 * (either side first, or both at once) is recorded, never a failure.
 */
export async function businessCallWorkflow(input: BusinessCallInput): Promise<CallProgress> {
  const { placeBusinessCall } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    // Dialing is not idempotent: a retry after a lost answer could ring the customer twice.
    retry: { maximumAttempts: 1 },
  });
  const { connectBusinessCall, hangUpCall, releaseCall, recordCallState } = proxyActivities<Activities>({
    startToCloseTimeout: '20s',
    retry: { maximumInterval: '5s', maximumAttempts: 10 },
  });
  const ids = { accountId: input.accountId, callId: input.callId };

  // Mutated by the signal handlers between awaits, hence an object rather than narrowed locals.
  const call: {
    progress: CallProgress;
    sdpAnswer?: string;
    terminated?: { status: string; durationSeconds: number | null };
    hangUpRequested: boolean;
    changed: boolean;
  } = { progress: 'dialing', hangUpRequested: false, changed: false };
  let bridged = false;
  // Meta said the phone rang: kept apart from `progress`, which an answer in the same task skips past.
  let rang = false;
  // Read through a function: a signal may have set it while we awaited, which narrowing cannot see.
  const terminatedByMeta = () => call.terminated;
  setHandler(callStatusSignal, ({ status }) => {
    if (status === 'RINGING') rang = true;
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
    // The webhook parser sends upper case; one normalisation keeps a "Failed" from ending as completed.
    call.terminated ??= { status: String(t.status ?? '').toUpperCase(), durationSeconds: t.durationSeconds };
    call.changed = true;
  });
  setHandler(hangUpSignal, () => {
    call.hangUpRequested = true;
    call.changed = true;
  });
  setHandler(callProgressQuery, () => call.progress);

  const record = (state: CallProgress, endReason?: string, durationSeconds?: number | null) =>
    recordCallState({ ...ids, state, endReason, durationSeconds });

  // Taken before dialing, so it is never later than the Connector's own ring timer.
  const dialedAt = Date.now();
  try {
    const { whatsappCallId } = await placeBusinessCall({ ...ids, ringingTimeoutSeconds: Math.ceil(input.ringTimeoutMs / 1000) });
    // Meta's call id exists only once the call is placed. Patched: runs started before this have no upsert in their history.
    if (patched('search-attribute-whatsapp-call-id')) upsertSearchAttributes([{ key: RecadoWhatsAppCallId, value: whatsappCallId }]);
  } catch (err) {
    await record('failed', failureReason(err));
    return 'failed';
  }
  // The Connector ends an unanswered call itself after ringingTimeout and Meta's terminate
  // webhook reports it; recado's timer is only the fallback for a Connector that did not, and
  // the grace keeps it from hanging up at the same moment.
  const ringDeadline = dialedAt + input.ringTimeoutMs + input.ringGraceMs;
  let connectorHolds = true;
  let recorded: CallProgress = 'dialing';
  for (;;) {
    call.changed = false;
    // RINGING and the answer (or rejection) often reach the workflow in one task, while the dial
    // is still being acknowledged: the timeline still says the customer's phone rang, first.
    if (rang && recorded === 'dialing' && patched(RINGING_RECORDED_PATCH)) {
      await record('ringing');
      recorded = 'ringing';
    }
    if (call.sdpAnswer !== undefined && !bridged) {
      if (recorded !== 'accepted' && patched(CALL_RECORDING_PATCH)) {
        // Answered: the recorder is listening before the media bridge comes up, so the customer's first words are kept.
        call.progress = 'accepted';
        await record('accepted');
        recorded = 'accepted';
        await startCallRecording(input, input.recording);
      }
      try {
        await connectBusinessCall({ ...ids, sdpAnswer: call.sdpAnswer });
      } catch (err) {
        await endAtConnector('business');
        return finish('failed', `connect_failed: ${failureReason(err)}`);
      }
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
    if (call.progress === 'rejected') {
      await endAtConnector('user');
      return finish('rejected', 'customer_rejected');
    }
    const terminated = call.terminated;
    if (terminated) {
      await endAtConnector('user');
      if (recorded !== 'accepted') {
        // Meta's REJECTED status and the terminate webhook are separate deliveries: give the status a moment.
        const rejected = await condition(() => call.progress === 'rejected', STATUS_GRACE_MS);
        if (rejected) return finish('rejected', 'customer_rejected');
        const rangOut = Date.now() >= dialedAt + input.ringTimeoutMs;
        return finish('not_answered', rangOut ? 'ring_timeout' : 'customer_did_not_answer');
      }
      return finish(terminated.status === 'FAILED' ? 'failed' : 'completed', 'customer_hung_up', terminated.durationSeconds);
    }
    const ringing = recorded !== 'accepted';
    if (call.hangUpRequested || (ringing && Date.now() >= ringDeadline)) {
      await endAtConnector('business');
      // Meta confirms with a terminate webhook carrying the duration; do not wait forever for it.
      await condition(() => call.terminated !== undefined, TERMINATE_GRACE_MS);
      if (ringing) return finish('not_answered', call.hangUpRequested ? 'agent_cancelled' : 'ring_timeout');
      const confirmed = terminatedByMeta();
      return finish(confirmed?.status === 'FAILED' ? 'failed' : 'completed', 'agent_hung_up', confirmed?.durationSeconds ?? null);
    }
    if (ringing) await condition(() => call.changed, Math.max(1, ringDeadline - Date.now()));
    else await condition(() => call.changed);
  }

  /**
   * Tells the Connector the call is over, once: `business` hangs up at Meta, `user` (after
   * Meta's terminate or REJECTED) only frees the Connector. A call already over is recorded by
   * the activity; a disconnect that fails for good is logged and the call still ends.
   */
  async function endAtConnector(by: 'business' | 'user'): Promise<void> {
    if (!connectorHolds) return;
    connectorHolds = false;
    try {
      const { outcome } = by === 'business' ? await hangUpCall(ids) : await releaseCall(ids);
      if (outcome === 'already_ended') log.info('the call had already ended at the Connector', { by });
    } catch (err) {
      log.warn('the Connector did not take the disconnect; the call ends anyway', { by, error: failureReason(err) });
    }
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
