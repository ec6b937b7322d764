// Process plumbing for the stack: logs, spawning into own process groups, probes, waiting, stopping.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

let out = process.stdout;

/** `run` reports on stderr so that the wrapped command's stdout stays its own. */
export function reportTo(stream) {
  out = stream;
}

export function say(message) {
  out.write(`[stack] ${message}\n`);
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class StackError extends Error {}

/** Opens `<logDir>/<name>.log` fresh for this start, keeping the previous run's log as `.log.1`. */
export function openLog(logDir, name) {
  fs.mkdirSync(logDir, { recursive: true });
  const file = path.join(logDir, `${name}.log`);
  if (fs.existsSync(file)) fs.renameSync(file, `${file}.1`);
  const fd = fs.openSync(file, 'a');
  fs.writeSync(fd, `=== ${new Date().toISOString()} started by scripts/stack.mjs (pid ${process.pid})\n`);
  return { file, fd };
}

export function tail(file, lines = 25) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '(no log)';
  }
}

export function failWithLog(message, logFile) {
  const body = logFile ? `\n----- last lines of ${logFile} -----\n${tail(logFile)}\n-----` : '';
  return new StackError(`${message}${body}`);
}

/**
 * Spawns a long-running service as the leader of its own process group, so that it (and
 * anything it forks) can be signalled as a unit and does not get the terminal's Ctrl-C
 * directly: the stack decides the order in which things stop.
 */
export function spawnService({ name, command, args, env, cwd, user, logDir, runDir }) {
  const log = openLog(logDir, name);
  fs.writeSync(log.fd, `$ ${[command, ...args].join(' ')}\n`);
  const options = { env, cwd, detached: true, stdio: ['ignore', log.fd, log.fd] };
  if (user) Object.assign(options, { uid: user.uid, gid: user.gid });
  const child = spawn(command, args, options);
  fs.closeSync(log.fd);
  child.logFile = log.file;
  child.exitInfo = null;
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      child.exitInfo = { code, signal };
      resolve(child.exitInfo);
    });
    child.once('error', (error) => {
      child.exitInfo = { code: null, signal: null, error };
      fs.appendFileSync(log.file, `spawn failed: ${error.message}\n`);
      resolve(child.exitInfo);
    });
  });
  // `match` is what /proc/<pid>/cmdline must contain for the pid file to still describe this service.
  const match = args.find((a) => a.endsWith('.js')) ?? path.basename(command);
  if (child.pid) writePidFile(runDir, name, { pid: child.pid, command, match, startedAt: new Date().toISOString(), owner: process.pid });
  return child;
}

export function describeExit(info) {
  if (!info) return 'still running';
  if (info.error) return `could not be started: ${info.error.message}`;
  return info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
}

// ---- pid files: let `status`/`stop` find processes another stack invocation started ----

export function writePidFile(runDir, name, record) {
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, `${name}.pid`), `${JSON.stringify(record)}\n`);
}

export function removePidFile(runDir, name, pid) {
  const file = path.join(runDir, `${name}.pid`);
  const record = readPidFile(runDir, name);
  if (record && (pid === undefined || record.pid === pid)) fs.rmSync(file, { force: true });
}

export function readPidFile(runDir, name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, `${name}.pid`), 'utf8'));
  } catch {
    return null;
  }
}

/** The pid file's process, if it is still alive and still runs the recorded program. */
export function livePid(runDir, name) {
  const record = readPidFile(runDir, name);
  if (!record) return null;
  try {
    const cmdline = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.includes(record.match ?? path.basename(record.command)) ? record.pid : null;
  } catch {
    return null;
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Signals a service's process group, waits, and escalates to SIGKILL after `timeoutMs`. */
export async function stopChild(child, { signal = 'SIGTERM', timeoutMs = 15000 } = {}) {
  if (child.exitInfo || !child.pid) return;
  killGroup(child.pid, signal);
  const done = await Promise.race([child.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!done) {
    say(`${child.serviceName ?? child.pid} did not stop within ${timeoutMs / 1000}s: SIGKILL`);
    killGroup(child.pid, 'SIGKILL');
    await child.exited;
  }
  // Anything the leader forked into its group dies with it.
  killGroup(child.pid, 'SIGKILL');
}

export function killNow(child) {
  if (child?.pid && !child.exitInfo) killGroup(child.pid, 'SIGKILL');
}

/** Stops a process we did not spawn ourselves (found through its pid file). */
export async function stopPid(pid, { signal = 'SIGTERM', timeoutMs = 15000 } = {}) {
  killGroup(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) killGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
}

// ---- probes ----

export function tcpOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export function httpGet(url, { headers = {}, timeoutMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (body.length < 65536) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** Runs a short command to completion; never throws (the result says what happened). */
export function runCommand(command, args, { env, cwd, user, input, timeoutMs = 30000 } = {}) {
  return new Promise((resolve) => {
    const options = { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] };
    if (user) Object.assign(options, { uid: user.uid, gid: user.gid });
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(command, args, options);
    } catch (error) {
      resolve({ code: -1, stdout, stderr: error.message });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/**
 * Polls `probe` until it resolves truthy. Fails early (with the log's tail) if the process
 * dies, and after `timeoutMs`. Prints a progress line every few seconds so a slow first
 * start does not look like a hang.
 */
export async function waitUntilReady({ name, probe, child, timeoutMs, signal, intervalMs = 250 }) {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    if (signal?.aborted) throw new StackError(`${name}: start aborted`);
    if (child?.exitInfo) throw failWithLog(`${name} ${describeExit(child.exitInfo)} before it was ready`, child.logFile);
    if (await probe()) return Date.now() - started;
    const now = Date.now();
    if (now - started > timeoutMs) {
      throw failWithLog(`${name} was not ready within ${Math.round(timeoutMs / 1000)}s`, child?.logFile);
    }
    if (now - lastReport >= 5000) {
      lastReport = now;
      say(`${name}: still waiting (${Math.round((now - started) / 1000)}s)…`);
    }
    await sleep(intervalMs, signal);
  }
}
