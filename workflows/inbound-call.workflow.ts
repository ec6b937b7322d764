import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  defineUpdate,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { InboundCallScreen } from '../src/calls/inbound-call-screening';
import { ringWaves } from '../src/calls/policy';
import { callTerminatedSignal, hangUpSignal } from './business-call.workflow';
import { recadoSearchAttributes } from './search-attributes';
import { sendMessageWorkflow, sendMessageWorkflowId, type SendMessageInput } from './send-message.workflow';
import { failureReason } from './failure-reason';
import { CALL_RECORDING_PATCH, startCallRecording, type CallRecordingOptions } from './call-recording.workflow';

export interface InboundCallInput {
  accountId: string;
  callId: string;
  numberId: string;
  contactId: string;
  /** Taken when the call arrived. */
  screen: InboundCallScreen;
  /** Meta's SDP offer from the connect webhook. */
  sdpOffer: string;
  /** Meta lets a call ring about 30–60 s; an agent must accept within this. */
  answerWindowMs: number;
  /** One attempt at the Connector's accept; a retry joins the attempt still waiting for its answer. */
  acceptTimeoutMs: number;
  /** How long the agents involved with the customer ring alone before everyone else rings too. */
  waveDelayMs: number;
  message: Pick<SendMessageInput, 'sendTimeout' | 'unknownOutcomeWait' | 'giveUpAfter'>;
  /** Absent in calls started before recording. */
  recording?: CallRecordingOptions;
}

/** An agent takes the call. Rejected when another agent was first, or the call was not offered to them. */
export const acceptInboundCallUpdate = defineUpdate<{ accepted: true }, [{ agentId: string }]>('acceptInboundCall');

/** Failure type when an agent tries to take a call they cannot have (taken, not offered, over). */
export const CALL_NOT_AVAILABLE = 'CallNotAvailable';

const TERMINATE_GRACE_MS = 15_000;

/**
 * The customer calls the business: blocked callers and calls outside the configured hours are
 * rejected (with the automatic message and a callback task); otherwise agents ring in waves —
 * those involved with the customer first — and the first to accept gets the call, the others'
 * offers are withdrawn. Nobody in time: the call is missed and becomes a callback task.
 */
