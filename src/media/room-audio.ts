import { newRoom } from './rtc-runtime';
import { AudioFrame, AudioSource, AudioStream, LocalAudioTrack, type LocalTrack, RoomEvent, TrackKind, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { parseWav, type PcmAudio } from './wav';

/**
 * A participant that speaks into a call's LiveKit room with @livekit/rtc-node, as the
 * publish-wav example of livekit/node-sdks does (AudioSource → LocalAudioTrack → publishTrack,
 * 10 ms frames in real time): the simulated customer (the Connector simulator) and test agents.
 * What the others say is received (AudioStream, 48 kHz mono) and, unless `onAudio` wants it,
 * dropped — played to nobody.
 */
export interface RoomAudio {
  /**
   * Publishes the clip (a WAV file or its samples) in real time; resolves when it has been played
   * out, then unpublishes. It starts once someone has subscribed to the new track (at most
   * LISTENER_WAIT_MS later): frames sent before that reach nobody.
   */
  speak(audio: PcmAudio | Buffer): Promise<{ startedAt: number; endedAt: number; publishedMs: number }>;
  /** Milliseconds of the others' audio received so far (all of them together). */
  heardMs(): number;
  leave(): Promise<void>;
}

/** How long speak() waits for a first subscriber to a new track before it speaks anyway. */
const LISTENER_WAIT_MS = 1_000;

/** One frame of another participant's audio. */
export interface HeardAudio {
  identity: string;
  /** The track it came on: a participant that publishes again does so on a new track. */
  trackSid: string;
  /** interleaved signed 16-bit samples */
  samples: Int16Array;
  sampleRate: number;
  channels: number;
}

export interface JoinRoomOptions {
  /** The LiveKit server (http(s) or ws(s)). */
  url: string;
  /** A join token for the room; the participant's identity, name and attributes come from it. */
  token: string;
  /** Each frame heard from the others, as it arrives. */
  onAudio?: (heard: HeardAudio) => void;
}

export async function joinRoom(options: JoinRoomOptions): Promise<RoomAudio>;
export async function joinRoom(url: string, token: string): Promise<RoomAudio>;
export async function joinRoom(urlOrOptions: string | JoinRoomOptions, token?: string): Promise<RoomAudio> {
  const { url, token: jwt, onAudio } = typeof urlOrOptions === 'string' ? { url: urlOrOptions, token: token!, onAudio: undefined } : urlOrOptions;
  const room = newRoom();
  let heardSeconds = 0;
  let left = false;
  room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const stream = new AudioStream(track);
    void (async () => {
      for await (const frame of stream) {
        if (left) break; // ends the stream (its iterator cancels it)
        heardSeconds += frame.samplesPerChannel / frame.sampleRate;
        onAudio?.({ identity: participant.identity, trackSid: publication.sid ?? '', samples: frame.data, sampleRate: frame.sampleRate, channels: frame.channels });
      }
    })().catch(() => undefined);
  });
  await room.connect(url.replace(/^http/, 'ws'), jwt, { autoSubscribe: true, dynacast: false });
  return {
    async speak(clip) {
      const audio = Buffer.isBuffer(clip) ? parseWav(clip) : clip;
      const { sampleRate, channels } = audio;
      const source = new AudioSource(sampleRate, channels);
      const track = LocalAudioTrack.createAudioTrack('microphone', source);
      const options = new TrackPublishOptions();
      options.source = TrackSource.SOURCE_MICROPHONE;
      const subscribed = new Promise<void>((resolve) => {
        const timer = setTimeout(done, LISTENER_WAIT_MS);
        function done() {
          clearTimeout(timer);
          room.off(RoomEvent.LocalTrackSubscribed, onSubscribed);
          resolve();
        }
        const onSubscribed = (subscribedTrack: LocalTrack) => {
          if (subscribedTrack === track) done();
        };
        room.on(RoomEvent.LocalTrackSubscribed, onSubscribed);
      });
      const publication = await room.localParticipant!.publishTrack(track, options);
      await subscribed;
      const perChannel = Math.round(sampleRate / 100); // 10 ms
      const frameLength = perChannel * channels;
      const startedAt = Date.now();
      try {
        // captureFrame resolves once the source's queue has room: that keeps the sending in real time.
        for (let at = 0; at < audio.samples.length; at += frameLength) {
          const samples = new Int16Array(frameLength);
          samples.set(audio.samples.subarray(at, Math.min(at + frameLength, audio.samples.length)));
          await source.captureFrame(new AudioFrame(samples, sampleRate, channels, perChannel));
        }
        await source.waitForPlayout();
      } finally {
        await room.localParticipant!.unpublishTrack(publication.sid!);
        await track.close();
      }
      return { startedAt, endedAt: Date.now(), publishedMs: Math.round((audio.samples.length / channels / sampleRate) * 1000) };
    },
    heardMs: () => Math.round(heardSeconds * 1000),
    async leave() {
      left = true;
      await room.disconnect();
    },
  };
}
