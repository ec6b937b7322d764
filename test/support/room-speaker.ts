import { AccessToken } from 'livekit-server-sdk';
import { speakToWav } from '../../src/media/speech';
import { parseWav, type PcmAudio } from '../../src/media/wav';

export { joinRoom as joinAsSpeaker, type RoomAudio as RoomSpeaker } from '../../src/media/room-audio';

/** espeak-ng's speech as 16-bit mono PCM at `sampleRate`. */
export async function speech(text: string, sampleRate = 48_000): Promise<PcmAudio> {
  return parseWav(await speakToWav(text, { sampleRate }));
}

/** A token to join `room` as `identity`, publishing and subscribing. */
export async function joinToken(livekit: { apiKey: string; apiSecret: string }, room: string, identity: string, name = identity): Promise<string> {
  const at = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity, name, ttl: 600 });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
  return at.toJwt();
}
