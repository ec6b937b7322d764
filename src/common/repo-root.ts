import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The nearest directory at or above `start` holding a package.json (works from src/ and dist/). */
export function findRepoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json found above ${start}`);
    dir = parent;
  }
}
