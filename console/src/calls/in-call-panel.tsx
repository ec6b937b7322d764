import { t } from '../i18n';
import type { Loaded } from './loaded';
import type { ParticipantRole } from './room';

/** Someone else on the call, with how loud they are right now (audio-meter.ts) and the volume the agent chose. */
export interface PanelParticipant {
  identity: string;
  name: string;
  role: Exclude<ParticipantRole, 'recorder'>;
  /** 0–1, from the participant's meter. */
  level: number;
  /** 0–1, as set with the slider. */
  volume: number;
}

/** A colleague who can be invited (GET /v1/calls/{id}/invite-candidates). */
export interface InviteCandidate {
  agentId: string;
  name: string;
  online: boolean;
  /** Knows this customer (assigned to them, or on earlier calls): listed first. */
  specialist: boolean;
  /** Already invited on this call. */
  invited?: boolean;
}

export interface InCallPanelProps {
  callId: string;
  contactName: string;
  muted: boolean;
  participants: PanelParticipant[];
  candidates: Loaded<InviteCandidate[]>;
  /** Why the last action failed, in the agent's language. */
  error?: string;
  onMutedChange(muted: boolean): void;
  onVolumeChange(identity: string, volume: number): void;
  onInvite(agentId: string): void;
  onHangUp(): void;
}

/** Above this level a participant counts as speaking (the meter's RMS; silence through Opus is ~0). */
export const SPEAKING_LEVEL = 0.01;

/** Specialists first, then those online, then by name: whom the agent most likely wants is on top. */
export function orderCandidates(candidates: InviteCandidate[]): InviteCandidate[] {
  return [...candidates].sort(
    (a, b) => Number(b.specialist) - Number(a.specialist) || Number(b.online) - Number(a.online) || a.name.localeCompare(b.name),
  );
}

export function InCallPanel(props: InCallPanelProps) {
  const { callId, contactName, muted, participants, error } = props;
  const titleId = `call-${callId}-title`;
  return (
    <section aria-labelledby={titleId} class="in-call">
      <h2 id={titleId}>{t('calls.inCallWith', { contact: contactName })}</h2>
      {error ? <p role="alert">{error}</p> : null}
      <div class="controls">
        <button type="button" aria-pressed={muted} onClick={() => props.onMutedChange(!muted)}>
          {muted ? t('calls.unmute') : t('calls.mute')}
        </button>
        <button type="button" class="hang-up" onClick={() => props.onHangUp()}>
          {t('calls.hangUp')}
        </button>
      </div>
      {muted ? <p role="status">{t('calls.microphoneMuted')}</p> : null}

      <h3>{t('calls.participants')}</h3>
      {participants.length === 0 ? (
        <p role="status">{t('calls.noParticipants')}</p>
      ) : (
        <ul class="participants">
          {participants.map((p) => (
            <ParticipantRow key={p.identity} participant={p} onVolumeChange={props.onVolumeChange} />
          ))}
        </ul>
      )}

      <InviteList candidates={props.candidates} onInvite={props.onInvite} />
    </section>
  );
}

function ParticipantRow({ participant: p, onVolumeChange }: { participant: PanelParticipant; onVolumeChange(identity: string, volume: number): void }) {
  const sliderId = `volume-${p.identity}`;
  const speaking = p.level > SPEAKING_LEVEL;
  return (
    <li>
      <span class="name">{p.name}</span> <span class="role">({t(`calls.role.${p.role}`)})</span>{' '}
      {/* data-level: the level as measured, rounded, for those who read the page rather than look at it (and the browser tests). */}
      <meter aria-label={t('calls.voiceLevelOf', { name: p.name })} min={0} max={0.2} value={Math.min(p.level, 0.2)} data-identity={p.identity} data-level={p.level.toFixed(3)} />
      {speaking ? <span class="speaking"> {t('calls.speaking')}</span> : null}
      <label for={sliderId}>{t('calls.volumeOf', { name: p.name })}</label>
      <input
        id={sliderId}
        type="range"
        min={0}
        max={100}
        step={5}
        value={Math.round(p.volume * 100)}
        aria-valuetext={`${Math.round(p.volume * 100)} %`}
        onInput={(e) => onVolumeChange(p.identity, Number((e.currentTarget as HTMLInputElement).value) / 100)}
      />
    </li>
  );
}

function InviteList({ candidates, onInvite }: { candidates: Loaded<InviteCandidate[]>; onInvite(agentId: string): void }) {
  return (
    <section aria-label={t('calls.inviteColleague')} class="invite">
      <h3>{t('calls.inviteColleague')}</h3>
      {candidates.state === 'loading' ? (
        <p role="status">{t('calls.loadingColleagues')}</p>
      ) : candidates.state === 'failed' ? (
        <p role="alert">{candidates.message}</p>
      ) : candidates.value.length === 0 ? (
        <p>{t('calls.noColleagues')}</p>
      ) : (
        <ul>
          {orderCandidates(candidates.value).map((c) => (
            <li key={c.agentId}>
              <span class="name">{c.name}</span> <span class={c.online ? 'online' : 'offline'}>{c.online ? t('calls.online') : t('calls.offline')}</span>
              {c.specialist ? <span class="specialist"> · {t('calls.specialist')}</span> : null}{' '}
              <button type="button" disabled={c.invited} aria-label={t(c.invited ? 'calls.invitedNamed' : 'calls.inviteNamed', { name: c.name })} onClick={() => onInvite(c.agentId)}>
                {c.invited ? t('calls.invited') : t('calls.invite')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
