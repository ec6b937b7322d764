import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { durationMs, encodeWav, parseWav, WavFileWriter, WavFormatError } from './wav';

describe('wav', () => {
  it('round-trips samples through encodeWav and parseWav', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const back = parseWav(encodeWav({ sampleRate: 16000, channels: 2, samples }));
    expect(back).toEqual({ sampleRate: 16000, channels: 2, samples });
    expect(durationMs(back)).toBeCloseTo((3 / 16000) * 1000);
  });

  it('reads a file written by sox (a tool nobody on the project wrote), LIST chunk and all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wav-'));
    const file = join(dir, 'tone.wav');
    // 0.5 s of 440 Hz at 8 kHz, 16-bit, with a comment (sox writes it in a LIST chunk)
    execFileSync('sox', ['-n', '-r', '8000', '-b', '16', '-c', '1', '--comment', 'recado', file, 'synth', '0.5', 'sine', '440']);
    const audio = parseWav(readFileSync(file));
    expect(audio.sampleRate).toBe(8000);
    expect(audio.channels).toBe(1);
    expect(audio.samples.length).toBe(4000);
    expect(Math.max(...audio.samples)).toBeGreaterThan(20000);
  });

  it('refuses what is not 16-bit PCM, saying why', () => {
    expect(() => parseWav(Buffer.from('hello world, not audio'))).toThrow(WavFormatError);
    const float = encodeWav({ sampleRate: 8000, channels: 1, samples: new Int16Array(4) });
    float.writeUInt16LE(3, 20); // IEEE float
    expect(() => parseWav(float)).toThrow(/format 3/);
  });

  it('writes as samples arrive; a file cut short keeps what was flushed; append continues it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wav-'));
    const path = join(dir, 'a.wav');
    const w = await WavFileWriter.open(path, 48000);
    await w.write(Int16Array.from([1, 2, 3]));
    await w.flush();
    // a crash now: the header already says 3 samples
    expect(parseWav(readFileSync(path)).samples).toEqual(Int16Array.from([1, 2, 3]));
    await w.close();
    const again = await WavFileWriter.open(path, 48000, 1, true);
    await again.writeSilence(2);
    await again.write(Int16Array.from([9]));
    await again.close();
    expect(parseWav(readFileSync(path)).samples).toEqual(Int16Array.from([1, 2, 3, 0, 0, 9]));
    expect(again.samplesWritten).toBe(6);
    // sox agrees on the length
    expect(execFileSync('soxi', ['-s', path]).toString().trim()).toBe('6');
  });
});
