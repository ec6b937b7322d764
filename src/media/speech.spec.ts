import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { speakToWav, UnknownVoiceError } from './speech';
import { durationMs, parseWav } from './wav';

/** RMS of the whole clip, in 16-bit units. */
function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

describe('speakToWav (espeak-ng + sox)', () => {
  it('speaks text as a 16-bit mono WAV at 48 kHz by default, with audible speech', async () => {
    const wav = await speakToWav('hello, where is my order');
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(1); // channels
    expect(wav.readUInt16LE(34)).toBe(16); // bits per sample
    const audio = parseWav(wav);
    expect(audio.sampleRate).toBe(48_000);
    // Five words at 140 a minute, with espeak-ng's pauses: between 1 and 4 seconds.
    expect(durationMs(audio)).toBeGreaterThan(1000);
    expect(durationMs(audio)).toBeLessThan(4000);
    expect(rms(audio.samples)).toBeGreaterThan(500);
  });

  it('resamples to the rate asked for and always gives the same samples for the same text', async () => {
    const [a, b] = await Promise.all([speakToWav('good morning', { sampleRate: 16_000 }), speakToWav('good morning', { sampleRate: 16_000 })]);
    expect(parseWav(a).sampleRate).toBe(16_000);
    expect(a.equals(b)).toBe(true);
  });

  it('speaks slower when asked for fewer words a minute', async () => {
    const text = 'the package was supposed to arrive yesterday afternoon';
    const fast = parseWav(await speakToWav(text, { wordsPerMinute: 220 }));
    const slow = parseWav(await speakToWav(text, { wordsPerMinute: 110 }));
    expect(durationMs(slow)).toBeGreaterThan(1.5 * durationMs(fast));
  });

  it('speaks the voice asked for: a language, a language with a variant', async () => {
    const [us, br, female] = await Promise.all([
      speakToWav('hello', { voice: 'en-us' }),
      speakToWav('olá, tudo bem', { voice: 'pt-br' }),
      speakToWav('hello', { voice: 'en-us+f2' }),
    ]);
    for (const wav of [us, br, female]) expect(rms(parseWav(wav).samples)).toBeGreaterThan(500);
    expect(us.equals(female)).toBe(false);
  });

  it('refuses empty text and an unknown voice or variant, naming it', async () => {
    await expect(speakToWav('   ')).rejects.toThrow('text is empty');
    await expect(speakToWav('hello', { voice: 'no-such-voice' })).rejects.toThrow(UnknownVoiceError);
    await expect(speakToWav('hello', { voice: 'en-us+nobody' })).rejects.toThrow('espeak-ng has no voice "en-us+nobody"');
  });

  it('names the binary that is missing', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'recado-no-tools-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      await expect(speakToWav('hello', { voice: 'en-us' })).rejects.toThrow('espeak-ng is not installed');
    } finally {
      process.env.PATH = saved;
      await rm(empty, { recursive: true, force: true });
    }
  });
});
