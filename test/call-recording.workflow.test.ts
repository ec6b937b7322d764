import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PreparedConsent } from '../activities/recording-consent';
import { WORKFLOW_BUNDLE } from '../src/worker';
import { callRecordingWorkflow, callRecordingWorkflowId, type CallRecordingInput } from '../workflows/call-recording.workflow';
import { postCallWorkflowId } from '../workflows/post-call.workflow';
import { sendMessageWorkflowId } from '../workflows/send-message.workflow';
import { HISTORIES, recordHistoryIfAsked } from './support/histories';
import { temporalClient, testConfig } from './support/stack';

/**
 * The recording workflow's decisions around the consent message against the real Temporal
 * server, with scripted activities (the full path through the simulators is in
 * recording-consent.test.ts); and replay of recorded histories, among them one from before the
 * consent message, as calls recorded across the deploy replay it.
 */
describe('callRecordingWorkflow', () => {
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
   * Runs one recording (nobody heard) with `consent` as the consent step's preparation, and
   * waits for every workflow it started. With RECORD_HISTORIES=1 the recording workflow's
   * history is saved to test/histories/ for the replay test.
   */
  async function run(name: string, consent: PreparedConsent) {
    const calls: string[] = [];
    const recorded: Array<{ messageId: string }> = [];
    const taskQueue = `${config.temporal.taskQueue}-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowBundle: { codePath: WORKFLOW_BUNDLE },
      activities: {
        async recordCallAudio() {
          calls.push('recordCallAudio');
          return { status: 'nothing_heard', recordings: [] };
        },
        async prepareRecordingConsent() {
          calls.push('prepareRecordingConsent');
          return consent;
        },
        async sendChannelMessage() {
          calls.push('sendChannelMessage');
          return { outcome: 'accepted', providerMessageId: 'wamid.consent' };
        },
        async recordRecordingConsent(input: { messageId: string }) {
          calls.push('recordRecordingConsent');
          recorded.push({ messageId: input.messageId });
        },
        async beginPostCall() {
          return { aiProvider: false, speakerRecordings: [] };
        },
        async setPostCallStep() {},
      },
    });
    const callId = randomUUID();
    const input: CallRecordingInput = {
      accountId: randomUUID(),
      contactId: randomUUID(),
      numberId: randomUUID(),
      callId,
      roomName: `call-${callId}`,
      maxCallDurationMs: 60_000,
      message: { sendTimeout: '5s', unknownOutcomeWait: '2s', giveUpAfter: '1m' },
    };
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start(callRecordingWorkflow, { taskQueue, workflowId: callRecordingWorkflowId(callId), args: [input] });
      const result = await handle.result();
      await client.workflow.getHandle(postCallWorkflowId(callId)).result();
      if (consent.outcome === 'prepared') await client.workflow.getHandle(sendMessageWorkflowId(consent.messageId)).result();
      recordHistoryIfAsked(config, handle.workflowId, `call-recording.${name}.json`);
      return result;
    });
    return { result, calls, recorded };
  }

  it('sends a prepared consent message through sendMessageWorkflow and then puts it on the timeline', async () => {
    const messageId = randomUUID();
    const { result, calls, recorded } = await run('consent-sent', { outcome: 'prepared', messageId });
    expect(result).toEqual({ status: 'nothing_heard', files: 0 });
    expect([...calls].sort()).toEqual(['prepareRecordingConsent', 'recordCallAudio', 'recordRecordingConsent', 'sendChannelMessage']);
    // The timeline is written after the send, from the message it sent.
    expect(calls.indexOf('recordRecordingConsent')).toBeGreaterThan(calls.indexOf('sendChannelMessage'));
    expect(recorded).toEqual([{ messageId }]);
  });

  it('sends nothing when there is no consent message, or it could not go (the activity said why on the timeline)', async () => {
    for (const consent of [{ outcome: 'none' }, { outcome: 'not_sent', reason: 'window_closed' }] as const) {
      const { result, calls } = await run(consent.outcome === 'none' ? 'no-consent' : 'consent-not-sent', consent);
      expect(result).toEqual({ status: 'nothing_heard', files: 0 });
      expect([...calls].sort()).toEqual(['prepareRecordingConsent', 'recordCallAudio']);
    }
  });

  it('replays recorded histories without non-determinism, including recordings started before the consent message', async () => {
    const files = fs.readdirSync(HISTORIES).filter((f) => f.startsWith('call-recording.') && f.endsWith('.json'));
    expect(files).toContain('call-recording.before-consent.json');
    for (const file of files) {
      const history = JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE } }, history, file);
    }
  });
});
