import { spawn } from 'node:child_process';

/**
 * Speech from text, for the simulated customer's and agents' clips: espeak-ng speaks it (its
 * `en-us+f2` voice is the one the OpenAI simulator's English recogniser hears best) and sox
 * makes it the 16-bit mono WAV at `sampleRate` recado records in.
 */
export interface SpeechOptions {
  /** An espeak-ng voice, optionally with a variant: `en-us`, `pt-br`, `en-us+f2`. */
  voice?: string;
  sampleRate?: number;
  wordsPerMinute?: number;
}

export class UnknownVoiceError extends Error {}

export async function speakToWav(text: string, { voice = 'en-us+f2', sampleRate = 48_000, wordsPerMinute = 140 }: SpeechOptions = {}): Promise<Buffer> {
  if (!text.trim()) throw new Error('speakToWav: text is empty');
  await checkVoice(voice);
  const spoken = await run('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '--stdout', text]);
  // -D: no dither, so the same text always gives the same samples.
  return run('sox', ['-D', '-t', 'wav', '-', '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', '-r', String(sampleRate), '-'], spoken);
}

let known: Promise<{ voices: Set<string>; variants: Set<string> }> | undefined;

/** espeak-ng speaks an unknown voice in its default one without a word, so the name is checked against its lists. */
async function checkVoice(voice: string): Promise<void> {
  known ??= Promise.all([run('espeak-ng', ['--voices']), run('espeak-ng', ['--voices=variant'])]).then(([voices, variants]) => ({
    voices: namesIn(voices.toString()),
    variants: namesIn(variants.toString()),
  }));
  const lists = await known.catch((err: Error) => {
    known = undefined;
    throw err;
  });
  const [base, variant] = voice.toLowerCase().split('+', 2);
  if (!lists.voices.has(base) || (variant !== undefined && !lists.variants.has(variant))) {
    throw new UnknownVoiceError(`espeak-ng has no voice "${voice}" (see espeak-ng --voices, and --voices=variant after a +)`);
  }
}

/** Every name a voice can be asked by: its language, name, file and file's last part, its other languages. */
function namesIn(list: string): Set<string> {
  const names = new Set<string>();
  for (const line of list.split('\n').slice(1)) {
    const [, language, , name, file, ...others] = line.trim().split(/\s+/);
    if (!file) continue;
    for (const n of [language, name, file, file.split('/').pop()!, ...others.join('').split(/[()\s\d]+/)]) if (n) names.add(n.toLowerCase());
  }
  return names;
}

function run(command: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // env given explicitly: the binaries are looked up on this process's current PATH.
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(`${command} is not installed (npm run setup installs it)`) : e),
    );
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${command} exited with ${code}: ${err.trim()}`))));
    child.stdin.end(input);
  });
}
