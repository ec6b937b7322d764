import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { RecordingFilesRepository } from '../src/calls/history/recording-files.repository';
import type { RecordingStorage } from '../src/recording/storage';

export interface RecordingRetentionDeps {
  pool: Pool;
  storage: RecordingStorage;
  /** rows expired per transaction */
  batchSize?: number;
}

export interface RetentionSweepResult {
  expired: number;
  filesDeleted: number;
  filesFailed: number;
}

/** The retention job's activity (workflows/recording-retention.workflow.ts). */
export function createRecordingRetentionActivities({ pool, storage, batchSize = 500 }: RecordingRetentionDeps) {
  const files = new RecordingFilesRepository(pool);
  return {
    /** Expired recordings leave (rows now, files right after); files left to delete by anyone are retried. */
    async sweepExpiredRecordings(): Promise<RetentionSweepResult> {
      let expired = 0;
      for (;;) {
        const n = await files.expire(batchSize);
        expired += n;
        Context.current().heartbeat(expired);
        if (n < batchSize) break;
      }
      const drained = await files.drain((key) => storage.delete(key));
      return { expired, filesDeleted: drained.deleted, filesFailed: drained.failed };
    },
  };
}

export type RecordingRetentionActivities = ReturnType<typeof createRecordingRetentionActivities>;
