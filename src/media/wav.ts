import { open, type FileHandle } from 'node:fs/promises';

/**
 * 16-bit PCM WAV (RIFF), the one audio file format recado writes and reads: the recorder's files,
 * the simulators' clips, what goes to speech recognition.
 */

export interface PcmAudio {
  sampleRate: number;
  channels: number;
  /** interleaved signed 16-bit samples */
  samples: Int16Array;
}

export const WAV_HEADER_BYTES = 44;

/** The canonical 44-byte header of a PCM file with `dataBytes` of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  h.writeUInt16LE(channels * 2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function encodeWav(audio: PcmAudio): Buffer {
  const data = Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength);
  return Buffer.concat([wavHeader(audio.sampleRate, audio.channels, data.length), data]);
}

export class WavFormatError extends Error {
  constructor(message: string) {
    super(`not a 16-bit PCM WAV file: ${message}`);
    this.name = 'WavFormatError';
  }
}

/**
 * Reads any RIFF/WAVE file of 16-bit PCM, whatever other chunks it carries (LIST, fact…). A data
 * chunk whose size was never patched (0 or 0xFFFFFFFF: a writer that stopped mid-way) runs to the
 * end of the file.
 */
export function parseWav(file: Buffer): PcmAudio {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('no RIFF/WAVE header');
  }
  let format: { audioFormat: number; channels: number; sampleRate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= file.length) {
    const id = file.toString('ascii', at, at + 4);
    let size = file.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError('fmt chunk too short');
      const audioFormat = file.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes say PCM (1).
      const effective = audioFormat === 0xfffe && size >= 40 ? file.readUInt16LE(body + 24) : audioFormat;
      format = { audioFormat: effective, channels: file.readUInt16LE(body + 2), sampleRate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('data before fmt');
      if (format.audioFormat !== 1 || format.bits !== 16) throw new WavFormatError(`format ${format.audioFormat}, ${format.bits} bits`);
      if (format.channels < 1 || format.sampleRate < 1) throw new WavFormatError('no channels or no sample rate');
      if (size === 0 || size === 0xffffffff || body + size > file.length) size = file.length - body;
      size -= size % (2 * format.channels);
      const samples = new Int16Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = file.readInt16LE(body + 2 * i);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    at = body + size + (size % 2); // chunks are word-aligned
  }
  throw new WavFormatError('no data chunk');
}

export function durationMs(audio: PcmAudio): number {
  return (audio.samples.length / audio.channels / audio.sampleRate) * 1000;
}

/**
 * Writes a WAV file as samples arrive: the header's sizes are patched on every flush, so a file
 * cut short by a crash is still a valid WAV up to its last flush.
 */
export class WavFileWriter {
  private dataBytes = 0;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly sampleRate: number,
    readonly channels: number,
  ) {}

  /** `append`: continue a file an earlier writer left (its header is rewritten on flush). */
  static async open(path: string, sampleRate: number, channels = 1, append = false): Promise<WavFileWriter> {
    const file = await open(path, append ? 'r+' : 'w');
    const writer = new WavFileWriter(file, path, sampleRate, channels);
    if (append) {
      const { size } = await file.stat();
      writer.dataBytes = Math.max(0, size - WAV_HEADER_BYTES);
      writer.dataBytes -= writer.dataBytes % (2 * channels);
    }
    await file.write(wavHeader(sampleRate, channels, writer.dataBytes), 0, WAV_HEADER_BYTES, 0);
    return writer;
  }

  get samplesWritten(): number {
    return this.dataBytes / 2 / this.channels;
  }

  get bytes(): number {
    return WAV_HEADER_BYTES + this.dataBytes;
  }

  async write(samples: Int16Array): Promise<void> {
    if (samples.length === 0) return;
    const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    await this.file.write(data, 0, data.length, WAV_HEADER_BYTES + this.dataBytes);
    this.dataBytes += data.length;
  }

  /** Silence: `count` samples per channel of zeros. */
  async writeSilence(count: number): Promise<void> {
    const chunk = 48_000 * this.channels;
    for (let left = count * this.channels; left > 0; left -= chunk) await this.write(new Int16Array(Math.min(chunk, left)));
  }

  async flush(): Promise<void> {
    await this.file.write(wavHeader(this.sampleRate, this.channels, this.dataBytes), 0, WAV_HEADER_BYTES, 0);
    await this.file.sync();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }
}
