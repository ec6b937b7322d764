#!/usr/bin/env node
// recado's local stack without Docker: PostgreSQL, Temporal dev server, Typesense, LiveKit,
// LiveKit's test-server (its Twirp API mock), SeaweedFS (the S3 bucket for recordings), Postfix and Dovecot (the
// e-mail channel's SMTP and IMAP), and optionally the app with its simulators. Node built-ins only.
//
//   node scripts/stack.mjs up [--app]            start, print the table, stay until Ctrl-C
//   node scripts/stack.mjs run [--app] -- CMD…   start what is missing, run CMD, stop what it started
//   node scripts/stack.mjs status                what answers where
//   node scripts/stack.mjs stop                  stop services a crashed/killed stack left behind
//   node scripts/stack.mjs env                   `export` lines for the stack's environment
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv, loadConfig } from './stack/config.mjs';
import { Stack, formatTable } from './stack/orchestrator.mjs';
import {
  StackError, describeExit, livePid, readPidFile, removePidFile, reportTo, say, sleep, stopPid, tail,
} from './stack/proc.mjs';
import { appServices } from './stack/app.mjs';
import { infraServices } from './stack/services.mjs';

const USAGE = `usage: node scripts/stack.mjs <command>
  up [--app]              start the stack in the foreground; Ctrl-C stops it
  run [--app] -- CMD ...  run CMD against the stack (starting only what is not running), exit with CMD's code
  status                  show each service, its port and whether it answers
  stop                    stop services recorded in $RECADO_DATA_DIR/run (left by a killed stack)
  env                     print export lines for the stack's environment`;

let current = null; // the running Stack, so that a bug in here still takes its children down

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const dash = rest.indexOf('--');
  const own = dash === -1 ? rest : rest.slice(0, dash);
  let cmd = dash === -1 ? [] : rest.slice(dash + 1);
  const flags = own.filter((a) => a.startsWith('-'));
  if (dash === -1 && command === 'run') cmd = own.filter((a) => !a.startsWith('-'));
  const unknown = flags.filter((f) => f !== '--app');
  if (unknown.length) throw new StackError(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  return { command, app: flags.includes('--app'), cmd };
}

/** Infra starts concurrently; the app parts need it, and the API needs its migrations. */
function groupsFor(config, app) {
  const infra = infraServices(config);
  if (!app) return { groups: [infra], all: infra };
  const [simulator, migrate, api, worker, connector, openai, telegram, fcm, pipedrive, asaas, pagarme] = appServices(config);
  const simulators = [simulator, openai, telegram, fcm, pipedrive, asaas, pagarme];
  return {
    groups: [infra, simulators, [connector], [migrate], [api, worker]],
    all: [...infra, ...simulators, connector, migrate, api, worker],
  };
}

function printError(error) {
  process.stderr.write(`[stack] ERROR: ${error instanceof StackError ? error.message : error.stack}\n`);
}

