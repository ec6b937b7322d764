import type { Participant, RemoteAudioTrack, RemoteParticipant, RemoteTrack } from 'livekit-client';

/**
 * The agent's side of a call's LiveKit room, in the browser: join with the `{ url, token }` the
 * API returned (`POST /v1/calls`, `POST /v1/calls/{id}/accept`, an invite's join), publish the
 * microphone, play what the others say, mute, set each one's volume, leave.
 */
export interface CallJoin {
  url: string;
  token: string;
}

/**
 * Who someone in the room is, from the identity recado gives each participant
 * (src/calls/room-identities.ts): `agent:<id>`, `customer:<contact id>`, `recorder:<call id>`.
 */
export type ParticipantRole = 'agent' | 'customer' | 'recorder' | 'other';

export interface CallParticipant {
  identity: string;
  name: string;
  role: ParticipantRole;
}

export interface CallRoomListener {
  joined?(participant: CallParticipant): void;
  left?(participant: CallParticipant): void;
  /** A participant's voice is playing; `track` is what a meter (audio-meter.ts) listens to. */
  audio?(participant: CallParticipant, track: MediaStreamTrack): void;
  /** The room was closed under the agent: the call ended, or the connection was lost for good. */
  disconnected?(): void;
}

export interface CallRoomOptions {
  /** false joins to listen only (no microphone asked for). */
  microphone?: boolean;
  /**
   * The browser's echo cancellation, noise suppression and gain control on the microphone (on by
   * default: an agent on a laptop's speakers needs them). Off sends the capture as it is, which is
   * what a clean recording — the audio test's fake microphone — wants.
   */
  voiceProcessing?: boolean;
  /** Where the audio elements go; document.body when not given. They have no controls of their own. */
  audioContainer?: HTMLElement;
}

export interface CallRoom {
  /** Everyone else in the room that takes part in the conversation (the recorder is left out). */
  participants(): CallParticipant[];
  muted(): boolean;
  setMuted(muted: boolean): Promise<void>;
  /** 0 (silent) to 1 (as sent); a participant's own level, kept when their track is replaced. */
  setVolume(identity: string, volume: number): void;
  volume(identity: string): number;
  /** The participant's voice as a browser track, once subscribed. */
  audioTrack(identity: string): MediaStreamTrack | undefined;
  leave(): Promise<void>;
}

export function roleOf(identity: string): ParticipantRole {
  const prefix = identity.slice(0, identity.indexOf(':') + 1);
  if (prefix === 'agent:') return 'agent';
  if (prefix === 'customer:') return 'customer';
  if (prefix === 'recorder:') return 'recorder';
  return 'other';
}

const participantOf = (p: Participant): CallParticipant => ({ identity: p.identity, name: p.name || p.identity, role: roleOf(p.identity) });
const takesPart = (p: Participant) => roleOf(p.identity) !== 'recorder';

/**
 * livekit-client is most of the console's code and only a call needs it: it is fetched the first
 * time one is about to be joined (a separate chunk), not with the console's first page.
 */
let livekit: Promise<typeof import('livekit-client')> | undefined;
const loadLivekit = () =>
  (livekit ??= import('livekit-client').catch((error: unknown) => {
    // Not kept: the next join fetches again (the network may be back).
    livekit = undefined;
    throw error;
  }));

/** Fetches the room's code ahead of a join that may follow (a call rings), so accepting waits for no download. */
export function prepareCallRoom(): void {
  // A failure here is the join's to report, when it tries again.
  loadLivekit().catch(() => undefined);
}

export async function joinCallRoom(join: CallJoin, listener: CallRoomListener = {}, options: CallRoomOptions = {}): Promise<CallRoom> {
  const { microphone = true, voiceProcessing = true, audioContainer = document.body } = options;
  const { RemoteAudioTrack, Room, RoomEvent } = await loadLivekit();
  const capture = { echoCancellation: voiceProcessing, noiseSuppression: voiceProcessing, autoGainControl: voiceProcessing };
  // adaptiveStream and dynacast concern video only; a call is audio.
  // Without voice processing the capture is kept whole: DTX (sending nothing in pauses) would
  // also clip the starts of words.
  const room = new Room({ adaptiveStream: false, dynacast: false, audioCaptureDefaults: capture, publishDefaults: { dtx: voiceProcessing } });
  const elements = new Map<string, HTMLMediaElement>();
  const tracks = new Map<string, RemoteAudioTrack>();
  const volumes = new Map<string, number>();
  let leaving = false;

  room
    .on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => {
      if (takesPart(p)) listener.joined?.(participantOf(p));
    })
    .on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (takesPart(p)) listener.left?.(participantOf(p));
    })
    .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _publication, p: RemoteParticipant) => {
      if (!(track instanceof RemoteAudioTrack) || !takesPart(p)) return;
      // The element plays the voice; Chromium also feeds a remote WebRTC track to WebAudio only
      // while the track is attached to a playing media element.
      const element = track.attach();
      element.dataset.participant = p.identity;
      audioContainer.append(element);
      elements.set(p.identity, element);
      tracks.set(p.identity, track);
      // On the track, not the participant: the participant's volume applies to a microphone
      // source only, and the Connector's WhatsApp leg does not publish as one.
      track.setVolume(volumes.get(p.identity) ?? 1);
      listener.audio?.(participantOf(p), track.mediaStreamTrack);
    })
    .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack, _publication, p: RemoteParticipant) => {
      for (const element of track.detach()) element.remove();
      elements.delete(p.identity);
      tracks.delete(p.identity);
    })
    .on(RoomEvent.Disconnected, () => {
      if (!leaving) listener.disconnected?.();
    });

  await room.connect(join.url, join.token, { autoSubscribe: true });
  // Those already in the room (the customer, a colleague) are announced like late comers.
  for (const p of room.remoteParticipants.values()) if (takesPart(p)) listener.joined?.(participantOf(p));
  // A page opened without a click (a test, a reload) may not be allowed to play yet; this asks.
  await room.startAudio().catch(() => undefined);
  if (microphone) await room.localParticipant.setMicrophoneEnabled(true);

  return {
    participants: () => [...room.remoteParticipants.values()].filter(takesPart).map(participantOf),
    muted: () => !room.localParticipant.isMicrophoneEnabled,
    async setMuted(muted) {
      await room.localParticipant.setMicrophoneEnabled(!muted);
    },
    setVolume(identity, volume) {
      const level = Math.min(1, Math.max(0, volume));
      volumes.set(identity, level);
      tracks.get(identity)?.setVolume(level);
    },
    volume: (identity) => volumes.get(identity) ?? 1,
    audioTrack: (identity) => tracks.get(identity)?.mediaStreamTrack,
    async leave() {
      leaving = true;
      await room.disconnect();
      for (const element of elements.values()) element.remove();
      elements.clear();
      tracks.clear();
    },
  };
}
