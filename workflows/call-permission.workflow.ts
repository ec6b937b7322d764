import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  INITIAL_PERMISSION_STATE,
  applyPermissionEvent,
  effectivePermission,
  nextPermissionRequestAllowedAt,
  permissionEventFromReply,
  type BusinessCallOutcome,
  type PermissionEvent,
  type PermissionLimits,
  type PermissionReply,
  type PermissionRequestLimits,
  type PermissionState,
} from '../src/calls/policy';
import { recadoSearchAttributes } from './search-attributes';
import { sendMessageWorkflow, sendMessageWorkflowId, type SendMessageInput } from './send-message.workflow';

/** What survives continue-as-new: the state and what the request limits count. */
export interface CallPermissionMemory {
  state: PermissionState;
  requests: Array<{ requestedAt: number; agentId: string | null }>;
  lastConnectedCallAt: number | null;
  requestedByAgentId: string | null;
}

export interface CallPermissionInput {
  accountId: string;
  numberId: string;
  contactId: string;
  permissionLimits: PermissionLimits;
  requestLimits: PermissionRequestLimits;
  message: Pick<SendMessageInput, 'sendTimeout' | 'unknownOutcomeWait' | 'giveUpAfter'>;
  memory?: CallPermissionMemory;
}

export interface CallPermissionView {
  state: PermissionState;
  nextRequestAllowedAt: number | null;
  requests: CallPermissionMemory['requests'];
}

export const requestCallPermissionUpdate =
  defineUpdate<{ requestedAt: number; messageId: string }, [{ agentId: string | null }]>('requestCallPermission');
/** From the messages webhook: the customer's call_permission_reply (expiresAt in epoch ms). */
export const callPermissionReplySignal =
  defineSignal<[PermissionReply]>('callPermissionReply');
/** Meta's own view of the permission (GET call_permissions): it is the authority and replaces ours. */
export const metaPermissionSignal = defineSignal<[{ state: PermissionState }]>('metaPermission');
export const businessCallEndedSignal = defineSignal<[{ outcome: BusinessCallOutcome }]>('businessCallEnded');
export const callPermissionQuery = defineQuery<CallPermissionView>('callPermission');

/** Failure type of a rejected request; details: [{ reason, nextAllowedAt }]. */
export const PERMISSION_REQUEST_LIMITED = 'PermissionRequestLimited';

export function callPermissionWorkflowId(numberId: string, contactId: string): string {
  return `call-permission-${numberId}-${contactId}`;
}

/** Events before the history is handed over to a fresh run. */
const EVENTS_PER_RUN = 500;

/**
 * The call permission between one business number and one customer, for as long as they
 * talk: requests (within Meta's limits), the customer's answer, the 7-day expiry, and the
 * revocation after consecutive failed calls. Postgres holds a mirror for the REST API.
 */
export async function callPermissionWorkflow(input: CallPermissionInput): Promise<never> {
  const { prepareCallPermissionRequest, saveCallPermission } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '1m' },
  });
  const memory: CallPermissionMemory = input.memory ?? {
    state: INITIAL_PERMISSION_STATE,
    requests: [],
    lastConnectedCallAt: null,
    requestedByAgentId: null,
  };
  let dirty = input.memory === undefined;
  let requestInFlight = false;
  let events = 0;
  let previousStatus = memory.state.status;

  const apply = (event: PermissionEvent) => {
    memory.state = applyPermissionEvent(memory.state, event, Date.now(), input.permissionLimits);
    dirty = true;
    events++;
  };
  const decision = () =>
    nextPermissionRequestAllowedAt(memory.requests, memory.lastConnectedCallAt, Date.now(), input.requestLimits);

  setHandler(
    requestCallPermissionUpdate,
    async ({ agentId }) => {
      requestInFlight = true;
      let messageId: string;
      try {
        ({ messageId } = await prepareCallPermissionRequest({
          accountId: input.accountId,
          numberId: input.numberId,
          contactId: input.contactId,
          agentId,
        }));
      } finally {
        requestInFlight = false;
      }
      const requestedAt = Date.now();
      memory.requests.push({ requestedAt, agentId });
      memory.requestedByAgentId = agentId;
      apply({ type: 'request_sent' });
      await startChild(sendMessageWorkflow, {
        workflowId: sendMessageWorkflowId(messageId),
        args: [{ accountId: input.accountId, messageId, ...input.message }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: recadoSearchAttributes('message', input),
      });
      return { requestedAt, messageId };
    },
    {
      validator: (_request: { agentId: string | null }) => {
        if (requestInFlight) {
          throw ApplicationFailure.nonRetryable('a permission request is being sent right now', PERMISSION_REQUEST_LIMITED);
        }
        const d = decision();
        if (!d.allowed) {
          throw ApplicationFailure.nonRetryable(
            `Meta allows ${d.reason === 'daily_limit' ? 'one request a day' : 'two requests a week'} per customer`,
            PERMISSION_REQUEST_LIMITED,
            { reason: d.reason, nextAllowedAt: d.nextAllowedAt },
          );
        }
      },
    },
  );
  setHandler(callPermissionReplySignal, (reply) => apply(permissionEventFromReply(reply)));
  setHandler(metaPermissionSignal, ({ state }) => {
    memory.state = state;
    dirty = true;
    events++;
  });
  setHandler(businessCallEndedSignal, ({ outcome }) => {
    if (outcome === 'connected') memory.lastConnectedCallAt = Date.now();
    apply({ type: 'business_call_ended', outcome });
  });
  setHandler(callPermissionQuery, () => {
    const d = decision();
    return {
      state: effectivePermission(memory.state, Date.now()),
      nextRequestAllowedAt: d.allowed ? null : d.nextAllowedAt,
      requests: memory.requests,
    };
  });

  for (;;) {
    // Time moves the state too: a grant or an unanswered request lapses.
    const current = effectivePermission(memory.state, Date.now());
    if (current !== memory.state) {
      memory.state = current;
      dirty = true;
    }
    if (dirty) {
      dirty = false;
      await saveCallPermission({
        accountId: input.accountId,
        numberId: input.numberId,
        contactId: input.contactId,
        state: memory.state,
        previousStatus,
        requestedByAgentId: memory.requestedByAgentId,
      });
      previousStatus = memory.state.status;
      continue;
    }
    if (events >= EVENTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      // Older requests no longer count against any limit.
      const horizon = Date.now() - input.requestLimits.weekly.windowMs;
      memory.requests = memory.requests.filter((r) => r.requestedAt > horizon);
      await continueAsNew<typeof callPermissionWorkflow>({ ...input, memory });
    }
    const deadline = nextDeadline(memory.state);
    if (deadline === null) await condition(() => dirty);
    else await condition(() => dirty, Math.max(1, deadline - Date.now()));
  }
}

function nextDeadline(state: PermissionState): number | null {
  if (state.status === 'pending') return state.requestExpiresAt;
  if (state.status === 'granted') return state.expiresAt;
  return null;
}
