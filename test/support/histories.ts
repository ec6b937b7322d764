import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Config } from '../../src/config/config';

/** Recorded workflow histories, replayed by the workflow tests to catch non-determinism. */
export const HISTORIES = path.join(__dirname, '..', 'histories');

function temporalCli(): string {
  const tools = process.env.RECADO_TOOLS_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'recado', 'tools');
  return path.join(tools, 'temporal-v1.5.1', 'temporal');
}

/** With RECORD_HISTORIES=1, writes the workflow's history to test/histories/<file> (the Temporal CLI's JSON, which runReplayHistory reads). */
export function recordHistoryIfAsked(config: Config, workflowId: string, file: string): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = execFileSync(temporalCli(), [
    'workflow', 'show', '--workflow-id', workflowId, '--address', config.temporal.address,
    '--namespace', config.temporal.namespace, '--output', 'json',
  ]);
  fs.writeFileSync(path.join(HISTORIES, file), history);
}