export async function inboundCallWorkflow(input: InboundCallInput): Promise<string> {
  // Local activities: the ring path is short database, realtime and Connector calls, and every
  // server round trip saved is time the customer is not kept ringing (see npm run bench:calls).
  const acts = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumInterval: '2s', maximumAttempts: 5 } });
  const ids = { accountId: input.accountId, callId: input.callId };
  const connector = proxyLocalActivities<Activities>({
    startToCloseTimeout: input.acceptTimeoutMs,
    retry: { maximumInterval: '2s', maximumAttempts: 5 },
  });

  const call: { winner?: string; terminated?: { durationSeconds: number | null }; hangUp: boolean; changed: boolean } = {
    hangUp: false,
    changed: false,
  };
  const offered = new Set<string>();
  setHandler(
    acceptInboundCallUpdate,
    ({ agentId }) => {
      call.winner = agentId;
      call.changed = true;
      return { accepted: true as const };
    },
    {
      validator: ({ agentId }) => {
        if (call.winner) throw ApplicationFailure.nonRetryable('another agent already took this call', CALL_NOT_AVAILABLE);
        if (call.terminated) throw ApplicationFailure.nonRetryable('the customer hung up', CALL_NOT_AVAILABLE);
        if (!offered.has(agentId)) throw ApplicationFailure.nonRetryable('this call was not offered to you', CALL_NOT_AVAILABLE);
      },
    },
  );
  setHandler(callTerminatedSignal, ({ durationSeconds }) => {
    call.terminated ??= { durationSeconds };
    call.changed = true;
  });
  setHandler(hangUpSignal, () => {
    call.hangUp = true;
    call.changed = true;
  });
  const terminatedByMeta = () => call.terminated;

  const { screen } = input;
  if (screen.blocked) {
    await acts.rejectInboundCall(ids);
    await acts.recordCallState({ ...ids, state: 'rejected', endReason: 'caller_blocked' });
    return 'rejected';
  }
  if (!screen.availability.open) {
    await acts.rejectInboundCall(ids);
    await acts.recordCallState({ ...ids, state: 'not_answered', endReason: screen.availability.reason });
    await unavailable(screen.availability.reason === 'calling_disabled' ? 'calling_disabled' : 'outside_hours', screen.availability.nextOpenAt);
    return 'not_answered';
  }

  const waves = ringWaves(screen.agents.filter((a) => a.online), { escalateAfterMs: input.waveDelayMs });
  const started = Date.now();
  const deadline = started + input.answerWindowMs;
  for (const wave of waves) {
    const startAt = started + wave.startAfterMs;
    if (startAt >= deadline) break;
    // The first wave rings at once: a zero timer would still wait for the server's timer tick.
    const wait = startAt - Date.now();
    if (wait > 0 && (await condition(() => call.winner !== undefined || call.terminated !== undefined, wait))) break;
    const agentIds = wave.agents.map((a) => a.id);
    agentIds.forEach((id) => offered.add(id));
    await acts.offerInboundCall({ ...ids, contactId: input.contactId, agentIds });
  }
  await condition(() => call.winner !== undefined || call.terminated !== undefined, Math.max(1, deadline - Date.now()));
  const winner = call.winner;
  const others = [...offered].filter((id) => id !== winner);
  if (others.length) await acts.withdrawInboundCallOffers({ ...ids, agentIds: others, reason: winner ? 'taken' : 'ended' });

  if (!winner) {
    const customerHungUp = terminatedByMeta() !== undefined;
    if (!customerHungUp) await acts.rejectInboundCall(ids);
    await acts.recordCallState({
      ...ids,
      state: 'not_answered',
      endReason: customerHungUp ? 'customer_hung_up' : offered.size ? 'nobody_answered' : 'no_agent_online',
    });
    await unavailable('missed', null);
    return 'not_answered';
  }

  // The recorder is listening before the Connector answers, so the customer's first words are kept.
  if (patched(CALL_RECORDING_PATCH)) await startCallRecording(input, input.recording);
  try {
    // The Connector may answer late; the accept is idempotent (see acceptInboundCall), so retries are safe.
    await connector.acceptInboundCall({ ...ids, sdpOffer: input.sdpOffer, agentId: winner, timeoutSeconds: input.answerWindowMs / 1000 });
  } catch (err) {
    // The customer hung up meanwhile, or Meta refused: the call ends here, with its state written.
    const customerHungUp = terminatedByMeta() !== undefined;
    log.warn('the call could not be accepted', { error: failureReason(err), customerHungUp });
    if (customerHungUp) await endAtConnector('user');
    await acts.recordCallState({
      ...ids,
      state: customerHungUp ? 'not_answered' : 'failed',
      endReason: customerHungUp ? 'customer_hung_up' : `accept_failed: ${failureReason(err)}`,
    });
    return customerHungUp ? 'not_answered' : 'failed';
  }
  await acts.recordCallState({ ...ids, state: 'accepted', agentId: winner });
  await condition(() => call.terminated !== undefined || call.hangUp);
  const agentFirst = !terminatedByMeta();
  if (agentFirst) {
    await endAtConnector('business');
    await condition(() => call.terminated !== undefined, TERMINATE_GRACE_MS);
  } else {
    await endAtConnector('user');
  }
  await acts.recordCallState({
    ...ids,
    state: 'completed',
    endReason: agentFirst ? 'agent_hung_up' : 'customer_hung_up',
    durationSeconds: terminatedByMeta()?.durationSeconds ?? null,
  });
  return 'completed';

  /**
   * Tells the Connector the call is over: `business` hangs up at Meta, `user` (Meta's terminate
   * came) frees the Connector as LiveKit requires. A call already over is not an error; a
   * disconnect that fails for good is logged and the call still ends with its state.
   */
  async function endAtConnector(by: 'business' | 'user'): Promise<void> {
    try {
      const { outcome } = by === 'business' ? await acts.hangUpCall(ids) : await acts.releaseCall(ids);
      if (outcome === 'already_ended') log.info('the call had already ended at the Connector', { by });
    } catch (err) {
      log.warn('the Connector did not take the disconnect; the call ends anyway', { by, error: failureReason(err) });
    }
  }

  /** The "URA lite": an automatic message and a callback task for the agents involved. */
  async function unavailable(reason: 'missed' | 'outside_hours' | 'calling_disabled', callBackAfter: number | null) {
    const involved = screen.agents.filter((a) => a.involvement > 0).map((a) => a.id);
    await acts.createCallbackTask({
      ...ids,
      reason,
      agentIds: involved.length ? involved : screen.agents.map((a) => a.id),
      callBackAfter,
    });
    const message = await acts.prepareMissedCallMessage({ ...ids, reason, callBackAfter });
    if (message) {
      await startChild(sendMessageWorkflow, {
        workflowId: sendMessageWorkflowId(message.messageId),
        args: [{ accountId: input.accountId, messageId: message.messageId, ...input.message }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: recadoSearchAttributes('message', input),
      });
    }
  }
}
