import type { PcmAudio } from '../../src/media/wav';

/** RMS of [fromMs, toMs) of a file, in 16-bit units. */
export function rms(audio: PcmAudio, fromMs = 0, toMs = Infinity): number {
  const from = Math.max(0, Math.floor((fromMs / 1000) * audio.sampleRate));
  const to = Math.min(audio.samples.length, Math.floor((Math.min(toMs, 1e12) / 1000) * audio.sampleRate));
  let sum = 0;
  for (let i = from; i < to; i++) sum += audio.samples[i] ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

/** From the first to the last 10 ms window louder than `threshold` RMS: where speech is, in ms. */
export function audibleSpanMs(audio: PcmAudio, threshold = 300): { startMs: number; endMs: number } | null {
  const windowMs = 10;
  const windows = Math.floor(((audio.samples.length / audio.sampleRate) * 1000) / windowMs);
  let first = -1;
  let last = -1;
  for (let w = 0; w < windows; w++) {
    if (rms(audio, w * windowMs, (w + 1) * windowMs) > threshold) {
      if (first < 0) first = w;
      last = w;
    }
  }
  return first < 0 ? null : { startMs: first * windowMs, endMs: (last + 1) * windowMs };
}

/** The share of the spoken words found in what was heard (each heard word counts once). */
export function wordShare(spoken: string, heard: string): number {
  const words = (text: string) => text.toLowerCase().match(/[a-z']+/g) ?? [];
  const left: string[] = words(heard);
  let found = 0;
  for (const w of words(spoken)) {
    const at = left.indexOf(w);
    if (at >= 0) {
      found++;
      left.splice(at, 1);
    }
  }
  return found / words(spoken).length;
}
