import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { startAudioMeter, type AudioMeter } from './audio-meter';
import { agentName, contactName } from './call-names';
import type { EnteredCall } from './enter-call';
import type { InviteCandidate, PanelParticipant } from './in-call-panel';
import type { Loaded } from './loaded';
import { joinCallRoom, type CallParticipant, type CallRoom } from './room';

/** The call this agent is on, as the in-call panel shows it. */
export interface ActiveCall {
  callId: string;
  contactId: string;
  contactName: string;
  /** host: placed or answered it (hanging up ends the call); invitee: joined on a colleague's invitation (hanging up leaves it). */
  role: 'host' | 'invitee';
  muted: boolean;
  participants: PanelParticipant[];
  candidates: Loaded<InviteCandidate[]>;
  error?: string;
}

/** How often the panel's voice meters are read: often enough for a speaking light, rarely enough to re-render cheaply. */
const METER_INTERVAL_MS = 100;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Customer first, then colleagues by name. */
const ordered = (participants: PanelParticipant[]) =>
  [...participants].sort((a, b) => Number(b.role === 'customer') - Number(a.role === 'customer') || a.name.localeCompare(b.name));

/**
 * Joins the call's room with room.ts, keeps a voice meter per participant and the list of
 * colleagues to invite, and leaves the room when the call ends — by this agent or elsewhere.
 */
