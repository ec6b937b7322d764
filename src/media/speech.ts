import { spawn } from 'node:child_process';

/**
 * Speech from text, for the simulated customer's and agents' clips: espeak-ng speaks it (its
 * `en-us+f2` voice is the one the OpenAI simulator's English recogniser hears best) and sox
 * makes it the 16-bit mono WAV at `sampleRate` recado records in.
 */
export interface SpeechOptions {
  voice?: string;
  sampleRate?: number;
  wordsPerMinute?: number;
}

export async function speakToWav(text: string, { voice = 'en-us+f2', sampleRate = 48_000, wordsPerMinute = 140 }: SpeechOptions = {}): Promise<Buffer> {
  if (!text.trim()) throw new Error('speakToWav: text is empty');
  const spoken = await run('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '--stdout', text]);
  // -D: no dither, so the same text always gives the same samples.
  return run('sox', ['-D', '-t', 'wav', '-', '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', '-r', String(sampleRate), '-'], spoken);
}

function run(command: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
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
