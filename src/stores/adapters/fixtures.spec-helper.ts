import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Test helper: a fixture under test/fixtures/stores/<platform>/, as the raw text the platform sent. */
export function fixture(platform: string, file: string): string {
  return readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'stores', platform, file), 'utf8');
}
