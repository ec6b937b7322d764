import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { ErrorBox } from '../../components/states';
import { t } from '../../i18n';

/**
 * One recording, playable and seekable. The token must never be in a URL, so the audio element
 * cannot fetch the file itself: it is downloaded with the Authorization header (api client) and
 * played from an object URL, which the browser seeks in like any file.
 */
export function RecordingPlayer({ callId, recording, label }: { callId: string; recording: Schemas['RecordingView']; label: string }) {
  const [source, setSource] = useState<{ url?: string; error?: unknown }>({});
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let objectUrl: string | undefined;
    let current = true;
    setSource({});
    api
      .GET('/v1/calls/{id}/recordings/{recording_id}', { params: { path: { id: callId, recording_id: recording.id } }, parseAs: 'blob' })
      .then(ok)
      .then(
        (blob) => {
          if (!current) return;
          objectUrl = URL.createObjectURL(blob as Blob);
          setSource({ url: objectUrl });
        },
        (error: unknown) => current && setSource({ error }),
      );
    return () => {
      current = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [callId, recording.id, attempt]);

  const seconds = (recording.duration_ms / 1000).toFixed(1);
  return (
    <figure class="recording">
      <figcaption>
        {label} <span class="muted">· {seconds} s</span>
      </figcaption>
      {source.error !== undefined && <ErrorBox error={source.error} onRetry={() => setAttempt((n) => n + 1)} />}
      {source.url ? (
        <audio controls preload="metadata" src={source.url} aria-label={label} data-recording-id={recording.id} />
      ) : (
        source.error === undefined && (
          <p class="state state-loading" role="status">
            {t('call.recordingLoading')}
          </p>
        )
      )}
    </figure>
  );
}
