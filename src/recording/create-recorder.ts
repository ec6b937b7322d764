import type { CallAudioConfig } from '../config/call-audio.config';
import { EgressRecorder } from './egress-recorder';
import { ParticipantRecorder } from './participant-recorder';
import type { CallRecorder } from './recorder';
import type { RecordingStorage } from './storage';

/** RECORDER picks who records a call: the built-in participant (default) or LiveKit Egress. */
export function createRecorder(
  config: CallAudioConfig['recordings'],
  livekit: { url: string; apiKey: string; apiSecret: string },
  storage: RecordingStorage,
): CallRecorder {
  switch (config.recorder) {
    case 'participant':
      return new ParticipantRecorder({ livekit, storage, workDir: config.workDir, maxCallDurationMs: config.maxCallDurationMs });
    case 'egress':
      return new EgressRecorder({ livekit, s3: config.s3, storage, maxCallDurationMs: config.maxCallDurationMs, pollIntervalMs: config.egressPollMs });
  }
}
