import path from 'node:path';
import { durationMs, encodeWav, type PcmAudio } from '../../src/media/wav';
import type { CallMediaView } from '../../src/simulators/livekit-connector/media';
import { startOpenAISimulator } from '../../src/simulators/openai/server';
import { audibleSpanMs, rms } from './audio-checks';
import { startCallingStack } from './calling';
import { eventually } from './stack';

/**
 * What the tests of calls with real audio share: the calling stack with media (the WhatsApp
 * caller joins each connected call's room and speaks), the recorder writing under a folder of the
 * test's, and the OpenAI simulator that transcribes and summarises after the hang-up.
 */

/** What the customer says on these calls (an espeak-ng clip). */
export const CUSTOMER_SAYS = 'hello I would like to know where my order is it was supposed to arrive yesterday';
/** Through Opus and pocketsphinx the recogniser finds 42–69 % of each speaker's words (README): a transcript has at least this share. */
export const MIN_WORD_SHARE = 0.3;
/**
 * A page's meter level, RMS of samples in [-1, 1]: Opus turns digital silence into (near) zero,
 * and espeak's speech through Opus measures 0.02–0.1. The floor sits far from both.
 */
export const SILENCE_FLOOR = 0.003;
/** Time for the voice to cross the room and the jitter buffer, kept out of the silent and spoken windows (heardWindows). */
export const TRANSIT_MARGIN_MS = 400;

/** The calling stack with media, recordings under `dir`, and the OpenAI simulator; `stop()` ends them all. */
export async function startMediaCallingStack(dir: string, env: Record<string, string> = {}) {
  const openai = await startOpenAISimulator();
  const recordingDir = path.join(dir, 'recordings');
  try {
    const stack = await startCallingStack(
      {
        OPENAI_API_KEY: 'sk-recado-test',
        OPENAI_BASE_URL: openai.baseURL,
        RECORDING_DIR: recordingDir,
        RECORDING_WORK_DIR: path.join(dir, 'work'),
        // The media bridge waits for the recorder, so the recordings keep the customer's first words.
        RECORDING_READY_TIMEOUT: '5s',
        ...env,
      },
      {},
      { media: true },
    );
    return {
      ...stack,
      openai,
      recordingDir,
      async stop() {
        await stack.stop();
        await openai.close();
      },
    };
  } catch (err) {
    await openai.close();
    throw err;
  }
}

export type MediaCallingStack = Awaited<ReturnType<typeof startMediaCallingStack>>;

/** The caller's media on the Connector simulator once it has finished saying its clip (its failure thrown). */
export function customerSpoken(connectorUrl: string, metaCallId: string): Promise<CallMediaView & { spokenAt: string }> {
  return eventually(
    async () => {
      const res = await fetch(`${connectorUrl}/_sim/calls/${encodeURIComponent(metaCallId)}`);
      const media = ((await res.json()) as { call?: { media?: CallMediaView } }).call?.media;
      if (media?.error) throw new Error(`the customer's caller failed: ${media.error}`);
      return media?.spokenAt ? (media as CallMediaView & { spokenAt: string }) : undefined;
    },
    30_000,
    'the customer to have spoken',
  );
}

/** The customer says `clip` on the call through the Connector simulator's caller; resolves once it has been said. */
export async function customerSays(connectorUrl: string, metaCallId: string, clip: PcmAudio): Promise<CallMediaView & { spokenAt: string }> {
  const res = await fetch(`${connectorUrl}/_sim/calls/${encodeURIComponent(metaCallId)}/speak`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ wav_base64: encodeWav(clip).toString('base64') }),
  });
  if (res.status !== 202) throw new Error(`the Connector simulator refused the clip: ${res.status} ${await res.text()}`);
  return customerSpoken(connectorUrl, metaCallId);
}

/** `audio` with `beforeMs` of digital silence before it and `afterMs` after. */
export function withSilence(audio: PcmAudio, beforeMs: number, afterMs: number): PcmAudio {
  const frames = (ms: number) => Math.round((ms / 1000) * audio.sampleRate) * audio.channels;
  const samples = new Int16Array(frames(beforeMs) + audio.samples.length + frames(afterMs));
  samples.set(audio.samples, frames(beforeMs));
  return { ...audio, samples };
}

/** From when to when, on the wall clock (ms since the epoch). */
export interface Window {
  from: number;
  to: number;
}

/**
 * Where, on the wall clock, a listener in the room heard `clip` (silence, then speech) silent and
 * where speaking. spokenAt is when the clip finished playing out (the Connector's caller sends in
 * real time and waits for the last frame), so the clip began its length before; spokeAt is earlier
 * still, before the track was published and the listener subscribed. `transitMs`, the time for the
 * voice to cross the room and the jitter buffer, is kept out of both windows.
 */
export function heardWindows(spoken: { spokenAt: string }, clip: PcmAudio, transitMs: number): { quiet: Window; voiced: Window } {
  const speech = audibleSpanMs(clip);
  if (!speech) throw new Error('the clip has no speech');
  const startedAt = Date.parse(spoken.spokenAt) - durationMs(clip);
  return {
    quiet: { from: startedAt + transitMs, to: startedAt + speech.startMs - transitMs },
    voiced: { from: startedAt + speech.startMs + transitMs, to: startedAt + speech.endMs },
  };
}

/** The readings taken within `window`. */
export function within<T extends { at: number }>(readings: T[], window: Window): T[] {
  return readings.filter((r) => r.at >= window.from && r.at <= window.to);
}

/**
 * How a recording of `clip` compares with it: how long the speech lasts in each, and the
 * recording's loudness over its speech against the clip's (1: as loud); null when nothing audible
 * was recorded.
 */
export function comparedWithClip(recorded: PcmAudio, clip: PcmAudio): { recordedMs: number; clipMs: number; loudness: number } | null {
  const heard = audibleSpanMs(recorded);
  const spoken = audibleSpanMs(clip);
  if (!spoken) throw new Error('the clip has no speech');
  if (!heard) return null;
  return {
    recordedMs: heard.endMs - heard.startMs,
    clipMs: spoken.endMs - spoken.startMs,
    loudness: rms(recorded, heard.startMs, heard.endMs) / rms(clip, spoken.startMs, spoken.endMs),
  };
}
