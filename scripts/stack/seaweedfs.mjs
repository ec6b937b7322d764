// SeaweedFS as the stack's S3-compatible server: the bucket recordings go to with RECORDING_STORAGE=s3,
// and the one test/recording-storage.test.ts checks the S3 storage against.
import fs from 'node:fs';
import path from 'node:path';
import { isLoopback } from './config.mjs';
import { StackError, httpGet, spawnService, stopChild } from './proc.mjs';

/**
 * S3's identities config (`-s3.config`): one identity with the stack's keys. With an identity
 * configured, anonymous requests are refused and every request's Signature V4 is checked.
 */
function identities(sw) {
  return {
    identities: [
      {
        name: 'recado',
        credentials: [{ accessKey: sw.accessKeyId, secretKey: sw.secretAccessKey }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
}

/**
 * `weed mini`: master, volume server, filer and S3 gateway in one process. Chosen over
 * `weed server -s3`, which on SIGTERM stops its volume server before the filer and then waits
 * ~15 s for a metadata flush that cannot land; mini stops in under 2 s. Small volumes (64 MB,
 * at most 4) keep the disk and memory small; WebDAV, the admin UI, Iceberg, Lance and telemetry are off.
 */
export function seaweedfs(config) {
  const sw = config.seaweedfs;
  const port = (offset) => String(sw.port + offset);
  return {
    name: 'seaweedfs',
    host: sw.host,
    port: sw.port,
    display: `${sw.url}  (S3, bucket ${sw.bucket}; master ${port(1)}, volume ${port(2)}, filer ${port(3)}, admin ${port(4)})`,
    managed: isLoopback(sw.host),
    timeoutMs: 60000,
    // 200 once the gateway serves; the bucket is created (-bucket) before mini reports ready, and
    // anything else is 403 without a signature.
    probe: async () => (await httpGet(`${sw.url}/healthz`)).status === 200,
    async start() {
      if (!sw.bin) throw new StackError('seaweedfs: binary not found — run `npm run setup` (scripts/setup.sh) first');
      if (!sw.accessKeyId || !sw.secretAccessKey) throw new StackError('seaweedfs: RECORDING_S3_ACCESS_KEY_ID and RECORDING_S3_SECRET_ACCESS_KEY must not be empty');
      const data = path.join(sw.dir, 'data');
      fs.mkdirSync(data, { recursive: true });
      // A master that restarts with known volumes refuses writes for 3 pulses (15 s, fixed) while
      // it waits for volume servers to report back. Here the one volume server is in the same
      // process and reports within a heartbeat, so the master's own state (max volume id, raft
      // log) is dropped on start and rebuilt from that report: writes work as soon as S3 answers.
      fs.rmSync(path.join(data, `m${port(1)}`), { recursive: true, force: true });
      const identitiesFile = path.join(sw.dir, 's3-identities.json');
      fs.writeFileSync(identitiesFile, `${JSON.stringify(identities(sw), null, 2)}\n`, { mode: 0o600 });
      const args = [
        'mini',
        `-dir=${data}`,
        `-ip=${sw.host}`,
        `-ip.bind=${sw.host}`,
        `-s3.port=${sw.port}`,
        `-master.port=${port(1)}`,
        `-volume.port=${port(2)}`,
        `-filer.port=${port(3)}`,
        `-admin.port=${port(4)}`,
        '-admin.port.legacy=0',
        '-admin.ui=false',
        '-webdav=false',
        '-s3.port.iceberg=0',
        '-s3.port.lance=0',
        '-s3.iam=false',
        `-s3.config=${identitiesFile}`,
        `-bucket=${sw.bucket}`,
        '-master.telemetry=false',
        '-master.volumeSizeLimitMB=64',
        '-volume.max=4',
      ];
      // A soft heap limit: Go's GC otherwise lets a dev server grow to a few hundred MB.
      const env = { GOMEMLIMIT: '96MiB', ...process.env };
      return spawnService({ name: 'seaweedfs', command: sw.bin, args, env, cwd: sw.dir, logDir: config.logDir, runDir: config.runDir });
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 15000 }),
  };
}
