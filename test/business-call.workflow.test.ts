import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import {
  businessCallWorkflow,
  callConnectSignal,
  callStatusSignal,
  callTerminatedSignal,
  callWorkflowId,
  type BusinessCallInput,
} from '../workflows/business-call.workflow';
import { callRecordingWorkflowId } from '../workflows/call-recording.workflow';
import { postCallWorkflowId } from '../workflows/post-call.workflow';
import { temporalClient, testConfig } from './support/stack';

/**
 * The business call workflow's states against the real Temporal server, with scripted activities
 * (the path through the simulators is in business-calls.test.ts).
 */
describe('businessCallWorkflow', () => {
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

  it("records ringing when Meta's RINGING reaches the workflow together with the answer", async () => {
    const states: string[] = [];
    let dialing!: () => void;
    const dialed = new Promise<void>((resolve) => (dialing = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const taskQueue = `${config.temporal.taskQueue}-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: {
        // The dial is still being acknowledged when the customer's phone rings and they pick up.
        async placeBusinessCall() {
          dialing();
          await answered;
          return { whatsappCallId: `wacid.${randomUUID()}` };
        },
        async recordCallState(input: { state: string }) {
          states.push(input.state);
        },
        async connectBusinessCall() {},
        async releaseCall() {
          return { outcome: 'disconnected' };
        },
        async hangUpCall() {
          return { outcome: 'disconnected' };
        },
        async recordCallAudio() {
          return { status: 'disabled', recordings: [] };
        },
        async prepareRecordingConsent() {
          return { outcome: 'none' };
        },
        async beginPostCall() {
          return { aiProvider: false, speakerRecordings: [] };
        },
        async setPostCallStep() {},
      },
    });
    const callId = randomUUID();
    const input: BusinessCallInput = {
      accountId: randomUUID(),
      callId,
      numberId: randomUUID(),
      contactId: randomUUID(),
      ringTimeoutMs: 60_000,
      ringGraceMs: 5_000,
      recording: { maxCallDurationMs: 60_000, readyTimeoutMs: 0 },
    };
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start(businessCallWorkflow, { taskQueue, workflowId: callWorkflowId(callId), args: [input] });
      await dialed;
      await handle.signal(callStatusSignal, { status: 'RINGING' });
      await handle.signal(callConnectSignal, { sdpAnswer: 'v=0' });
      answer();
      await handle.signal(callTerminatedSignal, { status: 'COMPLETED', durationSeconds: 3 });
      const result = await handle.result();
      await client.workflow.getHandle(callRecordingWorkflowId(callId)).result();
      await client.workflow.getHandle(postCallWorkflowId(callId)).result();
      return result;
    });
    expect(result).toBe('completed');
    expect(states).toEqual(['ringing', 'accepted', 'completed']);
  });
});
