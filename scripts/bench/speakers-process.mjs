// Speakers in a process of their own, so the test process's CPU time is the recorders' alone.
// argv[2]: JSON {url, tokens: string[], clip: path of a canonical 16-bit mono WAV}. Prints
// "ready" once every speaker is in its room, speaks all at once on "go" (stdin), prints "done".
import { AudioFrame, AudioSource, LocalAudioTrack, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

// The built app's room factory (npm run bench:postcall builds first): rtc-node without its log flood.
const { newRoom } = createRequire(import.meta.url)('../../dist/src/media/rtc-runtime.js');

const { url, tokens, clip } = JSON.parse(process.argv[2]);
const wav = readFileSync(clip);
const sampleRate = wav.readUInt32LE(24);
const samples = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));

const rooms = await Promise.all(
  tokens.map(async (token) => {
    const room = newRoom();
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    return room;
  }),
);

async function speak(room) {
  const source = new AudioSource(sampleRate, 1);
  const track = LocalAudioTrack.createAudioTrack('microphone', source);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  const publication = await room.localParticipant.publishTrack(track, options);
  const frame = sampleRate / 100;
  for (let at = 0; at + frame <= samples.length; at += frame) {
    await source.captureFrame(new AudioFrame(samples.slice(at, at + frame), sampleRate, 1, frame));
  }
  await source.waitForPlayout();
  await room.localParticipant.unpublishTrack(publication.sid);
  await track.close();
}

process.stdout.write('ready\n');
const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (line.trim() !== 'go') continue;
  await Promise.all(rooms.map(speak));
  process.stdout.write('done\n');
  await Promise.all(rooms.map((room) => room.disconnect()));
  process.exit(0);
}
