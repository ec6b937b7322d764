// The services of the local stack: how each one starts, when it counts as ready, how it stops.
// Order matters: the stack stops them in reverse.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isLoopback } from './config.mjs';
import { mailServices } from './mail.mjs';
import { seaweedfs } from './seaweedfs.mjs';
import {
  StackError, failWithLog, httpGet, runCommand, say, spawnService, stopChild, tcpOpen, waitUntilReady,
} from './proc.mjs';

const SETUP_HINT = 'run `npm run setup` (scripts/setup.sh) first';

function requireBin(name, bin) {
  if (!bin) throw new StackError(`${name}: binary not found — ${SETUP_HINT}`);
  return bin;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StackError(`cannot read ${file}: ${error.message}`);
  }
}

// ---------------------------------------------------------------- postgres

/** PostgreSQL refuses to run as root; as root we run its binaries as the `postgres` system user. */
function postgresUser() {
  if (process.getuid() !== 0) return null;
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new StackError(`running as root but there is no "postgres" system user — ${SETUP_HINT} (Debian's postgresql package creates it)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const quoteIdent = (s) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s) => `'${s.replace(/'/g, "''")}'`;

function bootstrapSql({ user, password, database }) {
  const role = quoteIdent(user);
  const pass = password ? ` PASSWORD ${quoteLiteral(password)}` : '';
  return `
DO $recado$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(user)}) THEN
    CREATE ROLE ${role} LOGIN CREATEDB${pass};
  ELSE
    ALTER ROLE ${role} LOGIN CREATEDB${pass};
  END IF;
END
$recado$;
SELECT format('CREATE DATABASE %I OWNER %I', ${quoteLiteral(database)}, ${quoteLiteral(user)})
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(database)}) \\gexec
`;
}

/**
 * Where the cluster and its socket live. Normally `$DATA/pg` and `$DATA/run`; but when we run
 * as root and the `postgres` user cannot reach the data dir (a checkout under /root, say), the
 * cluster goes to a per-data-dir folder under /var/tmp instead, linked from `$DATA/pg`.
 */
function postgresLayout(config) {
  const pg = config.postgres;
  const user = postgresUser();
  if (!user) return { user, dir: pg.dir, socketDir: pg.socketDir };
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.chmodSync(config.dataDir, 0o755);
  const reach = spawnSync('test', ['-x', config.dataDir], { uid: user.uid, gid: user.gid });
  if (reach.status === 0 && !isSymlink(pg.dir)) return { user, dir: pg.dir, socketDir: pg.socketDir };
  let hash = 0;
  for (const ch of config.dataDir) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const root = `/var/tmp/recado-pg-${hash.toString(16)}`;
  fs.mkdirSync(root, { recursive: true });
  fs.chmodSync(root, 0o755);
  return { user, dir: path.join(root, 'pg'), socketDir: path.join(root, 'run'), link: pg.dir };
}