/** SIGINT/SIGTERM once: graceful; twice: kill everything now. */
function onSignals(first, second) {
  let count = 0;
  const handler = (signal) => {
    count += 1;
    if (count === 1) first(signal);
    else second(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
}

async function up(config, app) {
  const stack = (current = new Stack(config));
  const { groups, all } = groupsFor(config, app);
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const keepAlive = setInterval(() => {}, 1 << 30); // stay even if every service was reused
  onSignals(
    (signal) => {
      say(`${signal}: stopping…`);
      finish(0);
      stack.abort.abort();
    },
    () => {
      say('second signal: killing everything now');
      stack.killAll();
      process.exit(1);
    },
  );
  stack.onCrash = (svc, info, child) => {
    printError(new StackError(`${svc.name} ${describeExit(info)} unexpectedly\n----- last lines of ${child.logFile} -----\n${tail(child.logFile)}\n-----`));
    finish(1);
  };
  let code;
  try {
    const ms = await stack.start(groups);
    say(`ready in ${(ms / 1000).toFixed(1)}s — logs in ${config.logDir}; Ctrl-C stops what this stack started\n${stack.table(all)}`);
    code = await finished;
  } catch (error) {
    if (!stack.abort.signal.aborted || !/start aborted/.test(error.message)) printError(error);
    code = (await Promise.race([finished, sleep(0).then(() => 1)])) ?? 1;
  }
  await stack.stop();
  clearInterval(keepAlive);
  return code;
}

async function run(config, app, cmd) {
  if (cmd.length === 0) throw new StackError(`run needs a command after --\n${USAGE}`);
  reportTo(process.stderr);
  const stack = (current = new Stack(config));
  const { groups } = groupsFor(config, app);
  let child = null;
  let interrupted = null;
  // Without a terminal (CI, scripts) the command gets its own process group, so that whatever
  // it leaves behind (workers, servers) can be reaped when it exits. On a terminal it stays in
  // the foreground group: Ctrl-C reaches it directly and it may read the keyboard.
  const ownGroup = !process.stdin.isTTY;
  onSignals(
    (signal) => {
      interrupted = signal;
      stack.abort.abort();
      if (!child) return;
      if (ownGroup) signalGroup(child.pid, signal);
      // On a terminal the command shares our process group and got the same Ctrl-C; if the
      // signal was sent to us alone (kill), pass it on after a moment.
      else setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill(signal), 2000).unref();
    },
    () => {
      child?.kill('SIGKILL');
      stack.killAll();
      process.exit(1);
    },
  );
  try {
    await stack.start(groups);
  } catch (error) {
    if (!interrupted) printError(error);
    await stack.stop({ quiet: true });
    return interrupted ? 128 + SIGNAL_NUMBERS[interrupted] : 1;
  }
  const env = childEnv(config, {
    PATH: [path.join(config.repoRoot, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter),
  });
  const shown = cmd.join(' ').split('\n')[0];
  say(`running: ${shown.length > 100 ? `${shown.slice(0, 100)}…` : shown}`);
  const code = await new Promise((resolve) => {
    child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit', env, detached: ownGroup });
    child.on('error', (error) => {
      printError(new StackError(`cannot run ${cmd[0]}: ${error.message}`));
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (SIGNAL_NUMBERS[signal] ?? 1)));
  });
  if (ownGroup && child.pid) await reapGroup(child.pid);
  await stack.stop({ quiet: true });
  return code;
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Ends what the command left running in its process group: SIGTERM, then SIGKILL after 3s. */
async function reapGroup(pgid) {
  if (!signalGroup(pgid, 0)) return;
  say('the command left processes behind: stopping them');
  signalGroup(pgid, 'SIGTERM');
  for (let i = 0; i < 30 && signalGroup(pgid, 0); i++) await sleep(100);
  signalGroup(pgid, 'SIGKILL');
}

async function status(config) {
  const services = [...infraServices(config), ...appServices(config)].filter((s) => !s.oneShot);
  const rows = [];
  let down = 0;
  for (const svc of services) {
    const pid = livePid(config.runDir, svc.name);
    let answers;
    if (svc.readyWhen) answers = pid ? 'running' : 'no';
    else answers = (await svc.probe()) ? 'yes' : 'no';
    if (answers === 'no' && infraServices(config).some((s) => s.name === svc.name)) down += 1;
    const where = svc.managed ? '' : ' (not managed)';
    rows.push([svc.name, svc.port ? String(svc.port) : '-', answers, pid ? String(pid) : '-', `${svc.display ?? ''}${where}`]);
  }
  process.stdout.write(`${formatTable(['SERVICE', 'PORT', 'ANSWERS', 'PID', 'ADDRESS'], rows)}\n  data: ${config.dataDir}\n`);
  return down === 0 ? 0 : 3;
}

/** For a stack that was killed without cleaning up (SIGKILL, closed terminal): stop its leftovers. */
async function stopLeftovers(config) {
  const services = [...infraServices(config), ...appServices(config)].reverse();
  let stopped = 0;
  for (const svc of services) {
    const pid = livePid(config.runDir, svc.name);
    if (!pid) {
      if (readPidFile(config.runDir, svc.name)) removePidFile(config.runDir, svc.name);
      continue;
    }
    say(`${svc.name}: stopping pid ${pid}…`);
    // SIGINT is PostgreSQL's fast shutdown (what pg_ctl stop -m fast sends); the others take SIGTERM.
    await stopPid(pid, { signal: svc.name === 'postgres' ? 'SIGINT' : 'SIGTERM', timeoutMs: 20000 });
    removePidFile(config.runDir, svc.name);
    stopped += 1;
  }
  say(stopped ? `stopped ${stopped} service(s)` : 'nothing recorded as running');
  return 0;
}

function printEnv(config) {
  const env = { ...config.env, RECADO_DATA_DIR: config.dataDir };
  for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}='${String(v).replace(/'/g, "'\\''")}'\n`);
  return 0;
}

async function main() {
  const { command, app, cmd } = parseArgs(process.argv.slice(2));
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  switch (command) {
    case 'up': return up(config, app);
    case 'run': return run(config, app, cmd);
    case 'status': return status(config);
    case 'stop': return stopLeftovers(config);
    case 'env': return printEnv(config);
    default: throw new StackError(`unknown command "${command}"\n${USAGE}`);
  }
}

// A closed pipe on our own output (`… | head`) must not take the stack down uncleanly.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

process.on('uncaughtException', (error) => {
  printError(error);
  current?.killAll();
  process.exit(1);
});

main().then(
  (code) => process.exit(code),
  (error) => {
    printError(error);
    current?.killAll();
    process.exit(1);
  },
);
