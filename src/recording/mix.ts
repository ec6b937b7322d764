import { open } from 'node:fs/promises';
import { WAV_HEADER_BYTES, WavFileWriter } from '../media/wav';

export interface MixInput {
  path: string;
  /** Where the file's first sample falls on the call's timeline (ms). */
  offsetMs: number;
}

/** Ten seconds at a time: a four-hour call is mixed without holding it in memory. */
const CHUNK_SECONDS = 10;

/**
 * Mixes mono 16-bit speaker files into one mono file, each placed at its offset. The mix starts
 * at the earliest offset; returns that offset (the mixed file's own).
 */
export async function mixSpeakerFiles(inputs: MixInput[], outPath: string, sampleRate: number): Promise<{ offsetMs: number }> {
  const start = inputs.length ? Math.min(...inputs.map((i) => i.offsetMs)) : 0;
  const sources = await Promise.all(
    inputs.map(async (input) => {
      const file = await open(input.path, 'r');
      const samples = Math.floor(((await file.stat()).size - WAV_HEADER_BYTES) / 2);
      return { file, samples: Math.max(0, samples), from: Math.round(((input.offsetMs - start) / 1000) * sampleRate) };
    }),
  );
  const out = await WavFileWriter.open(outPath, sampleRate, 1);
  try {
    const total = Math.max(0, ...sources.map((s) => s.from + s.samples));
    const chunk = CHUNK_SECONDS * sampleRate;
    const sum = new Int32Array(chunk);
    const bytes = Buffer.alloc(chunk * 2);
    for (let at = 0; at < total; at += chunk) {
      const length = Math.min(chunk, total - at);
      sum.fill(0, 0, length);
      for (const s of sources) {
        // The part of this source that falls in [at, at + length) of the mix.
        const first = Math.max(at, s.from);
        const last = Math.min(at + length, s.from + s.samples);
        if (last <= first) continue;
        const count = last - first;
        const { bytesRead } = await s.file.read(bytes, 0, count * 2, WAV_HEADER_BYTES + (first - s.from) * 2);
        for (let i = 0; i < bytesRead / 2; i++) sum[first - at + i] += bytes.readInt16LE(i * 2);
      }
      const mixed = new Int16Array(length);
      for (let i = 0; i < length; i++) mixed[i] = Math.max(-32768, Math.min(32767, sum[i]));
      await out.write(mixed);
    }
  } finally {
    await out.close();
    await Promise.all(sources.map((s) => s.file.close()));
  }
  return { offsetMs: start };
}