function isSymlink(file) {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function postgres(config) {
  const pg = config.postgres;
  let bin = pg.bin;
  let layout;
  const where = () => (layout ??= postgresLayout(config));
  const run = (tool, args, opts = {}) => runCommand(path.join(bin, tool), args, { user: where().user, cwd: where().dir, env: process.env, ...opts });

  return {
    name: 'postgres',
    host: pg.host,
    port: pg.port,
    display: config.env.DATABASE_URL,
    managed: isLoopback(pg.host),
    timeoutMs: 60000,
    async probe() {
      if (!bin) return tcpOpen(pg.host, pg.port);
      const r = await runCommand(path.join(bin, 'pg_isready'), ['-q', '-h', pg.host, '-p', String(pg.port), '-t', '2'], { timeoutMs: 5000 });
      return r.code === 0;
    },
    async start() {
      const { user, dir, socketDir, link } = where();
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.mkdirSync(socketDir, { recursive: true });
      if (link) {
        say(`postgres: the "postgres" user cannot reach ${config.dataDir}; the cluster lives in ${dir}`);
        if (!isSymlink(link)) fs.symlinkSync(dir, link);
      }
      // A cluster made by another major version needs that version's binaries.
      const versionFile = path.join(dir, 'PG_VERSION');
      if (fs.existsSync(versionFile)) {
        const major = fs.readFileSync(versionFile, 'utf8').trim();
        const matching = `/usr/lib/postgresql/${major}/bin`;
        if (fs.existsSync(path.join(matching, 'postgres'))) bin = matching;
        else throw new StackError(`postgres: ${dir} was created by PostgreSQL ${major}, which is not installed (have ${bin}). Remove that folder to start afresh, or install postgresql-${major}.`);
      }
      requireBin('postgres', bin);
      if (user) {
        fs.chownSync(dir, user.uid, user.gid);
        fs.chmodSync(dir, 0o700);
        fs.chownSync(socketDir, user.uid, user.gid);
      }
      if (!fs.existsSync(versionFile)) {
        say('postgres: first run — initdb');
        const init = await run('initdb', ['-D', dir, '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--auth-local=trust', '--auth-host=scram-sha-256'], { timeoutMs: 120000 });
        fs.mkdirSync(config.logDir, { recursive: true });
        fs.writeFileSync(path.join(config.logDir, 'postgres-initdb.log'), init.stdout + init.stderr);
        if (init.code !== 0) throw failWithLog('postgres: initdb failed', path.join(config.logDir, 'postgres-initdb.log'));
      }
      return spawnService({
        name: 'postgres',
        command: path.join(bin, 'postgres'),
        args: [
          '-D', dir, '-p', String(pg.port),
          '-c', `listen_addresses=${pg.host}`,
          '-c', `unix_socket_directories=${socketDir}`,
          '-c', 'max_connections=200',
          // Dev/test cluster: losing the last few milliseconds of commits on a crash is fine.
          '-c', 'synchronous_commit=off',
        ],
        env: process.env,
        cwd: dir,
        user,
        logDir: config.logDir,
        runDir: config.runDir,
      });
    },
    /** Creates DATABASE_URL's role and database; idempotent (also re-applies the password). */
    async afterReady({ startedHere }) {
      let socketDir;
      try {
        ({ socketDir } = where());
      } catch (error) {
        if (startedHere) throw error;
        return; // someone else's server on a machine where we could not run our own
      }
      if (!startedHere && !fs.existsSync(path.join(socketDir, `.s.PGSQL.${pg.port}`))) return; // not our server
      requireBin('postgres', bin);
      const r = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(pg.port), '-U', 'postgres', '-d', 'postgres', '-f', '-'], {
        input: bootstrapSql(pg),
        env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
      });
      if (r.code !== 0) throw new StackError(`postgres: creating role "${pg.user}" / database "${pg.database}" failed:\n${r.stderr || r.stdout}`);
    },
    async stop(child) {
      if (child.exitInfo) return;
      // pg_ctl's fast shutdown: roll back open transactions, disconnect clients, checkpoint.
      const r = await run('pg_ctl', ['stop', '-D', where().dir, '-m', 'fast', '-w', '-t', '30'], { timeoutMs: 40000 });
      if (r.code !== 0) say(`postgres: pg_ctl stop failed (${(r.stderr || r.stdout).trim()}); signalling`);
      await stopChild(child, { signal: 'SIGINT', timeoutMs: r.code === 0 ? 5000 : 20000 });
    },
  };
}

// ---------------------------------------------------------------- temporal

