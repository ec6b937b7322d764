import { AudioFrame, AudioSource, LocalAudioTrack, Room, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseWav, type PcmAudio } from '../../src/media/wav';

/**
 * A participant that speaks into a call's room with @livekit/rtc-node, as the publish-wav example
 * of livekit/node-sdks does (AudioSource → LocalAudioTrack → publishTrack, 10 ms frames).
 */

const run = promisify(execFile);

/** espeak-ng's speech, resampled by sox to 16-bit mono at `sampleRate`. */
export async function speech(text: string, sampleRate = 48_000): Promise<PcmAudio> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recado-speech-'));
  try {
    await run('espeak-ng', ['-v', 'en-us', '-w', path.join(dir, 'raw.wav'), text]);
    await run('sox', [path.join(dir, 'raw.wav'), '-r', String(sampleRate), '-c', '1', '-b', '16', path.join(dir, 'clip.wav')]);
    return parseWav(await readFile(path.join(dir, 'clip.wav')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function joinToken(livekit: { apiKey: string; apiSecret: string }, room: string, identity: string, name = identity): Promise<string> {
  const at = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity, name, ttl: 600 });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
  return at.toJwt();
}

export interface RoomSpeaker {
  /** Publishes the clip in real time; resolves when it has been played out (and unpublished). */
  speak(audio: PcmAudio): Promise<{ startedAt: number; endedAt: number }>;
  leave(): Promise<void>;
}

export async function joinAsSpeaker(url: string, token: string): Promise<RoomSpeaker> {
  const room = new Room();
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  return {
    async speak(audio) {
      const source = new AudioSource(audio.sampleRate, 1);
      const track = LocalAudioTrack.createAudioTrack('microphone', source);
      const options = new TrackPublishOptions();
      options.source = TrackSource.SOURCE_MICROPHONE;
      const publication = await room.localParticipant!.publishTrack(track, options);
      const frame = audio.sampleRate / 100;
      const startedAt = Date.now();
      for (let at = 0; at < audio.samples.length; at += frame) {
        const samples = new Int16Array(frame);
        samples.set(audio.samples.subarray(at, Math.min(at + frame, audio.samples.length)));
        await source.captureFrame(new AudioFrame(samples, audio.sampleRate, 1, frame));
      }
      await source.waitForPlayout();
      const endedAt = Date.now();
      await room.localParticipant!.unpublishTrack(publication.sid!);
      await track.close();
      return { startedAt, endedAt };
    },
    async leave() {
      await room.disconnect();
    },
  };
}
