import './calls.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { liveEvents, type LiveEvent } from '../api/events';
import { Link } from '../components/link';
import { t, useLang } from '../i18n';
import { agentName, contactName } from './call-names';
import { onEnterCall } from './enter-call';
import { InCallPanel } from './in-call-panel';
import { IncomingCallPopup } from './incoming-call-popup';
import { InviteeModal } from './invitee-modal';
import { OngoingCallsBar } from './ongoing-calls-bar';
import { prepareCallRoom } from './room';
import { useActiveCall } from './use-active-call';

interface Ringing {
  callId: string;
  contactId: string;
  contactName: string;
  accepting: boolean;
  error?: string;
}

interface Invitation {
  callId: string;
  contactId: string;
  contactName: string;
  invitedBy: string;
  busy: boolean;
  error?: string;
}

interface Granted {
  contactId: string;
  contactName: string;
}

const ENDED_STATES = ['completed', 'rejected', 'not_answered', 'failed'];
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
type Payload = Record<string, string | null | undefined>;

/**
 * Everything about calls that follows the agent through the console, whichever view is open:
 * customers' calls ringing, the call the agent is on, invitations from colleagues, calls under
 * way, and the customer who just allowed a call. Driven by the agent's live events.
 */
export function CallLayer({ showOngoing }: { showOngoing: boolean }) {
  // Re-renders the layer, and the call components in it, in the language the agent picks.
  useLang();
  const [ringing, setRinging] = useState<Ringing[]>([]);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [granted, setGranted] = useState<Granted | null>(null);
  const [self, setSelf] = useState<string | undefined>(undefined);
  const [ongoingVersion, setOngoingVersion] = useState(0);
  const active = useActiveCall(t('calls.customer'));
  // The event handler is subscribed once; it reaches the hook's latest functions through this.
  const activeRef = useRef(active);
  activeRef.current = active;

  const patchRinging = (callId: string, change: Partial<Ringing>) =>
    setRinging((list) => list.map((r) => (r.callId === callId ? { ...r, ...change } : r)));
  const patchInvitation = (callId: string, change: Partial<Invitation>) =>
    setInvitations((list) => list.map((i) => (i.callId === callId ? { ...i, ...change } : i)));
  const dropRinging = (callId: string) => setRinging((list) => list.filter((r) => r.callId !== callId));
  const dropInvitation = (callId: string) => setInvitations((list) => list.filter((i) => i.callId !== callId));

  useEffect(() => {
    const handle = async ({ type, data }: LiveEvent) => {
      const event = (data ?? {}) as Payload;
      const callId = event.call_id ?? '';
      switch (type) {
        case 'ready':
          setSelf(event.agent_id ? `agent:${event.agent_id}` : undefined);
          return;
        case 'call.offered': {
          prepareCallRoom();
          const contactId = event.contact_id ?? '';
          setRinging((list) => [...list.filter((r) => r.callId !== callId), { callId, contactId, contactName: t('calls.customer'), accepting: false }]);
          const name = await contactName(contactId);
          if (name) patchRinging(callId, { contactName: name });
          return;
        }
        case 'call.offer_withdrawn':
          dropRinging(callId);
          return;
        case 'call.updated':
          setOngoingVersion((n) => n + 1);
          if (event.state && ENDED_STATES.includes(event.state)) {
            dropRinging(callId);
            dropInvitation(callId);
            activeRef.current.ended(callId);
          }
          return;
        case 'call.invited': {
          prepareCallRoom();
          const contactId = event.contact_id ?? '';
          const invitation = { callId, contactId, contactName: t('calls.customer'), invitedBy: t('calls.colleague'), busy: false };
          setInvitations((list) => [...list.filter((i) => i.callId !== callId), invitation]);
          const [customer, inviter] = await Promise.all([contactName(contactId), agentName(event.invited_by ?? '')]);
          patchInvitation(callId, { ...(customer ? { contactName: customer } : {}), ...(inviter ? { invitedBy: inviter } : {}) });
          return;
        }
        case 'call.participants_changed':
        case 'call.invite_accepted':
        case 'call.invite_declined':
          activeRef.current.refreshCandidates(callId);
          return;
        case 'call_permission.granted': {
          const contactId = event.contact_id ?? '';
          setGranted({ contactId, contactName: (await contactName(contactId)) ?? t('calls.customer') });
          return;
        }
      }
    };
    const unsubscribe = liveEvents.on((event) => void handle(event));
    const unsubscribeEnter = onEnterCall((call) => void activeRef.current.enter(call, 'host'));
    return () => {
      unsubscribe();
      unsubscribeEnter();
    };
  }, []);

  async function accept(callId: string) {
    patchRinging(callId, { accepting: true, error: undefined });
    try {
      const started = ok(await api.POST('/v1/calls/{id}/accept', { params: { path: { id: callId } } }));
      dropRinging(callId);
      await active.enter({ callId, contactId: started.call.contact_id, join: started.join }, 'host');
    } catch (error) {
      patchRinging(callId, { accepting: false, error: messageOf(error) });
    }
  }

  async function joinInvitation(invitation: Invitation) {
    const { callId, contactId } = invitation;
    patchInvitation(callId, { busy: true, error: undefined });
    try {
      const join = ok(await api.POST('/v1/calls/{id}/invites/accept', { params: { path: { id: callId } } }));
      dropInvitation(callId);
      await active.enter({ callId, contactId, join }, 'invitee');
    } catch (error) {
      patchInvitation(callId, { busy: false, error: messageOf(error) });
    }
  }

  async function declineInvitation(callId: string) {
    patchInvitation(callId, { busy: true, error: undefined });
    try {
      ok(await api.POST('/v1/calls/{id}/invites/decline', { params: { path: { id: callId } } }));
      dropInvitation(callId);
    } catch (error) {
      patchInvitation(callId, { busy: false, error: messageOf(error) });
    }
  }

  const call = active.call;
  return (
    <div class="call-layer">
      {showOngoing && <OngoingCallsBar version={ongoingVersion} />}
      {granted && (
        <div class="call-toast" role="status">
          <p>{t('calls.granted', { name: granted.contactName })}</p>
          <Link to={`/contacts/${granted.contactId}`}>{t('calls.grantedOpen', { name: granted.contactName })}</Link>{' '}
          <button type="button" onClick={() => setGranted(null)}>
            {t('calls.dismiss')}
          </button>
        </div>
      )}
      {ringing.map((r) => (
        <IncomingCallPopup
          key={r.callId}
          callId={r.callId}
          contactName={r.contactName}
          accepting={r.accepting}
          error={r.error}
          onAccept={(id) => void accept(id)}
          // Declining only stops the ringing here: the call keeps ringing for colleagues.
          onDecline={dropRinging}
        />
      ))}
      {call && (
        <InCallPanel
          callId={call.callId}
          contactName={call.contactName}
          muted={call.muted}
          participants={call.participants}
          candidates={call.candidates}
          error={call.error}
          onMutedChange={(muted) => void active.setMuted(muted)}
          onVolumeChange={active.setVolume}
          onInvite={(agentId) => void active.invite(agentId)}
          onHangUp={() => void active.hangUp(self)}
        />
      )}
      {invitations.slice(0, 1).map((i) => (
        <InviteeModal
          key={i.callId}
          callId={i.callId}
          invitedBy={i.invitedBy}
          contactName={i.contactName}
          busy={i.busy}
          error={i.error}
          onJoin={() => void joinInvitation(i)}
          onDecline={(id) => void declineInvitation(id)}
        />
      ))}
    </div>
  );
}
