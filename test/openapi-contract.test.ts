import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../src/config/config';
import { startWhatsAppSimulator, type RunningWhatsAppSimulator } from '../src/simulators/whatsapp/server';
import { endRunningOnTaskQueue } from '../src/infra/end-workflows';
import { createTenant, startApi, testConfig, type RunningApi } from './support/stack';

// Keep in step with SCHEMATHESIS_VERSION in scripts/setup.sh, which installs it.
const SCHEMATHESIS_VERSION = '4.32.5';
const TOOLS = process.env.RECADO_TOOLS_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'recado', 'tools');
const SCHEMATHESIS = path.join(TOOLS, `schemathesis-${SCHEMATHESIS_VERSION}`, 'venv', 'bin', 'schemathesis');
/** Random cases per operation after the examples and the coverage phase's edge cases; about 20 s in all. */
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 25);
const SEED = process.env.SCHEMATHESIS_SEED ?? '20250101';

/**
 * The published document is the contract: schemathesis generates requests from /docs/openapi.json
 * (valid and invalid ones, every method on every path, and stateful sequences) and runs all of its
 * checks against the API in-process, with an account key, and the operator token on /v1/admin.
 */
describe('OpenAPI contract (schemathesis, all checks)', () => {
  let config: Config;
  let api: RunningApi;
  let workDir: string;
  let sim: RunningWhatsAppSimulator;

  beforeAll(async () => {
    // Meta is the simulator: operations that push to Meta (call settings) get its real answers.
    sim = await startWhatsAppSimulator({ webhookUrl: null });
    config = testConfig({ WHATSAPP_GRAPH_URL: sim.url });
    api = await startApi(config);
    workDir = mkdtempSync(path.join(tmpdir(), 'recado-schemathesis-'));
  });

  afterAll(async () => {
    // Messages the generated requests queued wait on this file's task queue, which no worker polls.
    await endRunningOnTaskQueue(config.temporal, 'OpenAPI contract test finished');
    await api?.close();
    await sim?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('finds no request the API answers differently from its document', async () => {
    if (!existsSync(SCHEMATHESIS)) throw new Error(`schemathesis ${SCHEMATHESIS_VERSION} is not installed at ${SCHEMATHESIS}: run npm run setup`);
    const tenant = await createTenant(api, config, 'Contrato');
    const configFile = path.join(workDir, 'schemathesis.toml');
    writeFileSync(configFile, schemathesisConfig(tenant.key, config.adminToken));
    const run = await runProcess(workDir, SCHEMATHESIS, [
      '--no-color',
      '--config-file',
      configFile,
      'run',
      `${api.url}/docs/openapi.json`,
      '--url',
      api.url,
      '--checks',
      'all',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      SEED,
      // One worker: CPython 3.11 can fail compiling in two threads at once ("AST constructor
      // recursion depth mismatch" inside Hypothesis), which made the run flaky.
      '--workers',
      '1',
    ]);
    if (run.code !== 0) throw new Error(`schemathesis reported failures (exit ${run.code}):\n${run.output}`);
    const summary = /(\d+) generated, (\d+) passed/.exec(run.output);
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThan(1000);
    expect(summary![2]).toBe(summary![1]);
  }, 180_000);
});

function schemathesisConfig(accountKey: string, operatorToken: string): string {
  return `
headers = { Authorization = "Bearer ${accountKey}" }
request-timeout = 10.0

# A request that is well-formed but breaks a rule the document cannot state (Meta's spec for the
# message content, overlapping opening hours) is answered 422, which the document says.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

# The realtime stream never ends by design; test/realtime.test.ts covers it.
[[operations]]
include-path = "/v1/events"
enabled = false

[[operations]]
include-path-regex = "^/v1/admin/"
headers = { Authorization = "Bearer ${operatorToken}" }
`;
}

/** Runs in `cwd` so schemathesis's own cache (.schemathesis/) stays out of the repository. */
function runProcess(cwd: string, command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
