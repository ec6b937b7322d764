import type { CallAudioConfig } from '../config/call-audio.config';
import { S3RecordingStorage } from './s3-storage';
import { LocalRecordingStorage, type RecordingStorage } from './storage';

/** Nest injection token of the deployment's RecordingStorage. */
export const RECORDING_STORAGE = Symbol('RECORDING_STORAGE');

/** The one place that picks where recordings live: every reader and writer of recordings gets its storage here. */
export function createRecordingStorage(config: CallAudioConfig['recordings']): RecordingStorage {
  switch (config.storage) {
    case 'local':
      return new LocalRecordingStorage(config.dir);
    case 's3':
      // The bucket is provisioned with the deployment (the local stack creates its own): no CreateBucket here.
      return new S3RecordingStorage(config.s3);
  }
}
