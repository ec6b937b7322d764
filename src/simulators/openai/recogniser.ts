import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Real speech recognition for the simulator: sox turns the upload into 16 kHz mono 16-bit WAV and
 * a small pool of warm python workers (recognise.py, pocketsphinx's US-English model) decodes it.
 * The model loads once per worker, not once per request.
 */

export interface RecognisedWord {
  word: string;
  /** Seconds from the start of the file. */
  start: number;
  end: number;
}

export interface RecognisedSegment {
  start: number;
  end: number;
  text: string;
  words: RecognisedWord[];
}

export interface Recognition {
  durationS: number;
  segments: RecognisedSegment[];
  convertMs: number;
  decodeMs: number;
}

export interface SpeechRecogniser {
  recognise(audio: Buffer, extension: string): Promise<Recognition>;
  close(): Promise<void>;
}

/** The upload is a real audio format sox on this machine cannot read, or is not audio at all. */
export class UndecodableAudioError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UndecodableAudioError';
  }
}

/** Speech recognition is not installed or its worker failed: the simulator's fault, not the client's. */
export class RecogniserUnavailableError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'RecogniserUnavailableError';
  }
}

/** Formats Debian's sox (libsox-fmt-base) reads; the rest of OpenAI's list needs codecs it lacks. */
export const SOX_READABLE = new Set(['wav', 'flac', 'ogg', 'oga']);

export const POCKETSPHINX_VERSION = '5.1.1';

/** Same rule as scripts/stack/config.mjs toolsDir(), where setup installs pocketsphinx. */
export function defaultPythonPath(env: NodeJS.ProcessEnv = process.env): string {
  const tools = env.RECADO_TOOLS_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'recado', 'tools');
  return path.join(tools, `pocketsphinx-${POCKETSPHINX_VERSION}`, 'venv', 'bin', 'python');
}

/** recognise.py sits next to this file in src/; from dist/ it is read from the checkout's src/. */
export function defaultScriptPath(): string {
  const candidates = [
    path.join(__dirname, 'recognise.py'),
    path.resolve(__dirname, '..', '..', '..', '..', 'src', 'simulators', 'openai', 'recognise.py'),
  ];
  return candidates.find((file) => fs.existsSync(file)) ?? candidates[0];
}

export interface PocketsphinxOptions {
  python?: string;
  script?: string;
  sox?: string;
  /** Warm workers; each holds the model (~120 MB) and decodes one file at a time. */
  workers?: number;
}

interface Pending {
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
}

interface WorkerAnswer {
  id: string;
  error?: string;
  duration?: number;
  segments?: RecognisedSegment[];
}

class Worker {
  readonly pending = new Map<string, Pending>();
  private readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  exited = false;
  private stderr = '';

  constructor(python: string, script: string) {
    this.child = spawn(python, ['-u', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)));
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    // Nobody may be awaiting `ready` when the worker dies later; the rejection is handled here.
    this.ready.catch(() => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let answer: WorkerAnswer & { ready?: boolean };
      try {
        answer = JSON.parse(line);
      } catch {
        return;
      }
      if (answer.ready) return markReady();
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      waiting?.resolve(answer);
    });
    const fail = (reason: string) => {
      if (this.exited) return;
      this.exited = true;
      const error = new RecogniserUnavailableError(`${reason}${this.stderr ? `: ${this.stderr.trim()}` : ''}`);
      failReady(error);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.child.on('error', (err) => fail(`cannot start ${python}: ${err.message}`));
    this.child.on('exit', (code, signal) => fail(`speech recognition worker exited (${signal ?? code})`));
  }

  async decode(wavPath: string): Promise<WorkerAnswer> {
    await this.ready;
    const id = randomUUID();
    return new Promise<WorkerAnswer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, path: wavPath })}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export class PocketsphinxRecogniser implements SpeechRecogniser {
  private readonly python: string;
  private readonly script: string;
  private readonly sox: string;
  private readonly size: number;
  private workers: Worker[] = [];
  private closed = false;

  constructor(options: PocketsphinxOptions = {}) {
    this.python = options.python ?? defaultPythonPath();
    this.script = options.script ?? defaultScriptPath();
    this.sox = options.sox ?? 'sox';
    this.size = Math.max(1, options.workers ?? 1);
  }

  /** Checks what recognition needs without starting a worker (for /_sim/health). */
  available(): { ok: boolean; reason?: string } {
    if (!fs.existsSync(this.python)) return { ok: false, reason: `${this.python} not found (npm run setup installs pocketsphinx ${POCKETSPHINX_VERSION})` };
    if (!fs.existsSync(this.script)) return { ok: false, reason: `${this.script} not found` };
    return { ok: true };
  }

  async recognise(audio: Buffer, extension: string): Promise<Recognition> {
    if (this.closed) throw new RecogniserUnavailableError('the recogniser is closed');
    if (!SOX_READABLE.has(extension)) {
      throw new UndecodableAudioError(`${extension} cannot be decoded here (sox reads ${[...SOX_READABLE].join(', ')})`);
    }
    const check = this.available();
    if (!check.ok) throw new RecogniserUnavailableError(check.reason ?? 'unavailable');
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'recado-openai-sim-'));
    try {
      const input = path.join(dir, `upload.${extension}`);
      const wav = path.join(dir, 'speech-16k.wav');
      await fs.promises.writeFile(input, audio);
      const converting = Date.now();
      await this.convert(input, wav);
      const decoding = Date.now();
      const convertMs = decoding - converting;
      const answer = await this.worker().decode(wav);
      if (answer.error !== undefined) throw new RecogniserUnavailableError(`speech recognition failed: ${answer.error}`);
      return { durationS: answer.duration ?? 0, segments: answer.segments ?? [], convertMs, decodeMs: Date.now() - decoding };
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.stop()));
  }

  /** The least busy live worker, starting one while the pool is below its size. */
  private worker(): Worker {
    this.workers = this.workers.filter((w) => !w.exited);
    const idle = this.workers.find((w) => w.pending.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const started = new Worker(this.python, this.script);
      this.workers.push(started);
      return started;
    }
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private convert(input: string, output: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // -D: no dither. sox dithers with random noise by default, and the same upload must give the same words.
      const args = ['-V1', '-D', input, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', output];
      const child = spawn(this.sox, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (err) => reject(new RecogniserUnavailableError(`cannot run ${this.sox}: ${err.message}`)));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new UndecodableAudioError(stderr.trim() || `sox exited with ${code}`))));
    });
  }
}
