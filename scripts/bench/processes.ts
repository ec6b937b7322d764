import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';

/**
 * What every bench that runs recado as deployed shares: a database of its own, created empty and
 * dropped at the end, and the API / worker / load processes with their noise filtered.
 */

/** An empty database `name` on the server of `baseUrl` (dropped first if a previous run left it); its URL and how to drop it. */
export async function freshDatabase(baseUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (process.env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * A node process of the bench (the API, the worker, a load generator): its errors and fatal log
 * lines go to `log`, the Temporal SDK's INFO lines are dropped; `onLine` gets its stdout lines that
 * are JSON records of the bench's own (`{"type"…`).
 */
export function startNode(name: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (onLine && line.startsWith('{"type"')) onLine(line);
      else if (/"level":(50|60)/.test(line)) log(`${name}: ${line.slice(0, 400)}`);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString().trimEnd();
    if (!/^\S+ \[INFO\]|^\s|^}/.test(text)) log(`${name}: ${text.slice(0, 3000)}`);
  });
  return child;
}
