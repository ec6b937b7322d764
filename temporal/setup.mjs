// Makes a Temporal server ready for recado: the namespaces and custom search attributes listed in
// temporal/dev-server.json. Idempotent. docker-compose runs it once (`temporal-setup` service)
// against its Temporal; the embedded dev stack (scripts/stack.mjs) does the same with the CLI.
//
//   TEMPORAL_ADDRESS=127.0.0.1:7233 node temporal/setup.mjs
import { Connection } from '@temporalio/client';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPES = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };
const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;

const settings = JSON.parse(fs.readFileSync(new URL('./dev-server.json', import.meta.url), 'utf8'));
const address = process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
const namespaces = [...new Set(['default', ...(settings.namespaces ?? []), process.env.TEMPORAL_NAMESPACE || 'default'])];
const retentionSeconds = (settings.namespaceRetentionDays ?? 7) * 86400;

async function connect() {
  // The server may still be coming up (docker-compose starts us right after it).
  for (let attempt = 1; ; attempt++) {
    try {
      return await Connection.connect({ address });
    } catch (error) {
      if (attempt >= 60) throw error;
      await sleep(2000);
    }
  }
}

/**
 * The custom search attributes of a namespace. A namespace created a moment ago is not in the
 * server's namespace cache yet (NOT_FOUND for a few seconds), so this waits for it.
 */
async function customSearchAttributes(namespace) {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    } catch (error) {
      if (error.code !== GRPC_NOT_FOUND || attempt >= 60) throw error;
      await sleep(500);
    }
  }
}

const connection = await connect();
try {
  for (const namespace of namespaces) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      if (error.code !== GRPC_NOT_FOUND) throw error;
      try {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: retentionSeconds } });
        console.log(`namespace ${namespace}: created`);
      } catch (err) {
        if (err.code !== GRPC_ALREADY_EXISTS) throw err;
      }
    }
    const customAttributes = await customSearchAttributes(namespace);
    const wanted = Object.entries(settings.searchAttributes ?? {});
    for (const [name, type] of wanted) {
      if (!INDEXED_VALUE_TYPES[type]) throw new Error(`search attribute ${name}: unknown type ${type}`);
      const registered = customAttributes[name];
      if (registered !== undefined && registered !== INDEXED_VALUE_TYPES[type]) {
        throw new Error(`search attribute ${name} in ${namespace} has type ${registered}, recado needs ${type}; a type cannot change — use a new name`);
      }
    }
    const missing = wanted.filter(([name]) => !(name in customAttributes));
    if (missing.length) {
      try {
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]])),
        });
      } catch (error) {
        // Another setup (a second stack) added them a moment ago.
        if (error.code !== GRPC_ALREADY_EXISTS) throw error;
      }
      console.log(`namespace ${namespace}: added search attributes ${missing.map(([n, t]) => `${n} (${t})`).join(', ')}`);
    }
  }
  console.log(`temporal at ${address} is set up: namespaces ${namespaces.join(', ')}`);
} finally {
  await connection.close();
}
