import { stat } from 'node:fs/promises';
import { WAV_HEADER_BYTES, WavFileWriter } from '../media/wav';
import type { SpeakerFileState } from './recording-state';

/**
 * One speaker's WAV while the call lasts, kept on the call's timeline: audio is placed where the
 * wall clock says it was heard, so a track that goes away and comes back (or a recorder that
 * restarted) leaves silence of the right length rather than pulling later speech earlier.
 */
export class SpeakerFile {
  /** Frames arrive in bursts; only a lag longer than this is a real pause to fill with silence. */
  static readonly ALIGN_TOLERANCE_MS = 250;
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(
    private readonly writer: WavFileWriter,
    readonly state: SpeakerFileState,
  ) {}

  static async create(path: string, sampleRate: number, state: Omit<SpeakerFileState, 'endMs'>): Promise<SpeakerFile> {
    return new SpeakerFile(await WavFileWriter.open(path, sampleRate, 1), { ...state, endMs: state.offsetMs });
  }

  /** Continues a file an earlier attempt wrote: its real length on disk says how far it got. */
  static async resume(path: string, sampleRate: number, state: SpeakerFileState): Promise<SpeakerFile | null> {
    const size = await stat(path).then((s) => s.size, () => null);
    if (size === null || size < WAV_HEADER_BYTES) return null;
    const writer = await WavFileWriter.open(path, sampleRate, 1, true);
    return new SpeakerFile(writer, { ...state, endMs: state.offsetMs + (writer.samplesWritten / sampleRate) * 1000 });
  }

  get path(): string {
    return this.writer.path;
  }

  /** Samples heard at `heardAtMs` (when their last sample arrived), queued behind earlier writes. */
  append(samples: Int16Array, heardAtMs: number): void {
    const copy = samples.slice(); // the FFI frame's buffer is not ours to keep
    this.enqueue(async () => {
      const startMs = heardAtMs - (copy.length / this.writer.sampleRate) * 1000;
      const lagMs = startMs - this.state.endMs;
      if (lagMs > SpeakerFile.ALIGN_TOLERANCE_MS) await this.writer.writeSilence(Math.round((lagMs / 1000) * this.writer.sampleRate));
      await this.writer.write(copy);
      this.state.endMs = this.state.offsetMs + (this.writer.samplesWritten / this.writer.sampleRate) * 1000;
    });
  }

  async flush(): Promise<void> {
    this.enqueue(() => this.writer.flush());
    await this.settled();
  }

  async close(): Promise<void> {
    this.enqueue(() => this.writer.close());
    await this.settled();
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: Error) => {
      this.failure ??= err;
    });
  }

  private async settled(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
  }
}
