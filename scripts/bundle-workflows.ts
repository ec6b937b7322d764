import { bundleWorkflowCode } from '@temporalio/worker';
import * as fs from 'node:fs';
import { WORKFLOW_BUNDLE } from '../src/worker';
import * as path from 'node:path';

/** Bundles workflows/ once at build time, so workers start without webpack. */
async function main() {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '..', 'workflows') });
  const out = WORKFLOW_BUNDLE;
  fs.writeFileSync(out, code);
  console.log(`workflow bundle written to ${path.relative(process.cwd(), out)} (${Math.round(code.length / 1024)} kB, ${Date.now() - started} ms)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
