import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { OutboxTake } from '../activities/outbox';
import { instanceOutboxWorkflowId } from '../workflows/instance-outbox.workflow';
import { eventually, temporalClient, testConfig } from './support/stack';

/**
 * The outbox workflow's life against the real Temporal server, with a scripted take: woken from
 * inside another workflow (started as an abandoned child, then signalled), pacing, and its end
 * once idle. The rules and the database are in paced-outbox.test.ts.
 */
describe('instanceOutboxWorkflow and wakeInstanceOutbox', () => {
  const config = testConfig();
  let client: Client;
  let connection: NativeConnection;

  beforeAll(async () => {
    client = await temporalClient(config);
    connection = await NativeConnection.connect({ address: config.temporal.address });
  });
  afterAll(async () => {
    await client.connection.close();
    await connection.close();
  });

  it('a workflow wakes the outbox: started once, signalled after, ending on its own when idle', async () => {
    const takes: OutboxTake[] = [{ kind: 'paced', waitMs: 50 }, { kind: 'more' }];
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const taskQueue = `${config.temporal.taskQueue}-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('./support/outbox-waker.workflow'),
      activities: {
        async takeOutboxNotification(): Promise<OutboxTake> {
          calls++;
          const scripted = takes.shift();
          if (scripted) return scripted;
          // Idle; the run ends 2 s after its last wake unless woken again.
          if (calls === 3) await held;
          return { kind: 'idle', nextDueInMs: null, idleAfterMs: 2000 };
        },
      },
    });
    const input = { accountId: randomUUID(), channelAccountId: randomUUID() };
    const outboxId = instanceOutboxWorkflowId(input.channelAccountId);
    await worker.runUntil(async () => {
      await client.workflow.execute('outboxWakerWorkflow', { taskQueue, workflowId: `waker-${randomUUID()}`, args: [input] });
      const outbox = client.workflow.getHandle(outboxId);
      // The waker ended; the outbox it started lives on (abandoned) and took three times.
      expect((await outbox.describe()).status.name).toBe('RUNNING');
      await eventually(async () => (calls === 3 ? true : undefined), 10_000, 'the third take');
      release();
      // A second funnel wakes the running outbox: no second run, one more take.
      await client.workflow.execute('outboxWakerWorkflow', { taskQueue, workflowId: `waker-${randomUUID()}`, args: [input] });
      await eventually(async () => (calls >= 4 ? true : undefined), 10_000, 'the take after the wake');
      await outbox.result();
      expect((await outbox.describe()).status.name).toBe('COMPLETED');
      // The same run was woken by the signal (not started again).
      const history = await outbox.fetchHistory();
      expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'outboxWake')).toHaveLength(1);
    });
  });
});
