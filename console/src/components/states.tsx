import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client';
import { t } from '../i18n';

/** The views' shared states: loading, nothing to show, and an error as the API worded it. */
export function Loading() {
  return (
    <p class="state state-loading" role="status" aria-live="polite">
      {t('state.loading')}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof ApiError ? error.message : error instanceof TypeError ? t('state.offline') : String(error);
  const field = error instanceof ApiError ? error.field : undefined;
  return (
    <div class="state state-error" role="alert">
      <p>
        <strong>{t('state.error')}:</strong> {message}
      </p>
      {field && <p class="error-field">{t('state.field', { field })}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('state.retry')}
        </button>
      )}
    </div>
  );
}