function temporal(config) {
  const t = config.temporal;
  const address = `${t.host}:${t.port}`;
  const settings = () => readJson(t.configFile);
  const namespaces = () => [...new Set(['default', ...(settings().namespaces ?? []), t.namespace])];
  const cli = (args, timeoutMs = 10000) => runCommand(requireBin('temporal', t.bin), [...args, '--address', address, '--command-timeout', '5s'], { env: process.env, timeoutMs });

  return {
    name: 'temporal',
    host: t.host,
    port: t.port,
    display: `${address}  UI http://${t.host}:${t.uiPort}`,
    managed: isLoopback(t.host),
    timeoutMs: 120000,
    async probe() {
      if (!(await tcpOpen(t.host, t.port))) return false;
      if (!t.bin) return true;
      return (await cli(['operator', 'namespace', 'describe', '--namespace', 'default', '-o', 'json'])).code === 0;
    },
    async start() {
      const s = settings();
      fs.mkdirSync(path.dirname(t.dbFile), { recursive: true });
      const args = [
        'server', 'start-dev',
        '--db-filename', t.dbFile,
        '--ip', t.host,
        '--port', String(t.port),
        '--ui-port', String(t.uiPort),
        '--log-level', 'warn',
      ];
      for (const ns of namespaces()) args.push('--namespace', ns);
      for (const [key, value] of Object.entries(s.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
      for (const [key, value] of Object.entries(s.sqlitePragmas ?? {})) args.push('--sqlite-pragma', `${key}=${value}`);
      return spawnService({ name: 'temporal', command: requireBin('temporal', t.bin), args, env: process.env, cwd: config.dataDir, logDir: config.logDir, runDir: config.runDir });
    },
    /**
     * Namespaces and search attributes, idempotently — also on a server another stack started, so
     * that a key added to dev-server.json reaches a Temporal that is reused. Several stacks may do
     * this at once: creating what exists with the same type succeeds.
     */
    async afterReady() {
      if (!t.bin) return setUpWithClient(config, address);
      const s = settings();
      const retention = `${(s.namespaceRetentionDays ?? 7) * 24}h`;
      for (const ns of namespaces()) {
        if ((await cli(['operator', 'namespace', 'describe', '--namespace', ns, '-o', 'json'])).code === 0) continue;
        const r = await cli(['operator', 'namespace', 'create', '--namespace', ns, '--retention', retention]);
        if (r.code !== 0 && !/already/i.test(r.stderr)) throw new StackError(`temporal: creating namespace ${ns} failed: ${r.stderr.trim()}`);
      }
      const wanted = Object.entries(s.searchAttributes ?? {});
      if (wanted.length === 0) return;
      for (const ns of namespaces()) {
        // A namespace created a moment ago is not in the server's namespace cache for a few seconds.
        let list;
        const listed = async () => (list = await cli(['operator', 'search-attribute', 'list', '--namespace', ns, '-o', 'json'])).code === 0;
        await waitUntilReady({ name: `temporal: namespace ${ns}`, probe: listed, timeoutMs: 30000, intervalMs: 500 });
        const existing = JSON.parse(list.stdout).customAttributes ?? {};
        for (const [name, type] of wanted) {
          const registered = existing[name];
          if (registered === `INDEXED_VALUE_TYPE_${snakeUpper(type)}`) continue;
          if (registered) throw new StackError(`temporal: search attribute ${name} in ${ns} is ${registered}, recado needs ${type} (temporal/dev-server.json); a type cannot change — use a new name`);
          const r = await cli(['operator', 'search-attribute', 'create', '--namespace', ns, '--name', name, '--type', type]);
          if (r.code !== 0) throw new StackError(`temporal: registering search attribute ${name} (${type}) in ${ns} failed: ${(r.stderr || r.stdout).trim()}`);
        }
      }
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 20000 }),
  };
}

/** Keyword → KEYWORD, KeywordList → KEYWORD_LIST: the CLI's spelling of IndexedValueType. */
const snakeUpper = (type) => type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

/** Without the Temporal CLI (a server that is not ours): the same setup through the Node client. */
async function setUpWithClient(config, address) {
  const script = path.join(config.repoRoot, 'temporal', 'setup.mjs');
  const r = await runCommand(process.execPath, [script], { env: { ...process.env, TEMPORAL_ADDRESS: address }, cwd: config.repoRoot, timeoutMs: 180000 });
  if (r.code !== 0) throw new StackError(`temporal: ${path.relative(config.repoRoot, script)} failed: ${(r.stderr || r.stdout).trim()}`);
}

// ---------------------------------------------------------------- typesense

function typesense(config) {
  const ts = config.typesense;
  return {
    name: 'typesense',
    host: ts.host,
    port: ts.port,
    display: ts.url,
    managed: isLoopback(ts.host),
    // A start replays the raft log written since Typesense's last snapshot (hourly): after a
    // bench:contacts run that is minutes of imports, and /health says ok only once it is applied.
    timeoutMs: 300000,
    async probe() {
      const r = await httpGet(`${ts.url}/health`);
      try {
        return r.status === 200 && JSON.parse(r.body).ok === true;
      } catch {
        return false;
      }
    },
    async start() {
      fs.mkdirSync(ts.dir, { recursive: true });
      const args = [
        '--data-dir', ts.dir,
        '--api-key', ts.apiKey,
        '--api-address', ts.host, // --listen-address is the deprecated name of the same flag
        '--api-port', String(ts.port),
        // Single node: raft still binds a peering port; keep it on loopback, next to the API.
        '--peering-address', '127.0.0.1',
        '--peering-port', String(ts.port - 1),
        '--enable-cors',
      ];
      return spawnService({ name: 'typesense', command: requireBin('typesense', ts.bin), args, env: process.env, cwd: ts.dir, logDir: config.logDir, runDir: config.runDir });
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 20000 }),
  };
}

