/**
 * How loud a voice is, over time: a WebAudio AnalyserNode on a participant's track, read every
 * `intervalMs`. The in-call panel's speaking indicator shows the current level; the audio test
 * reads the whole history to prove the browser hears the customer.
 */
export interface LevelSample {
  /** When it was measured, as Date.now() (so a test can line it up with what it did meanwhile). */
  at: number;
  /** Root mean square of the samples in the analyser's window, 0 (silence) to 1 (full scale). */
  rms: number;
}

export interface AudioMeterOptions {
  intervalMs?: number;
  /** Samples per measurement; 2048 is about 43 ms at 48 kHz, a syllable or so. */
  fftSize?: number;
  /** At most this many samples are kept (the oldest go first): ten minutes at the default interval. */
  maxSamples?: number;
  /** Called with each new sample (a speaking indicator's re-render). */
  onSample?(sample: LevelSample): void;
}

export interface AudioMeter {
  /** The last measured level (0 before the first). */
  level(): number;
  samples(): LevelSample[];
  stop(): Promise<void>;
}

export function rmsOf(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

export function startAudioMeter(track: MediaStreamTrack, options: AudioMeterOptions = {}): AudioMeter {
  const { intervalMs = 50, fftSize = 2048, maxSamples = 12_000, onSample } = options;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = fftSize;
  // Not connected to the speakers: the room's audio element plays the voice, this only measures it.
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  // A context created without a click starts suspended in some browsers; resuming is harmless otherwise.
  void context.resume().catch(() => undefined);

  const buffer = new Float32Array(analyser.fftSize);
  const history: LevelSample[] = [];
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buffer);
    const sample = { at: Date.now(), rms: rmsOf(buffer) };
    history.push(sample);
    if (history.length > maxSamples) history.shift();
    onSample?.(sample);
  }, intervalMs);

  return {
    level: () => history.at(-1)?.rms ?? 0,
    samples: () => [...history],
    async stop() {
      clearInterval(timer);
      await context.close();
    },
  };
}
