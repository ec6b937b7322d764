import './calls.css';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { setLang } from '../i18n';
import { IncomingCallPopup } from './incoming-call-popup';
import { InCallPanel, type InviteCandidate, type PanelParticipant } from './in-call-panel';
import { InviteeModal } from './invitee-modal';
import type { Loaded } from './loaded';
import { OngoingCallsStrip, type OngoingCall } from './ongoing-calls-strip';

/**
 * Every call component on one page with sample data, in the language of `?lang=` (en or pt), and
 * `?state=loading|failed|empty` for the lists: the browser page test renders it, presses its
 * buttons and runs axe on it; people use it to look at the components without a call. What the
 * callbacks receive is kept in `window.callPreviewLog`.
 */
const params = new URLSearchParams(location.search);
setLang(params.get('lang') === 'pt' ? 'pt' : 'en');
const listState = params.get('state');
const log: string[] = [];
(globalThis as unknown as { callPreviewLog: string[] }).callPreviewLog = log;

function sample<T>(value: T, empty: T): Loaded<T> {
  if (listState === 'loading') return { state: 'loading' };
  if (listState === 'failed') return { state: 'failed', message: 'HTTP 503: the API is unavailable' };
  return { state: 'ready', value: listState === 'empty' ? empty : value };
}

const CANDIDATES: InviteCandidate[] = [
  { agentId: 'a-3', name: 'Carla', online: false, specialist: false },
  { agentId: 'a-2', name: 'Bruno', online: true, specialist: false },
  { agentId: 'a-4', name: 'Diego', online: true, specialist: true },
];
const NOW = Date.parse('2026-12-07T10:05:30Z');
const ONGOING: OngoingCall[] = [
  { id: 'c-1', contactName: 'Maria Souza', agentNames: ['Ana', 'Diego'], answeredAt: '2026-12-07T10:02:00Z' },
  { id: 'c-2', contactName: 'João Lima', agentNames: [] },
];

function Preview() {
  const [muted, setMuted] = useState(false);
  const [participants, setParticipants] = useState<PanelParticipant[]>(
    listState === 'empty'
      ? []
      : [
          { identity: 'customer:k-1', name: 'Maria Souza', role: 'customer', level: 0.05, volume: 1 },
          { identity: 'agent:a-4', name: 'Diego', role: 'agent', level: 0, volume: 0.5 },
        ],
  );
  const [invited, setInvited] = useState<string[]>([]);
  const candidates = sample(CANDIDATES, []);
  return (
    <>
      <h1>recado</h1>
      <OngoingCallsStrip calls={sample(ONGOING, [])} now={NOW} onOpen={(id) => log.push(`open ${id}`)} />
      <IncomingCallPopup
        callId="c-9"
        contactName="Maria Souza"
        businessNumber="+55 11 4000-0000"
        onAccept={(id) => log.push(`accept ${id}`)}
        onDecline={(id) => log.push(`decline ${id}`)}
      />
      <InCallPanel
        callId="c-1"
        contactName="Maria Souza"
        muted={muted}
        participants={participants}
        candidates={candidates.state === 'ready' ? { state: 'ready', value: candidates.value.map((c) => ({ ...c, invited: invited.includes(c.agentId) })) } : candidates}
        onMutedChange={(m) => {
          log.push(`muted ${m}`);
          setMuted(m);
        }}
        onVolumeChange={(identity, volume) => {
          log.push(`volume ${identity} ${volume}`);
          setParticipants((ps) => ps.map((p) => (p.identity === identity ? { ...p, volume } : p)));
        }}
        onInvite={(agentId) => {
          log.push(`invite ${agentId}`);
          setInvited((ids) => [...ids, agentId]);
        }}
        onHangUp={() => log.push('hang up')}
      />
      <InviteeModal
        callId="c-7"
        invitedBy="Ana"
        contactName="João Lima"
        onJoin={(id) => log.push(`join ${id}`)}
        onDecline={(id) => log.push(`decline invite ${id}`)}
      />
    </>
  );
}

render(<Preview />, document.getElementById('root')!);
