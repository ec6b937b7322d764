import type { CallAudioConfig } from '../config/call-audio.config';
import { LocalRecordingStorage, type RecordingStorage } from './storage';

/** Nest injection token of the deployment's RecordingStorage. */
export const RECORDING_STORAGE = Symbol('RECORDING_STORAGE');

/** The one place that picks where recordings live: every reader and writer of recordings gets its storage here. */
export function createRecordingStorage(config: CallAudioConfig['recordings']): RecordingStorage {
  switch (config.storage) {
    case 'local':
      return new LocalRecordingStorage(config.dir);
    case 's3':
      // The S3-compatible storage (s3-storage.ts) is built here from config.s3.
      throw new Error('RECORDING_STORAGE=s3 is not available in this build: use RECORDING_STORAGE=local');
  }
}
