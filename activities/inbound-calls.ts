import { ApplicationFailure } from '@temporalio/activity';
import type { CallsRepository } from '../src/calls/calls.repository';
import type { ContactsRepository } from '../src/contacts/contacts.repository';
import type { CallbackTaskRow, InboundCallsRepository } from '../src/calls/inbound-calls.repository';
import type { MessagesRepository } from '../src/messages/messages.repository';
import type { RealtimeRepository } from '../src/realtime/realtime.repository';
import type { WhatsAppGraphClient } from '../src/whatsapp/graph-client';
import type { LiveKitActivities } from './livekit';
import type { SealedTokenRow } from '../src/numbers/access-tokens';
import { customerIdentity } from '../src/calls/room-identities';
import { serviceWindowOpen } from '../src/whatsapp/service-window';
import { storeCallCustomerText } from '../src/messages/call-customer-text';

export interface InboundCallActivityDeps {
  inbound: InboundCallsRepository;
  calls: CallsRepository;
  contacts: ContactsRepository;
  messages: MessagesRepository;
  realtime: RealtimeRepository;
  livekit: LiveKitActivities;
  graphClient: (number: SealedTokenRow) => WhatsAppGraphClient;
  /** The number's plain token, for the Connector request being built. */
  accessToken: (number: SealedTokenRow) => string;
  /** The automatic answer to a call nobody could take ("URA lite"), by reason. */
  texts: { missed: string; outsideHours: string };
}

export function createInboundCallActivities(deps: InboundCallActivityDeps) {
  const { inbound, calls, contacts, messages, realtime, livekit, graphClient, accessToken, texts } = deps;
  /** Accepts still waiting for the Connector's answer, by call: a retried attempt joins one instead of accepting again. */
  const acceptsInFlight = new Map<string, Promise<void>>();
  const context = async (accountId: string, callId: string) => {
    const call = await calls.context(accountId, callId);
    if (!call) throw ApplicationFailure.nonRetryable(`call ${callId} not found`, 'NotFound');
    return call;
  };

  return {
    async rejectInboundCall(input: { accountId: string; callId: string }): Promise<void> {
      const call = await context(input.accountId, input.callId);
      await graphClient(call).callAction(call.phone_number_id, {
        messaging_product: 'whatsapp',
        call_id: call.whatsapp_call_id!,
        action: 'reject',
      });
    },

    /** Rings these agents' apps: a realtime offer to each, with the customer to show. */
    async offerInboundCall(input: { accountId: string; callId: string; contactId: string; agentIds: string[] }): Promise<void> {
      for (const agentId of input.agentIds) {
        await realtime.publish({
          accountId: input.accountId,
          agentId,
          type: 'call.offered',
          data: { call_id: input.callId, contact_id: input.contactId },
        });
      }
    },

    async withdrawInboundCallOffers(input: { accountId: string; callId: string; agentIds: string[]; reason: 'taken' | 'ended' }) {
      for (const agentId of input.agentIds) {
        await realtime.publish({
          accountId: input.accountId,
          agentId,
          type: 'call.offer_withdrawn',
          data: { call_id: input.callId, reason: input.reason },
        });
      }
    },

    /**
     * The winning agent's answer: the Connector bridges Meta's offer into the call's room and
     * accepts at Meta. Idempotent by design, because the Connector can take longer than an
     * attempt (it waits for the room before accepting) and Meta refuses a second accept: a call
     * already recorded as accepted is a no-op, and a retry while the first request still waits
     * for its answer (`timeoutSeconds`, longer than an attempt) joins it instead of sending
     * another. A retry on another worker, after one died mid-request, can still send a second
     * accept; Meta refuses it and the workflow records the call as failed.
     */
    async acceptInboundCall(input: {
      accountId: string;
      callId: string;
      sdpOffer: string;
      agentId: string;
      timeoutSeconds?: number;
    }): Promise<void> {
      const call = await context(input.accountId, input.callId);
      if (call.state === 'accepted') return;
      let pending = acceptsInFlight.get(call.id);
      if (!pending) {
        pending = (async () => {
          await livekit.createCallRoom({ roomName: call.room_name, emptyTimeoutSeconds: 300 });
          await livekit.acceptWhatsAppCall({
            phoneNumberId: call.phone_number_id,
            whatsappCallId: call.whatsapp_call_id!,
            sdpOffer: input.sdpOffer,
            roomName: call.room_name,
            accessToken: accessToken(call),
            bizOpaqueCallbackData: call.id,
            participantIdentity: customerIdentity(call.contact_id),
            timeoutSeconds: input.timeoutSeconds,
          });
          await calls.addParticipant({ accountId: call.account_id, callId: call.id, agentId: input.agentId, role: 'host', state: 'joined' });
          // Written last: "accepted" means the Connector answered and the agent is in.
          await calls.updateState(call.id, { state: 'accepted', agentId: input.agentId });
        })().finally(() => acceptsInFlight.delete(call.id));
        acceptsInFlight.set(call.id, pending);
      }
      await pending;
    },

    async createCallbackTask(input: {
      accountId: string;
      callId: string;
      reason: CallbackTaskRow['reason'];
      agentIds: string[];
      callBackAfter: number | null;
    }): Promise<{ taskId: string }> {
      const call = await context(input.accountId, input.callId);
      const task = await inbound.createCallbackTask({
        accountId: call.account_id,
        numberId: call.whatsapp_number_id,
        contactId: call.contact_id,
        callId: call.id,
        reason: input.reason,
        agentIds: input.agentIds,
        callBackAfter: input.callBackAfter === null ? null : new Date(input.callBackAfter),
      });
      const data = { task_id: task.id, call_id: call.id, contact_id: call.contact_id, reason: task.reason, call_back_after: task.call_back_after };
      for (const agentId of task.assigned_agent_ids) {
        await realtime.publish({ accountId: call.account_id, agentId, type: 'callback_task.created', data });
      }
      return { taskId: task.id };
    },

    /**
     * Stores the automatic reply to a call nobody could take, when the customer's 24 h window
     * is open (free-form text is not allowed outside it). The workflow sends it.
     */
    async prepareMissedCallMessage(input: {
      accountId: string;
      callId: string;
      reason: CallbackTaskRow['reason'];
      callBackAfter: number | null;
    }): Promise<{ messageId: string } | null> {
      const call = await context(input.accountId, input.callId);
      const contact = await contacts.findById(call.account_id, call.contact_id);
      if (!call.wa_id) return null;
      if (!serviceWindowOpen(contact?.whatsapp_last_inbound_at, Date.now())) return null;
      const text = input.reason === 'missed' ? texts.missed : texts.outsideHours;
      const messageId = await storeCallCustomerText(messages, { ...call, wa_id: call.wa_id }, text, `missed-call:${call.id}`);
      return { messageId };
    },
  };
}
