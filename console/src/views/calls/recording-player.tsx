import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiError, ok, type Schemas } from '../../api/client';
import { ErrorBox } from '../../components/states';
import { t } from '../../i18n';

/**
 * One recording, playable and seekable. The token must never be in a URL, so the player asks the
 * API (Authorization header) for a short-lived signed playback link and hands that to the audio
 * element, which streams the file and seeks with Range requests itself — a long call plays at
 * once instead of being downloaded whole first.
 */
export function RecordingPlayer({ callId, recording, label }: { callId: string; recording: Schemas['RecordingView']; label: string }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [link, setLink] = useState<string>();
  const [error, setError] = useState<unknown>();
  // The link the element plays now: an answer about an older one changes nothing.
  const shown = useRef<string>();
  shown.current = link;
  // Only the latest request for a link may set one (a retry, a renewal, another recording).
  const generation = useRef(0);
  // Where to go on once a renewed link has loaded.
  const resume = useRef<{ at: number; playing: boolean }>();
  // A renewed link that fails before it loads is not renewed again: the error shows instead.
  const renewed = useRef(false);

  const fetchLink = () => {
    const mine = ++generation.current;
    api
      .POST('/v1/calls/{id}/recordings/{recording_id}/playback-link', { params: { path: { id: callId, recording_id: recording.id } } })
      .then(ok)
      .then(
        (fresh) => {
          if (mine !== generation.current) return;
          // The same URL again (asked within the second it was issued) does not reload by itself.
          if (fresh.url === shown.current) audio.current?.load();
          else setLink(fresh.url);
        },
        (failure: unknown) => mine === generation.current && setError(failure),
      );
  };

  useEffect(() => {
    setLink(undefined);
    setError(undefined);
    renewed.current = false;
    resume.current = undefined;
    fetchLink();
    return () => void generation.current++;
  }, [callId, recording.id]);

  // A media element taken off the page may go on loading until it is collected, holding one of
  // the browser's few connections to the API: leaving the page lets go of the stream at once.
  useEffect(
    () => () => {
      const element = audio.current;
      if (!element) return;
      element.removeAttribute('src');
      element.load();
    },
    [],
  );

  /**
   * The element cannot say why it failed, so the link is asked once (one byte, no credentials):
   * expired (403) → a fresh link, at the same position; anything else → the API's own message.
   */
  const onMediaError = async () => {
    const element = audio.current;
    if (!element || !link) return;
    const at = { at: element.currentTime, playing: !element.paused };
    const failed = link;
    const probe = await fetch(failed, { headers: { range: 'bytes=0-0' } }).catch((failure: unknown) => failure);
    if (shown.current !== failed) return;
    if (probe instanceof Response && probe.status === 403 && !renewed.current) {
      renewed.current = true;
      resume.current = at;
      return fetchLink();
    }
    if (!(probe instanceof Response)) return setError(probe);
    setError(probe.ok ? new Error(t('call.recordingFailed')) : apiError(probe.status, await probe.json().catch(() => undefined)));
  };

  const onLoaded = () => {
    renewed.current = false;
    const element = audio.current;
    const then = resume.current;
    resume.current = undefined;
    if (!element || !then) return;
    element.currentTime = then.at;
    // Playing again needs no new gesture: the agent started it; a refusal just leaves it paused.
    if (then.playing) element.play().catch(() => undefined);
  };

  const retry = () => {
    setLink(undefined);
    setError(undefined);
    renewed.current = false;
    fetchLink();
  };

  const seconds = (recording.duration_ms / 1000).toFixed(1);
  return (
    <figure class="recording">
      <figcaption>
        {label} <span class="muted">· {seconds} s</span>
      </figcaption>
      {error !== undefined && <ErrorBox error={error} onRetry={retry} />}
      {error === undefined && link !== undefined && (
        <audio
          ref={audio}
          controls
          preload="metadata"
          src={link}
          aria-label={label}
          data-recording-id={recording.id}
          onError={() => void onMediaError()}
          onLoadedMetadata={onLoaded}
        />
      )}
      {error === undefined && link === undefined && (
        <p class="state state-loading" role="status">
          {t('call.recordingLoading')}
        </p>
      )}
    </figure>
  );
}
