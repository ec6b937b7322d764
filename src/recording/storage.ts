import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where recordings live: a local directory by default, an S3-compatible bucket by configuration
 * (s3-storage.ts). Keys are relative paths such as `accounts/<id>/calls/<id>/customer.wav`.
 */
export interface RecordingStorage {
  /** Stores a file (a path on local disk, or the bytes). Writing the same key again replaces it. */
  put(key: string, source: { file: string } | { bytes: Buffer }, contentType: string): Promise<void>;
  /** The object's size in bytes, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** The bytes from `start` to `end` inclusive (the whole object without a range). */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys are ours, but one that climbs out of the storage root must never get that far. */
export function checkedKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`invalid recording storage key "${key}"`);
  }
  return key;
}

export class LocalRecordingStorage implements RecordingStorage {
  constructor(private readonly root: string) {}

  /** The content type is the file name's business locally (.wav). */
  async put(key: string, source: { file: string } | { bytes: Buffer }, _contentType: string): Promise<void> {
    const target = this.path(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Written beside the target and renamed: a reader never sees half a file.
    const partial = `${target}.partial-${process.pid}`;
    if ('file' in source) await copyFile(source.file, partial);
    else await writeFile(partial, source.bytes);
    await rename(partial, target);
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.path(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const file = this.path(key);
    await stat(file); // a missing file fails here, not mid-stream
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    return path.join(this.root, checkedKey(key));
  }
}
