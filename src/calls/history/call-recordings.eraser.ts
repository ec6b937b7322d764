import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../db/database';
import { ContactErasers } from '../../contacts/erasure/contact-eraser';
import type { RecordingStorage } from '../../recording/storage';
import { RecordingFilesRepository } from './recording-files.repository';
import { RECORDING_STORAGE } from './recording-storage.provider';

/**
 * A contact's erasure takes its calls' recordings (rows in the transaction, files from storage
 * right after it), transcripts, summaries and timelines. The audit of who downloaded a recording
 * (recording_downloads: ids and byte ranges, nothing the customer said) is kept.
 */
@Injectable()
export class CallRecordingsEraser implements OnModuleInit {
  private readonly files: RecordingFilesRepository;

  constructor(
    private readonly erasers: ContactErasers,
    @Inject(PG_POOL) pool: Pool,
    @Inject(RECORDING_STORAGE) private readonly storage: RecordingStorage,
  ) {
    this.files = new RecordingFilesRepository(pool);
  }

  onModuleInit(): void {
    // Children first: transcript parts hang off recordings, which would take them by cascade uncounted.
    this.erasers.register({
      name: 'call_transcript_parts',
      erase: (tx, c) => this.files.deleteContactCallRows(tx, 'call_transcript_parts', c.accountId, c.id),
    });
    this.erasers.register({
      name: 'call_recordings',
      erase: (tx, c) => this.files.queueContactRecordings(tx, c.accountId, c.id),
      eraseOutside: async (accountId, contactId) => {
        const { deleted, failed } = await this.files.drain((key) => this.storage.delete(key), { accountId, contactId });
        if (failed > 0) throw new Error(`${failed} recording files could not be deleted from storage`);
        return { recording_files: deleted };
      },
    });
    this.erasers.register({ name: 'call_postcall', erase: (tx, c) => this.files.deleteContactCallRows(tx, 'call_postcall', c.accountId, c.id) });
    this.erasers.register({ name: 'call_events', erase: (tx, c) => this.files.deleteContactCallRows(tx, 'call_events', c.accountId, c.id) });
  }
}
