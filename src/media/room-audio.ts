import { AudioFrame, AudioSource, AudioStream, LocalAudioTrack, Room, RoomEvent, TrackKind, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import type { PcmAudio } from './wav';

/**
 * A participant that speaks into a call's LiveKit room with @livekit/rtc-node, as the
 * publish-wav example of livekit/node-sdks does (AudioSource → LocalAudioTrack → publishTrack,
 * 10 ms frames in real time): the simulated customer (the Connector simulator) and test agents.
 * What the others say is received and dropped — played to nobody.
 */
export interface RoomAudio {
  /** Publishes the clip in real time; resolves when it has been played out (then unpublishes). */
  speak(audio: PcmAudio): Promise<{ startedAt: number; endedAt: number; publishedMs: number }>;
  /** Milliseconds of the others' audio received so far. */
  heardMs(): number;
  leave(): Promise<void>;
}

export async function joinRoom(url: string, token: string): Promise<RoomAudio> {
  const room = new Room();
  let heardSamples = 0;
  let heardRate = 48_000;
  const draining = new Set<AudioStream>();
  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const stream = new AudioStream(track);
    draining.add(stream);
    void (async () => {
      for await (const frame of stream) {
        heardSamples += frame.samplesPerChannel;
        heardRate = frame.sampleRate;
      }
    })().catch(() => undefined);
  });
  await room.connect(url.replace(/^http/, 'ws'), token, { autoSubscribe: true, dynacast: false });
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
      return { startedAt, endedAt, publishedMs: Math.round((audio.samples.length / audio.sampleRate) * 1000) };
    },
    heardMs: () => Math.round((heardSamples / heardRate) * 1000),
    async leave() {
      for (const stream of draining) void stream.cancel?.().catch?.(() => undefined);
      await room.disconnect();
    },
  };
}
