import type { Provider, Type } from '@nestjs/common';
import { CallEventsRepository } from '../call-events.repository';
import { RecordingSettingsRepository } from '../../recording/recording-settings.repository';
import { CallHistoryController } from './call-history.controller';
import { CallHistoryRepository } from './call-history.repository';
import { CallHistoryService } from './call-history.service';
import { CallRecordingsEraser } from './call-recordings.eraser';
import { ContactThreadController } from './contact-thread.controller';
import { ContactThreadRepository } from './contact-thread.repository';
import { ContactThreadService } from './contact-thread.service';
import { RecordingDownloadService } from './recording-download.service';
import { RecordingPlaybackController } from './recording-playback.controller';
import { RecordingPlaybackService } from './recording-playback.service';
import { RecordingSettingsController } from './recording-settings.controller';
import { recordingStorageProvider } from './recording-storage.provider';

/**
 * Call history: the list and a call's details, recordings with Range downloads (audited) and
 * signed playback links for players that cannot send the token, a contact's thread of messages
 * and calls, the account's recording policy, and what an erasure of a contact removes of its
 * calls' audio and text.
 */
export const CALL_HISTORY_CONTROLLERS: Type[] = [CallHistoryController, RecordingPlaybackController, ContactThreadController, RecordingSettingsController];
export const CALL_HISTORY_PROVIDERS: Provider[] = [
  recordingStorageProvider,
  CallHistoryRepository,
  CallHistoryService,
  RecordingDownloadService,
  RecordingPlaybackService,
  ContactThreadRepository,
  ContactThreadService,
  RecordingSettingsRepository,
  CallEventsRepository,
  CallRecordingsEraser,
];
