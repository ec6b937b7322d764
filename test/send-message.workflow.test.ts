import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SendOutcome } from '../activities/channel-send';
import { WORKFLOW_BUNDLE } from '../src/worker';
import {
  providerAcceptedSignal,
  sendMessageWorkflow,
  sendMessageWorkflowId,
  type SendMessageInput,
} from '../workflows/send-message.workflow';
import { HISTORIES, recordHistoryIfAsked } from './support/histories';
import { temporalClient, testConfig } from './support/stack';

/**
 * The send workflow's decisions against the real Temporal server, with scripted activities
 * (the full path through Meta's simulator is in messages.test.ts).
 */
describe('sendMessageWorkflow', () => {
  const config = testConfig();
  let client: Client;
  let nativeConnection: NativeConnection;

  beforeAll(async () => {
    client = await temporalClient(config);
    nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  });
  afterAll(async () => {
    await client.connection.close();
    await nativeConnection.close();
  });

  /**
   * Runs one workflow with activities answering from `outcomes` in order. With
   * RECORD_HISTORIES=1 its history is saved to test/histories/ for the replay test.
   */
  async function run(name: string, outcomes: Array<SendOutcome | Error>, during?: (workflowId: string) => Promise<void>) {
    const calls: Array<{ resendUnknown: boolean }> = [];
    const failed: string[] = [];
    const taskQueue = `${config.temporal.taskQueue}-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowBundle: { codePath: WORKFLOW_BUNDLE },
      activities: {
        async sendChannelMessage(input: { resendUnknown: boolean }) {
          calls.push({ resendUnknown: input.resendUnknown });
          const next = outcomes.shift();
          if (!next) throw new Error('no more scripted outcomes');
          if (next instanceof Error) throw next;
          return next;
        },
        async markMessageFailed(input: { reason: string }) {
          failed.push(input.reason);
        },
      },
    });
    const messageId = randomUUID();
    const input: SendMessageInput = {
      accountId: randomUUID(),
      messageId,
      sendTimeout: '5s',
      unknownOutcomeWait: '2s',
      giveUpAfter: '1m',
    };
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start(sendMessageWorkflow, {
        taskQueue,
        workflowId: sendMessageWorkflowId(messageId),
        args: [input],
      });
      await during?.(handle.workflowId);
      const result = await handle.result();
      recordHistoryIfAsked(config, handle.workflowId, `send-message.${name}.json`);
      return result;
    });
    return { result, calls, failed };
  }

  it('returns the provider id when the first attempt is accepted', async () => {
    const { result, calls } = await run('accepted', [{ outcome: 'accepted', providerMessageId: 'wamid.1' }]);
    expect(result).toEqual({ state: 'accepted', providerMessageId: 'wamid.1' });
    expect(calls).toEqual([{ resendUnknown: false }]);
  });

  it('after an attempt with unknown outcome, waits for the status webhook instead of resending', async () => {
    const { result, calls } = await run('unknown-then-webhook', [{ outcome: 'unknown' }], async (workflowId) => {
      await client.workflow.getHandle(workflowId).signal(providerAcceptedSignal, { providerMessageId: 'wamid.from-webhook' });
    });
    expect(result).toEqual({ state: 'accepted', providerMessageId: 'wamid.from-webhook' });
    expect(calls).toHaveLength(1);
  });

  it('resends when no status webhook claims the unknown attempt in time', async () => {
    const { result, calls } = await run('unknown-then-resend', [{ outcome: 'unknown' }, { outcome: 'accepted', providerMessageId: 'wamid.2' }]);
    expect(result).toEqual({ state: 'accepted', providerMessageId: 'wamid.2' });
    expect(calls).toEqual([{ resendUnknown: false }, { resendUnknown: true }]);
  });

  it('retries retryable provider errors and marks the message failed on a non-retryable one', async () => {
    const { result, calls, failed } = await run('failed', [
      new Error('socket hang up'),
      ApplicationFailure.nonRetryable('Re-engagement message', 'WindowClosedError'),
    ]);
    expect(calls).toHaveLength(2);
    expect(result).toEqual({ state: 'failed', reason: 'WindowClosedError: Re-engagement message' });
    expect(failed).toEqual(['WindowClosedError: Re-engagement message']);
  });

  it('replays recorded histories without non-determinism', async () => {
    const dir = HISTORIES;
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('send-message') && f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, history, file);
    }
  });
});