export function useActiveCall(fallbackContactName: string) {
  const [call, setCall] = useState<ActiveCall | null>(null);
  const room = useRef<CallRoom | undefined>(undefined);
  const meters = useRef(new Map<string, AudioMeter>());
  const current = useRef<string | undefined>(undefined);
  /** Colleagues this agent invited, as they were listed: the API lists them no more, the panel keeps them as invited until they join. */
  const invited = useRef(new Map<string, InviteCandidate>());

  const update = (callId: string, change: (call: ActiveCall) => ActiveCall) =>
    setCall((state) => (state && state.callId === callId ? change(state) : state));

  const stopMeter = async (identity: string) => {
    const meter = meters.current.get(identity);
    meters.current.delete(identity);
    await meter?.stop().catch(() => undefined);
  };

  async function close(callId: string) {
    if (current.current !== callId) return;
    current.current = undefined;
    for (const identity of [...meters.current.keys()]) await stopMeter(identity);
    const leaving = room.current;
    room.current = undefined;
    setCall(null);
    await leaving?.leave().catch(() => undefined);
  }

  async function loadCandidates(callId: string) {
    try {
      const list = ok(await api.GET('/v1/calls/{id}/invite-candidates', { params: { path: { id: callId } } }));
      const listed = list.map((c) => ({ agentId: c.agent_id, name: c.name, online: c.online, specialist: c.specialist, invited: invited.current.has(c.agent_id) }));
      update(callId, (state) => {
        const present = new Set(state.participants.map((p) => p.identity));
        const waiting = [...invited.current.values()].filter((c) => !present.has(`agent:${c.agentId}`) && !listed.some((l) => l.agentId === c.agentId));
        return { ...state, candidates: { state: 'ready', value: [...listed, ...waiting] } };
      });
    } catch (error) {
      update(callId, (state) => ({ ...state, candidates: { state: 'failed', message: messageOf(error) } }));
    }
  }

  async function enter(entered: EnteredCall, role: ActiveCall['role']) {
    // One call at a time: entering another leaves the room of the last (it goes on without this agent).
    if (current.current) await close(current.current);
    const { callId, contactId } = entered;
    current.current = callId;
    invited.current = new Map();
    setCall({ callId, contactId, contactName: fallbackContactName, role, muted: false, participants: [], candidates: { state: 'loading' } });
    void contactName(contactId).then((name) => name && update(callId, (state) => ({ ...state, contactName: name })));
    void loadCandidates(callId);

    const upsert = (p: CallParticipant, change: Partial<PanelParticipant> = {}) =>
      update(callId, (state) => {
        const known = state.participants.find((x) => x.identity === p.identity);
        const role = p.role === 'recorder' ? 'other' : p.role;
        const next = { identity: p.identity, name: p.name, role, level: 0, volume: 1, ...known, ...change };
        return { ...state, participants: ordered([...state.participants.filter((x) => x.identity !== p.identity), next]) };
      });
    // The room knows people by identity (agent:<id>, customer:<contact id>): the panel shows their names.
    const named = (p: CallParticipant) => {
      upsert(p);
      const id = p.identity.slice(p.identity.indexOf(':') + 1);
      const lookup = p.role === 'agent' ? agentName(id) : p.role === 'customer' ? contactName(id) : Promise.resolve(null);
      void lookup.then((name) => name && upsert(p, { name }));
    };
    try {
      const joined = await joinCallRoom(entered.join, {
        joined: named,
        left: (p) => {
          void stopMeter(p.identity);
          update(callId, (state) => ({ ...state, participants: state.participants.filter((x) => x.identity !== p.identity) }));
        },
        audio: (p, track) => {
          void stopMeter(p.identity);
          upsert(p);
          const onSample = ({ rms }: { rms: number }) => upsert(p, { level: rms });
          meters.current.set(p.identity, startAudioMeter(track, { intervalMs: METER_INTERVAL_MS, onSample }));
        },
        disconnected: () => void close(callId),
      });
      if (current.current !== callId) return void joined.leave();
      room.current = joined;
      update(callId, (state) => ({ ...state, muted: joined.muted() }));
    } catch (error) {
      update(callId, (state) => ({ ...state, error: messageOf(error) }));
    }
  }

  // The page going away (sign-out) leaves the room.
  useEffect(() => () => void (current.current && close(current.current)), []);

  return {
    call,
    enter,
    /** The call ended elsewhere (the customer hung up, the host ended it). */
    ended: (callId: string) => void close(callId),
    /** Someone joined, left or was invited: the colleagues' list changes. */
    refreshCandidates: (callId: string) => void (current.current === callId && loadCandidates(callId)),
    async setMuted(muted: boolean) {
      if (!call || !room.current) return;
      await room.current.setMuted(muted).catch((error) => update(call.callId, (state) => ({ ...state, error: messageOf(error) })));
      update(call.callId, (state) => ({ ...state, muted: room.current?.muted() ?? muted }));
    },
    setVolume(identity: string, volume: number) {
      if (!call) return;
      room.current?.setVolume(identity, volume);
      update(call.callId, (state) => ({ ...state, participants: state.participants.map((p) => (p.identity === identity ? { ...p, volume } : p)) }));
    },
    async invite(agentId: string) {
      if (!call) return;
      const { callId } = call;
      try {
        ok(await api.POST('/v1/calls/{id}/invites', { params: { path: { id: callId } }, body: { agent_id: agentId } }));
        const listed = call.candidates.state === 'ready' ? call.candidates.value.find((c) => c.agentId === agentId) : undefined;
        if (listed) invited.current.set(agentId, { ...listed, invited: true });
        update(callId, (state) => ({ ...state, error: undefined }));
        await loadCandidates(callId);
      } catch (error) {
        update(callId, (state) => ({ ...state, error: messageOf(error) }));
      }
    },
    async hangUp(selfIdentity: string | undefined) {
      if (!call) return;
      const { callId, role } = call;
      const path = { id: callId };
      try {
        if (role === 'host') ok(await api.POST('/v1/calls/{id}/hangup', { params: { path } }));
        else if (selfIdentity) ok(await api.DELETE('/v1/calls/{id}/participants/{identity}', { params: { path: { ...path, identity: selfIdentity } } }));
      } catch (error) {
        // The call may have ended already; the room is left either way.
        console.warn(`hang-up of call ${callId}: ${messageOf(error)}`);
      }
      await close(callId);
    },
  };
}
