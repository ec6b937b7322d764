import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';

/**
 * A customer's call ringing for this agent (the `call.offered` event). It goes away when the
 * console learns the offer was withdrawn (another agent took it, the customer gave up).
 */
export interface IncomingCallPopupProps {
  callId: string;
  contactName: string;
  /** The number the customer called, when the account has several. */
  businessNumber?: string;
  /** The accept request is under way: both buttons wait. */
  accepting?: boolean;
  /** Why the last accept failed (another agent was faster, the call ended). */
  error?: string;
  onAccept(callId: string): void;
  onDecline(callId: string): void;
}

export function IncomingCallPopup({ callId, contactName, businessNumber, accepting = false, error, onAccept, onDecline }: IncomingCallPopupProps) {
  const acceptButton = useRef<HTMLButtonElement>(null);
  // The agent is usually typing elsewhere: focus moves to Accept, so Enter answers.
  useEffect(() => acceptButton.current?.focus(), [callId]);
  const titleId = `incoming-${callId}-title`;
  return (
    <section role="alertdialog" aria-labelledby={titleId} aria-describedby={`incoming-${callId}-from`} class="incoming-call">
      <h2 id={titleId}>{t('calls.incomingCall')}</h2>
      <p id={`incoming-${callId}-from`}>
        {t('calls.incomingFrom', { contact: contactName })}
        {businessNumber ? ` · ${businessNumber}` : ''}
      </p>
      {error ? <p role="alert">{error}</p> : null}
      <div class="actions">
        <button type="button" ref={acceptButton} disabled={accepting} onClick={() => onAccept(callId)}>
          {accepting ? t('calls.accepting') : t('calls.accept')}
        </button>
        <button type="button" disabled={accepting} onClick={() => onDecline(callId)}>
          {t('calls.decline')}
        </button>
      </div>
    </section>
  );
}
