import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallEventsRepository } from '../src/calls/call-events.repository';
import { ENDED_CALL_STATES, type CallContext, type CallsRepository } from '../src/calls/calls.repository';
import type { ContactsRepository } from '../src/contacts/contacts.repository';
import type { MessagesRepository } from '../src/messages/messages.repository';
import type { RecordingSettingsRepository } from '../src/recording/recording-settings.repository';
import { serviceWindowOpen } from '../src/whatsapp/service-window';
import { storeCallCustomerText } from '../src/messages/call-customer-text';

export interface RecordingConsentActivityDeps {
  calls: CallsRepository;
  contacts: ContactsRepository;
  settings: RecordingSettingsRepository;
  messages: MessagesRepository;
  events: CallEventsRepository;
}

export type ConsentNotSentReason = 'not_answered' | 'no_whatsapp_identity' | 'window_closed' | 'send_failed';

export type PreparedConsent =
  /** Recording is off or the account has no consent message: nothing to tell, nothing on the timeline. */
  | { outcome: 'none' }
  /** It cannot go (the reason is on the timeline). */
  | { outcome: 'not_sent'; reason: ConsentNotSentReason }
  /** Stored as an outbound message, one per call; the workflow sends it. */
  | { outcome: 'prepared'; messageId: string };

/** How often a customer's call still being answered is looked at again. */
const ANSWER_POLL_MS = 250;

/** The timeline holds one consent_message event per call, whatever retries report it again. */
const TIMELINE_KEY = 'consent_message';

export function createRecordingConsentActivities({ calls, contacts, settings, messages, events }: RecordingConsentActivityDeps) {
  const onTimeline = (accountId: string, callId: string, detail: Record<string, unknown>) =>
    events.append({ accountId, callId, kind: 'consent_message', at: new Date(), detail, dedupKey: TIMELINE_KEY });

  /**
   * The call once it is answered or over. A customer's call is recorded from just before the
   * Connector answers it (so the first words are kept); the consent message waits for the answer.
   */
  async function answeredOrEnded(accountId: string, callId: string): Promise<CallContext> {
    const ctx = Context.current();
    for (;;) {
      const call = await calls.context(accountId, callId);
      if (!call) throw ApplicationFailure.nonRetryable(`call ${callId} not found`, 'NotFound');
      if (call.accepted_at || ENDED_CALL_STATES.includes(call.state)) return call;
      ctx.heartbeat();
      await ctx.sleep(ANSWER_POLL_MS);
    }
  }

  return {
    /**
     * For a recorded call: when the account has a consent message, stores it as a text to the
     * customer once the call is answered — one per call (idempotency key), so its send workflow
     * id is one per call too. Free-form text reaches the customer only inside their 24 h window:
     * outside it nothing is sent, and the timeline says so.
     */
    async prepareRecordingConsent({ accountId, callId }: { accountId: string; callId: string }): Promise<PreparedConsent> {
      const policy = await settings.get(accountId);
      const text = policy.consentMessage ?? '';
      if (!policy.enabled || !text.trim()) return { outcome: 'none' };

      const call = await answeredOrEnded(accountId, callId);
      const notSent = async (reason: ConsentNotSentReason, more: Record<string, unknown> = {}): Promise<PreparedConsent> => {
        await onTimeline(accountId, callId, { outcome: 'not_sent', reason, ...more });
        return { outcome: 'not_sent', reason };
      };
      if (!call.accepted_at) return notSent('not_answered');
      if (!call.wa_id) return notSent('no_whatsapp_identity');
      const contact = await contacts.findById(accountId, call.contact_id);
      const lastInboundAt = contact?.whatsapp_last_inbound_at ?? null;
      if (!serviceWindowOpen(lastInboundAt, Date.now())) {
        return notSent('window_closed', { last_inbound_at: lastInboundAt?.toISOString() ?? null });
      }

      const messageId = await storeCallCustomerText(messages, { ...call, wa_id: call.wa_id }, text, `recording-consent:${call.id}`);
      return { outcome: 'prepared', messageId };
    },

    /**
     * After the send workflow: the message says how it went (the provider's id once WhatsApp
     * took it, or the error), and the call's timeline gets it.
     */
    async recordRecordingConsent({ accountId, callId, messageId }: { accountId: string; callId: string; messageId: string }): Promise<void> {
      const message = await messages.findById(accountId, messageId);
      if (!message) throw ApplicationFailure.nonRetryable(`message ${messageId} not found`, 'NotFound');
      if (message.provider_message_id) {
        await onTimeline(accountId, callId, { outcome: 'sent', message_id: message.id, provider_message_id: message.provider_message_id });
      } else if (message.state === 'failed') {
        await onTimeline(accountId, callId, { outcome: 'not_sent', reason: 'send_failed', message_id: message.id, error: message.error });
      } else {
        // Its send workflow was started elsewhere (the messages sweeper) and is still going: the message tells the rest.
        await onTimeline(accountId, callId, { outcome: 'sending', message_id: message.id });
      }
    },
  };
}

export type RecordingConsentActivities = ReturnType<typeof createRecordingConsentActivities>;
