import type { Provider } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { createRecordingStorage } from '../../recording/create-storage';

export const RECORDING_STORAGE = Symbol('RECORDING_STORAGE');

export const recordingStorageProvider: Provider = {
  provide: RECORDING_STORAGE,
  inject: [CONFIG],
  useFactory: (config: Config) => createRecordingStorage(config.callAudio.recordings),
};