// ---------------------------------------------------------------- livekit

function livekit(config) {
  const lk = config.livekit;
  return {
    name: 'livekit',
    host: lk.host,
    port: lk.port,
    display: `${lk.url}  (rtc tcp ${lk.port + 1}, udp ${lk.port + 2})`,
    managed: isLoopback(lk.host),
    timeoutMs: 30000,
    probe: async () => (await httpGet(`${lk.url}/`)).status === 200,
    async start() {
      const args = [
        '--dev',
        '--bind', lk.host,
        '--node-ip', '127.0.0.1',
        '--port', String(lk.port),
        '--rtc.tcp_port', String(lk.port + 1),
        '--udp-port', String(lk.port + 2),
        '--keys', `${lk.apiKey}: ${lk.apiSecret}`,
      ];
      return spawnService({ name: 'livekit', command: requireBin('livekit', lk.bin), args, env: process.env, cwd: config.dataDir, logDir: config.logDir, runDir: config.runDir });
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 10000 }),
  };
}

/**
 * LiveKit's own mock of its Twirp API (cmd/test-server). Stateless: it answers the Connector API
 * with MOCK_WHATSAPP_CALL_ID and never talks to Meta, so recado dials the Connector simulator
 * (LIVEKIT_CONNECTOR_URL, started with --app) instead; tests use this one to check the SDK's requests.
 */
function livekitTestServer(config) {
  const t = config.testServer;
  return {
    name: 'livekit-test-server',
    host: t.host,
    port: t.port,
    display: `${t.url}  (LiveKit's Twirp API mock, for checking SDK requests)`,
    managed: isLoopback(t.host),
    timeoutMs: 15000,
    probe: async () => (await httpGet(`${t.url}/_test/health`)).status === 200,
    async start() {
      const args = [
        '--ports', String(t.port), // one listener = one "region"
        '--bind', t.host,
        '--advertise-host', `http://${t.host}`,
        '--api-secret', config.livekit.apiSecret, // tokens are verified like the real server's
      ];
      return spawnService({ name: 'livekit-test-server', command: requireBin('livekit test-server', t.bin), args, env: process.env, cwd: config.dataDir, logDir: config.logDir, runDir: config.runDir });
    },
    stop: (child) => stopChild(child, { signal: 'SIGTERM', timeoutMs: 5000 }),
  };
}

export function infraServices(config) {
  return [postgres(config), temporal(config), typesense(config), livekit(config), livekitTestServer(config), seaweedfs(config), ...mailServices(config)];
}
