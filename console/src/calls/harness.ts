import { startAudioMeter, type AudioMeter, type LevelSample } from './audio-meter';
import { joinCallRoom, type CallJoin, type CallParticipant, type CallRoom, type CallRoomOptions } from './room';

/**
 * A page with no screen, for the browser audio test (test/console-call-audio.test.ts): it joins a
 * call's room through room.ts exactly as the console does, and keeps a meter on every voice it
 * receives. The test drives it through `window.callHarness`.
 */
export interface CallHarness {
  join(join: CallJoin, options?: CallRoomOptions): Promise<void>;
  /** Everyone in the room (recorder aside), and who has been heard through a track so far. */
  participants(): CallParticipant[];
  metered(): string[];
  samples(identity: string): LevelSample[];
  setMuted(muted: boolean): Promise<void>;
  setVolume(identity: string, volume: number): void;
  /** Meters this browser's own microphone, outside any room (the console's microphone check does the same). */
  meterMicrophone(): Promise<void>;
  /** What happened, in order: joins, leaves, tracks. */
  log(): string[];
  leave(): Promise<void>;
}

/** The key of the local microphone's meter among the participants'. */
const MICROPHONE = 'microphone';

let room: CallRoom | undefined;
const meters = new Map<string, AudioMeter>();
const events: string[] = [];

const harness: CallHarness = {
  async join(join, options) {
    room = await joinCallRoom(join, {
      joined: (p) => events.push(`joined ${p.identity}`),
      left: (p) => events.push(`left ${p.identity}`),
      audio: (p, track) => {
        events.push(`audio ${p.identity}`);
        void meters.get(p.identity)?.stop();
        meters.set(p.identity, startAudioMeter(track));
      },
      disconnected: () => events.push('disconnected'),
    }, options);
  },
  participants: () => room?.participants() ?? [],
  metered: () => [...meters.keys()],
  samples: (identity) => meters.get(identity)?.samples() ?? [],
  setMuted: async (muted) => room?.setMuted(muted),
  setVolume: (identity, volume) => room?.setVolume(identity, volume),
  async meterMicrophone() {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    meters.set(MICROPHONE, startAudioMeter(stream.getAudioTracks()[0]));
  },
  log: () => [...events],
  async leave() {
    for (const meter of meters.values()) await meter.stop();
    await room?.leave();
  },
};

(globalThis as unknown as { callHarness: CallHarness }).callHarness = harness;
