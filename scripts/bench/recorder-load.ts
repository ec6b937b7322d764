import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { findRepoRoot } from '../../src/common/repo-root';
import { speakToWav } from '../../src/media/speech';
import { ParticipantRecorder } from '../../src/recording/participant-recorder';
import type { RecorderHooks, RoomEvent } from '../../src/recording/recorder';
import { LocalRecordingStorage } from '../../src/recording/storage';

/**
 * What recording costs: `calls` rooms, each with an agent and a customer speaking at once for
 * about `seconds`, recorded by the built-in recorder in this process while the speakers run in a
 * process of their own (scripts/bench/speakers-process.mjs) — so this process's CPU time is the
 * recorders' alone. Returns % of one core per recorded call, and how many calls the machine's
 * cores could record at once at 70 % use.
 */
export async function measureRecorder(opts: {
  livekit: { url: string; apiKey: string; apiSecret: string };
  calls: number;
  seconds: number;
  workDir: string;
}): Promise<{ cpuPctPerCall: number; callsAtOnceEstimate: number }> {
  const { livekit } = opts;
  const dir = await mkdtemp(path.join(opts.workDir, 'recorder-load-'));
  const rooms = new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret);
  const roomNames: string[] = [];
  try {
    const clip = path.join(dir, 'clip.wav');
    const sentence = 'one two three four five six seven eight nine ten and once more from the start';
    await writeFile(clip, await speakToWav(Array.from({ length: Math.max(1, Math.round(opts.seconds / 5)) }, () => sentence).join(' ')));
    const recorder = new ParticipantRecorder({
      livekit,
      storage: new LocalRecordingStorage(path.join(dir, 'stored')),
      workDir: path.join(dir, 'work'),
      maxCallDurationMs: 3_600_000,
    });
    const recordings = await Promise.all(
      Array.from({ length: opts.calls }, async () => {
        const roomName = `bench-recorder-${randomUUID()}`;
        roomNames.push(roomName);
        let started!: () => void;
        const listening = new Promise<void>((resolve) => (started = resolve));
        const hooks: RecorderHooks = {
          onEvent: async (e: RoomEvent) => void (e.kind === 'recording_started' && started()),
          heartbeat: () => undefined,
          resumeFrom: undefined,
          signal: new AbortController().signal,
          callEnded: async () => false,
        };
        const done = recorder.record({ accountId: randomUUID(), callId: randomUUID(), roomName, answeredAt: new Date() }, hooks);
        await listening;
        return { roomName, done };
      }),
    );
    const token = (room: string, identity: string) => {
      const at = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity, ttl: 3600 });
      at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
      return at.toJwt();
    };
    const tokens = await Promise.all(recordings.flatMap((r) => [token(r.roomName, `agent:${randomUUID()}`), token(r.roomName, `customer:${randomUUID()}`)]));
    const speakers = spawn(process.execPath, [path.join(findRepoRoot(), 'scripts', 'bench', 'speakers-process.mjs'), JSON.stringify({ url: livekit.url.replace(/^http/, 'ws'), tokens, clip })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: speakers.stdout! });
    const said = (word: string) => new Promise<void>((resolve) => lines.on('line', (l) => l === word && resolve()));
    await said('ready');
    const before = process.cpuUsage();
    const startedAt = process.hrtime.bigint();
    speakers.stdin!.write('go\n');
    await said('done');
    const used = process.cpuUsage(before);
    const wallUs = Number(process.hrtime.bigint() - startedAt) / 1000;
    for (const name of roomNames) await rooms.deleteRoom(name).catch(() => undefined);
    await Promise.all(recordings.map((r) => r.done));
    const totalPct = ((used.user + used.system) / wallUs) * 100;
    const perCall = Math.round((totalPct / opts.calls) * 10) / 10;
    return { cpuPctPerCall: perCall, callsAtOnceEstimate: Math.floor((os.cpus().length * 100 * 0.7) / Math.max(perCall, 0.1)) };
  } finally {
    for (const name of roomNames) await rooms.deleteRoom(name).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
