import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseWav, WavFileWriter } from '../media/wav';
import { mixSpeakerFiles } from './mix';
import { emptyState, resumableState, speakerFileName } from './recording-state';

describe('recorder state', () => {
  const callId = randomUUID();
  const agentId = randomUUID();
  const state = { ...emptyState(callId, 48_000), speakers: [{ name: `agent-${agentId}`, speaker: 'agent' as const, agentId, participantIdentity: `agent:${agentId}`, offsetMs: 10, endMs: 900 }] };

  it('resumes only a state of the same call, format and sample rate', () => {
    expect(resumableState(JSON.parse(JSON.stringify(state)), callId, 48_000)).toEqual(state);
    expect(resumableState(state, randomUUID(), 48_000)).toBeNull();
    expect(resumableState(state, callId, 16_000)).toBeNull();
    expect(resumableState({ ...state, version: 2 }, callId, 48_000)).toBeNull();
    expect(resumableState(undefined, callId, 48_000)).toBeNull();
  });

  it('refuses file names that could point outside the call directory', () => {
    expect(resumableState({ ...state, speakers: [{ ...state.speakers[0], name: '../other-call/customer' }] }, callId, 48_000)).toBeNull();
    expect(speakerFileName('agent', '../../etc')).toBeNull();
    expect(speakerFileName('agent', agentId)).toBe(`agent-${agentId}`);
    expect(speakerFileName('customer', null)).toBe('customer');
  });
});

describe('mixSpeakerFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-mix-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function file(name: string, samples: number[]) {
    const w = await WavFileWriter.open(path.join(dir, name), 1000, 1);
    await w.write(Int16Array.from(samples));
    await w.close();
    return path.join(dir, name);
  }

  it('places each file at its offset, sums where they overlap and clips to 16 bits', async () => {
    const a = await file('a.wav', [100, 100, 30_000, 30_000]);
    const b = await file('b.wav', [1, 30_000, 5]);
    // 1 kHz: one sample per ms. b starts 2 ms after a.
    const { offsetMs } = await mixSpeakerFiles([{ path: a, offsetMs: 5 }, { path: b, offsetMs: 7 }], path.join(dir, 'mixed.wav'), 1000);
    expect(offsetMs).toBe(5);
    const mixed = parseWav(await readFile(path.join(dir, 'mixed.wav')));
    expect(Array.from(mixed.samples)).toEqual([100, 100, 30_001, 32_767, 5]);
  });
});
