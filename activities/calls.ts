import { ApplicationFailure, log } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { CallPermissionsRepository } from '../src/calls/call-permissions.repository';
import { ENDED_CALL_STATES, type CallRow, type CallState, type CallsRepository } from '../src/calls/calls.repository';
import type { LiveKitActivities, WhatsAppDisconnectOutcome } from './livekit';
import type { SealedTokenRow } from '../src/numbers/access-tokens';
import type { PermissionState } from '../src/calls/policy';
import type { MessagesRepository } from '../src/messages/messages.repository';
import type { RealtimeRepository } from '../src/realtime/realtime.repository';
import type { CallEventKind, CallEventsRepository } from '../src/calls/call-events.repository';
import { customerIdentity } from '../src/calls/room-identities';
import type { RecordingSettingsRepository } from '../src/recording/recording-settings.repository';
import { serviceWindowOpen } from '../src/whatsapp/service-window';

export interface CallActivityDeps {
  permissions: CallPermissionsRepository;
  calls: CallsRepository;
  livekit: LiveKitActivities;
  messages: MessagesRepository;
  realtime: RealtimeRepository;
  events: CallEventsRepository;
  recordingSettings: RecordingSettingsRepository;
  /** The number's plain token, for the Connector request being built. */
  accessToken: (number: SealedTokenRow) => string;
  /** Body of the interactive call_permission_request sent inside the 24 h window. */
  permissionRequestText: string;
}

const RECORDER_POLL_MS = 100;

const TIMELINE_KIND: Record<CallState, CallEventKind> = {
  dialing: 'dialing',
  ringing: 'ringing',
  accepted: 'answered',
  completed: 'ended',
  rejected: 'ended',
  not_answered: 'ended',
  failed: 'ended',
};

