import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';

/** A colleague invited this agent to a call (the `call.invited` event): join it or decline. */
export interface InviteeModalProps {
  callId: string;
  invitedBy: string;
  contactName: string;
  /** The join or decline request is under way. */
  busy?: boolean;
  error?: string;
  onJoin(callId: string): void;
  onDecline(callId: string): void;
}

export function InviteeModal({ callId, invitedBy, contactName, busy = false, error, onJoin, onDecline }: InviteeModalProps) {
  const joinButton = useRef<HTMLButtonElement>(null);
  useEffect(() => joinButton.current?.focus(), [callId]);
  const titleId = `invite-${callId}-title`;
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={`invite-${callId}-text`}
      class="invitee-modal"
      // Escape is the keyboard's way to say no to a modal.
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) onDecline(callId);
      }}
    >
      <h2 id={titleId}>{t('calls.invitedToCall')}</h2>
      <p id={`invite-${callId}-text`}>{t('calls.invitedBy', { colleague: invitedBy, contact: contactName })}</p>
      {error ? <p role="alert">{error}</p> : null}
      <div class="actions">
        <button type="button" ref={joinButton} disabled={busy} onClick={() => onJoin(callId)}>
          {t('calls.join')}
        </button>
        <button type="button" disabled={busy} onClick={() => onDecline(callId)}>
          {t('calls.decline')}
        </button>
      </div>
    </div>
  );
}
