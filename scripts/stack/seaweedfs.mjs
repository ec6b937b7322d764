// SeaweedFS as the stack's S3-compatible server: the bucket recordings go to with RECORDING_STORAGE=s3,
// and the one test/recording-storage.test.ts checks the S3 storage against.
import fs from 'node:fs';
import path from 'node:path';
import { isLoopback } from './config.mjs';
import { StackError, httpGet, runCommand, say, spawnService, stopChild } from './proc.mjs';

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
  const base = (offset) => `http://${sw.host}:${port(offset)}`;
  const data = path.join(sw.dir, 'data');
  let resumeGrowth = false;

  /**
   * Whether the master's persisted state says volume growth is frozen. Stacks before this one
   * deleted the master's state on every start, and SeaweedFS took each such start for a lost
   * master (see start()): their data dirs carry a freeze that outlives restarts.
   */
  function growthFrozen() {
    try {
      return JSON.parse(fs.readFileSync(path.join(data, `m${port(1)}`, 'max_volume_id'), 'utf8')).growthFrozen === true;
    } catch {
      return false; // a fresh data dir
    }
  }

  /**
   * `volume.growth.resume`, SeaweedFS's own way out of that freeze once the cluster's volumes are
   * known to be all reported: true here by construction, as mini admits no volume server but its own.
   */
  async function resumeVolumeGrowth() {
    const result = await runCommand(sw.bin, ['shell', `-master=${sw.host}:${port(1)}`], { input: 'volume.growth.resume\n', cwd: sw.dir });
    if (!/volume growth (resumed|was not frozen)/.test(result.stdout)) {
      throw new StackError(`seaweedfs: volume.growth.resume failed (exit ${result.code}): ${`${result.stdout}${result.stderr}`.trim().slice(-2000)}`);
    }
    say('seaweedfs: volume growth was frozen by an earlier start that dropped the master\'s state; resumed');
  }

  return {
    name: 'seaweedfs',
    host: sw.host,
    port: sw.port,
    display: `${sw.url}  (S3, bucket ${sw.bucket}; master ${port(1)}, volume ${port(2)}, filer ${port(3)}, admin ${port(4)})`,
    managed: isLoopback(sw.host),
    timeoutMs: 60000,
    probe: async () => {
      // The S3 gateway serves (anything but /healthz is 403 without a signature)…
      if ((await httpGet(`${sw.url}/healthz`)).status !== 200) return false;
      if (resumeGrowth) {
        await resumeVolumeGrowth();
        resumeGrowth = false;
      }
      // …the bucket exists (mini creates it a moment after the gateway answers)…
      if ((await httpGet(`${base(3)}/buckets/${encodeURIComponent(sw.bucket)}/`, { headers: { accept: 'application/json' } })).status !== 200) return false;
      // …and the master hands out file ids in the bucket's collection. A master restarted with
      // known volumes answers 503 "warming up" for 3 heartbeats (15 s, fixed) while it waits for
      // volume servers; a PutObject sent meanwhile waits that long inside the filer. The first
      // assign also grows the collection's first volume, so the first write finds one ready.
      return (await httpGet(`${base(1)}/dir/assign?collection=${encodeURIComponent(sw.bucket)}`)).status === 200;
    },
    async start() {
      if (!sw.bin) throw new StackError('seaweedfs: binary not found — run `npm run setup` (scripts/setup.sh) first');
      if (!sw.accessKeyId || !sw.secretAccessKey) throw new StackError('seaweedfs: RECORDING_S3_ACCESS_KEY_ID and RECORDING_S3_SECRET_ACCESS_KEY must not be empty');
      fs.mkdirSync(data, { recursive: true });
      // The master's state (raft log, topology id, max volume id) stays: a master whose state is
      // gone mints a new topology id, the volume server still carries the old one, and the master
      // then freezes volume growth — a bucket without a volume yet can take no write at all.
      resumeGrowth = growthFrozen();
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
      // No GOMEMLIMIT: mini's own live heap (filer leveldb write buffers, metadata log buffers) is
      // about 100 MB at rest, so any limit near it keeps the GC running — ~10 % of a core while idle.
      return spawnService({ name: 'seaweedfs', command: sw.bin, args, env: process.env, cwd: sw.dir, logDir: config.logDir, runDir: config.runDir });
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 15000 }),
  };
}
