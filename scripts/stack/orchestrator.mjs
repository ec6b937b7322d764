// Brings services up (reusing whatever already answers), remembers what it started, and
// stops exactly that, in reverse order.
import {
  StackError, describeExit, failWithLog, killNow, livePid, removePidFile, say, tcpOpen, waitUntilReady,
} from './proc.mjs';

export class Stack {
  constructor(config) {
    this.config = config;
    this.started = []; // { svc, child, order } — what this invocation owns
    this.states = new Map(); // name -> 'started' | 'reused' | 'external' | 'done'
    this.oneShots = new Set();
    this.reused = [];
    this.abort = new AbortController();
    this.stopping = false;
    this.onCrash = null; // (svc, info) => void, set by `up`
  }

  /** Starts the services in groups: the members of a group concurrently, groups in order. */
  async start(groups) {
    const t0 = Date.now();
    let order = 0;
    for (const group of groups) {
      const indexed = group.map((svc) => ({ svc, order: order++ }));
      this.reused = [];
      const results = await Promise.allSettled(indexed.map(({ svc, order: o }) => this.ensure(svc, o).catch((error) => {
        this.abort.abort();
        throw error;
      })));
      if (this.reused.length) say(`already running, reused: ${this.reused.join(', ')}`);
      const failure = results.find((r) => r.status === 'rejected' && !/start aborted/.test(r.reason?.message));
      if (failure) throw failure.reason;
      const aborted = results.find((r) => r.status === 'rejected');
      if (aborted) throw aborted.reason;
    }
    return Date.now() - t0;
  }

  async ensure(svc, order) {
    const { config } = this;
    if (!svc.managed) {
      this.states.set(svc.name, 'external');
      say(`${svc.name}: not on this machine (${svc.display}) — not managed`);
      return;
    }
    if (svc.oneShot) return this.runOnce(svc);
    if (svc.readyWhen ? livePid(config.runDir, svc.name) : await svc.probe()) {
      this.states.set(svc.name, 'reused');
      this.reused.push(svc.name);
      await svc.afterReady?.({ startedHere: false });
      return;
    }
    const otherStack = livePid(config.runDir, svc.name);
    if (otherStack && !svc.readyWhen) {
      // Another stack invocation started it a moment ago and it is still coming up.
      say(`${svc.name}: started by another stack (pid ${otherStack}), waiting for it…`);
      await waitUntilReady({ name: svc.name, probe: () => svc.probe(), timeoutMs: svc.timeoutMs, signal: this.abort.signal });
      this.states.set(svc.name, 'reused');
      this.reused.push(svc.name);
      await svc.afterReady?.({ startedHere: false });
      return;
    }
    if (svc.port && (await tcpOpen(svc.host, svc.port))) {
      throw new StackError(`${svc.name}: port ${svc.host}:${svc.port} is taken by something that does not answer like ${svc.name}. Stop it, or point the stack elsewhere (see the env vars in README).`);
    }
    if (this.abort.signal.aborted) throw new StackError(`${svc.name}: start aborted`);
    say(`${svc.name}: starting…`);
    const child = await svc.start();
    child.serviceName = svc.name;
    this.started.push({ svc, child, order });
    this.states.set(svc.name, 'started');
    child.exited.then((info) => {
      removePidFile(config.runDir, svc.name, child.pid);
      if (!this.stopping && child.isReady) this.onCrash?.(svc, info, child);
    });
    const probe = svc.readyWhen ? async () => svc.readyWhen(child) : () => svc.probe();
    const ms = await waitUntilReady({ name: svc.name, probe, child, timeoutMs: svc.timeoutMs, signal: this.abort.signal });
    await svc.afterReady?.({ startedHere: true });
    child.isReady = true;
    say(`${svc.name}: ready in ${(ms / 1000).toFixed(1)}s`);
  }

  /** One-shot jobs (migrations): must exit 0 within their timeout. */
  async runOnce(svc) {
    say(`${svc.name}: running…`);
    const child = await svc.start();
    this.oneShots.add(child);
    const timer = setTimeout(() => killNow(child), svc.timeoutMs);
    const onAbort = () => killNow(child);
    this.abort.signal.addEventListener('abort', onAbort, { once: true });
    const info = await child.exited;
    clearTimeout(timer);
    this.abort.signal.removeEventListener('abort', onAbort);
    this.oneShots.delete(child);
    removePidFile(this.config.runDir, svc.name, child.pid);
    if (this.abort.signal.aborted) throw new StackError(`${svc.name}: start aborted`);
    if (info.code !== 0) throw failWithLog(`${svc.name} ${describeExit(info)}`, child.logFile);
    this.states.set(svc.name, 'done');
    say(`${svc.name}: done`);
  }

  /** Stops what this invocation started, newest first. Never throws. */
  async stop({ quiet = false } = {}) {
    this.stopping = true;
    this.abort.abort();
    for (const child of this.oneShots) killNow(child);
    const owned = [...this.started].sort((a, b) => b.order - a.order);
    const t0 = Date.now();
    for (const { svc, child } of owned) {
      if (!quiet) say(`${svc.name}: stopping…`);
      try {
        await svc.stop(child);
      } catch (error) {
        say(`${svc.name}: stop failed (${error.message}); killing`);
        killNow(child);
      }
      removePidFile(this.config.runDir, svc.name, child.pid);
    }
    this.started = [];
    if (owned.length) say(`stopped ${owned.map((o) => o.svc.name).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }

  /** Second Ctrl-C: no more waiting. */
  killAll() {
    for (const { child } of this.started) killNow(child);
    for (const child of this.oneShots) killNow(child);
  }

  table(services) {
    const rows = services.map((svc) => [svc.name, this.states.get(svc.name) ?? '-', svc.port ? String(svc.port) : '-', svc.display ?? '']);
    return formatTable(['SERVICE', 'STATE', 'PORT', 'ADDRESS'], rows);
  }
}

export function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}`;
  return [line(header), ...rows.map(line)].join('\n');
}