export function createCallActivities(deps: CallActivityDeps) {
  const { permissions, calls, livekit, messages, realtime, events, recordingSettings, accessToken, permissionRequestText } = deps;
  /** Access tokens and phone numbers are looked up here, never passed through workflow histories. */
  const context = async (accountId: string, callId: string) => {
    const call = await calls.context(accountId, callId);
    if (!call) throw ApplicationFailure.nonRetryable(`call ${callId} not found`, 'NotFound');
    if (!call.wa_id) throw ApplicationFailure.nonRetryable(`the contact of call ${callId} has no WhatsApp identity`, 'NoWhatsAppIdentity');
    return { ...call, wa_id: call.wa_id };
  };

  /**
   * The call's timeline: how it began (dialing for ours, ringing for the customer's) and each state
   * reached. A state is stored once, whatever retries report it again.
   */
  async function recordTimeline(row: CallRow, state: CallState, endReason?: string): Promise<void> {
    const first: CallEventKind = row.direction === 'business_initiated' ? 'dialing' : 'ringing';
    const ids = { accountId: row.account_id, callId: row.id };
    await events.append({ ...ids, kind: first, at: row.created_at, dedupKey: first });
    const kind = TIMELINE_KIND[state];
    if (kind === first) return;
    const at = (kind === 'ringing' ? row.ringing_at : kind === 'answered' ? row.accepted_at : row.ended_at) ?? new Date();
    const detail = kind === 'ended' ? { state, end_reason: endReason ?? row.end_reason, duration_seconds: row.duration_seconds } : {};
    await events.append({ ...ids, kind, at, agentId: kind === 'answered' ? row.agent_id : null, detail, dedupKey: kind });
  }

  return {
    /**
     * Creates the call's room and dials the customer through the Connector, our call id riding
     * along; the Connector gives up on its own after `ringingTimeoutSeconds`.
     */
    async placeBusinessCall(input: { accountId: string; callId: string; ringingTimeoutSeconds: number }): Promise<{ whatsappCallId: string }> {
      const call = await context(input.accountId, input.callId);
      await livekit.createCallRoom({ roomName: call.room_name, emptyTimeoutSeconds: 300 });
      const { whatsappCallId } = await livekit.dialWhatsAppCall({
        phoneNumberId: call.phone_number_id,
        toWaId: call.wa_id,
        roomName: call.room_name,
        accessToken: accessToken(call),
        bizOpaqueCallbackData: call.id,
        participantIdentity: customerIdentity(call.contact_id),
        ringingTimeoutSeconds: input.ringingTimeoutSeconds,
      });
      await calls.setWhatsAppCallId(call.id, whatsappCallId);
      return { whatsappCallId };
    },

    /** Hands Meta's SDP answer (from the connect webhook) to the Connector: the media bridge comes up. */
    async connectBusinessCall(input: { accountId: string; callId: string; sdpAnswer: string }): Promise<void> {
      const call = await context(input.accountId, input.callId);
      if (!call.whatsapp_call_id) throw ApplicationFailure.nonRetryable('the call was never dialed', 'CallNotDialed');
      await livekit.connectWhatsAppCall({ whatsappCallId: call.whatsapp_call_id, sdpAnswer: input.sdpAnswer });
    },

    /**
     * The business hangs up (BUSINESS_INITIATED: the Connector terminates at Meta). When Meta
     * says the call had already ended, the Connector still holds it: it is freed as the user's.
     */
    async hangUpCall(input: { accountId: string; callId: string }): Promise<{ outcome: WhatsAppDisconnectOutcome }> {
      const call = await context(input.accountId, input.callId);
      if (!call.whatsapp_call_id) return { outcome: 'already_ended' };
      const whatsappCallId = call.whatsapp_call_id;
      const { outcome } = await livekit.disconnectWhatsAppCall({ whatsappCallId, accessToken: accessToken(call) });
      if (outcome === 'disconnected') return { outcome };
      log.info('the call had already ended when the business hung up', { callId: call.id, whatsappCallId });
      await livekit.disconnectWhatsAppCall({ whatsappCallId, reason: 'user_initiated' });
      return { outcome };
    },

    /**
     * Meta's terminate webhook came (the customer hung up, rejected, or the call failed): tells
     * the Connector with USER_INITIATED, as LiveKit requires, so it frees the call. Never sent
     * after our own hang-up (the proto warns that a second disconnect is an error).
     */
    async releaseCall(input: { accountId: string; callId: string }): Promise<{ outcome: WhatsAppDisconnectOutcome }> {
      const call = await context(input.accountId, input.callId);
      if (!call.whatsapp_call_id) return { outcome: 'already_ended' };
      const result = await livekit.disconnectWhatsAppCall({ whatsappCallId: call.whatsapp_call_id, reason: 'user_initiated' });
      if (result.outcome === 'already_ended') {
        log.info('the Connector had already let go of the call', { callId: call.id, whatsappCallId: call.whatsapp_call_id });
      }
      return result;
    },

    /**
     * Waits (a bounded time) for the call's recorder to be in the room, so that the media bridge
     * comes up with the recorder already listening and the first words are not lost. An account
     * that does not record has nothing to wait for; a recorder late past the wait is recorded as
     * late by the recorder itself (its first audio's offset), and the call goes on.
     */
    async waitForRecorder(input: { accountId: string; callId: string; timeoutMs: number }): Promise<{ ready: boolean }> {
      if (!(await recordingSettings.get(input.accountId)).enabled) return { ready: false };
      const deadline = Date.now() + input.timeoutMs;
      for (;;) {
        if (await events.has(input.callId, 'recording_started')) return { ready: true };
        if (Date.now() >= deadline) {
          log.warn('the recorder was not in the room in time; the call goes on', { callId: input.callId, waitedMs: input.timeoutMs });
          return { ready: false };
        }
        await new Promise((resolve) => setTimeout(resolve, RECORDER_POLL_MS));
      }
    },

    /** Writes the call's state and tells the account's agents; an ended call's room is closed. */
    async recordCallState(input: {
      accountId: string;
      callId: string;
      state: CallState;
      endReason?: string;
      durationSeconds?: number | null;
      /** The agent who answered a customer's call. */
      agentId?: string;
    }): Promise<void> {
      const row = await calls.updateState(input.callId, {
        state: input.state,
        endReason: input.endReason,
        durationSeconds: input.durationSeconds,
        agentId: input.agentId,
      });
      if (!row) return;
      await recordTimeline(row, input.state, input.endReason);
      await realtime.publish({
        accountId: input.accountId,
        type: 'call.updated',
        data: { call_id: row.id, contact_id: row.contact_id, state: row.state, direction: row.direction, agent_id: row.agent_id },
      });
      if (ENDED_CALL_STATES.includes(row.state)) await livekit.deleteRoom(row.room_name);
    },

    /**
     * Stores the permission request as an outbound message: the interactive
     * call_permission_request inside the customer's 24 h window, else the number's approved
     * template with a call_permission_request component. The caller sends it.
     */
    async prepareCallPermissionRequest(input: {
      accountId: string;
      numberId: string;
      contactId: string;
      agentId: string | null;
    }): Promise<{ messageId: string; kind: 'interactive' | 'template' }> {
      const context = await permissions.requestContext(input.accountId, input.numberId, input.contactId);
      if (!context) throw ApplicationFailure.nonRetryable('contact or number not found', 'NotFound');
      if (!context.wa_id) throw ApplicationFailure.nonRetryable('the contact has no WhatsApp identity', 'NoWhatsAppIdentity');
      const windowOpen = serviceWindowOpen(context.last_inbound_at, Date.now());
      if (!windowOpen && !context.call_permission_template) {
        throw ApplicationFailure.nonRetryable(
          "the customer's 24 h window is closed and this number has no call_permission_template to send instead",
          'CallPermissionTemplateMissing',
        );
      }
      const id = randomUUID();
      const content = windowOpen
        ? {
            type: 'interactive',
            interactive: {
              type: 'call_permission_request',
              action: { name: 'call_permission_request' },
              body: { text: permissionRequestText },
            },
          }
        : {
            type: 'template',
            template: { name: context.call_permission_template!.name, language: { code: context.call_permission_template!.language } },
          };
      await messages.insertOutbound({
        id,
        accountId: input.accountId,
        contactId: input.contactId,
        channel: 'whatsapp',
        channelAccountId: input.numberId,
        type: content.type,
        body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: context.wa_id, ...content, biz_opaque_callback_data: id },
        idempotencyKey: `call-permission-request:${id}`,
      });
      await permissions.recordRequest({ ...input, messageId: id });
      return { messageId: id, kind: windowOpen ? 'interactive' : 'template' };
    },

    /** Mirrors the workflow's state to Postgres and tells the agents; the requesting agent hears of a grant wherever they are. */
    async saveCallPermission(input: {
      accountId: string;
      numberId: string;
      contactId: string;
      state: PermissionState;
      previousStatus: PermissionState['status'];
      requestedByAgentId: string | null;
    }): Promise<void> {
      await permissions.save(input);
      const data = {
        whatsapp_number_id: input.numberId,
        contact_id: input.contactId,
        status: input.state.status,
        previous_status: input.previousStatus,
      };
      await realtime.publish({ accountId: input.accountId, type: 'call_permission.updated', data });
      if (input.state.status === 'granted' && input.previousStatus !== 'granted' && input.requestedByAgentId) {
        await realtime.publish({
          accountId: input.accountId,
          agentId: input.requestedByAgentId,
          type: 'call_permission.granted',
          data,
        });
      }
    },
  };
}
