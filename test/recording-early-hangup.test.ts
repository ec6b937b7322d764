import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { callPermissionWorkflowId } from '../workflows/call-permission.workflow';
import { callRecordingWorkflowId } from '../workflows/call-recording.workflow';
import { postCallWorkflowId } from '../workflows/post-call.workflow';
import { grantedCustomer, startCallingStack } from './support/calling';
import { eventually, temporalClient } from './support/stack';

/**
 * A call hung up as soon as it is answered, while its recorder is still joining the room: the
 * recorder must not bring the closed room back (LiveKit creates a room on join) and wait in it
 * until RECORDING_MAX_CALL_DURATION. The recording ends at once with nothing heard, and the
 * post-call workflow follows.
 */
describe('a call hung up while its recorder is joining', () => {
  let stack: Awaited<ReturnType<typeof startCallingStack>>;
  let temporal: Client;
  let dir: string;
  const started: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recado-early-hangup-'));
    stack = await startCallingStack({
      RECORDING_DIR: path.join(dir, 'recordings'),
      RECORDING_WORK_DIR: path.join(dir, 'work'),
      // Nothing is said in these calls; the post-call steps skip without an AI provider.
      OPENAI_API_KEY: '',
    });
    temporal = await temporalClient(stack.config);
  });
  afterAll(async () => {
    // A recording still running here is the defect this file checks for: end it, leave nothing behind.
    for (const callId of started) {
      const handle = temporal.workflow.getHandle(callRecordingWorkflowId(callId));
      const running = (await handle.describe().catch(() => undefined))?.status.name === 'RUNNING';
      if (running) await handle.terminate('early hang-up test over');
    }
    await temporal?.connection.close();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A business call, picked up by the customer and hung up by the agent the moment recado records it answered. */
  async function hungUpOnAnswer() {
    const customer = await grantedCustomer(stack);
    const { asAgent, waId, pair } = customer;
    const { call } = (await asAgent('POST', '/v1/calls', pair)).body;
    started.push(call.id);
    const atMeta = await eventually(async () => stack.sim.simulator.calls().find((c) => c.waId === waId && c.state !== 'ended'));
    stack.sim.simulator.customerAcceptsCall(atMeta.id);
    await eventually(async () => ((await asAgent('GET', `/v1/calls/${call.id}`)).body.state === 'accepted' ? true : undefined), 20_000, 'the answer');
    expect((await asAgent('POST', `/v1/calls/${call.id}/hangup`)).status).toBe(202);
    return { customer, callId: call.id as string };
  }

  it('ends the recording with nothing heard and starts the post-call workflow', async () => {
    // A few calls at once: the hang-up lands at different moments of the recorders' joins.
    const calls = await Promise.all([hungUpOnAnswer(), hungUpOnAnswer(), hungUpOnAnswer()]);
    for (const { customer, callId } of calls) {
      expect((await stack.callWorkflow(callId)).status).toBe('COMPLETED');
      const recording = await temporal.workflow.getHandle(callRecordingWorkflowId(callId)).result();
      expect(recording).toEqual({ status: 'nothing_heard', files: 0 });
      await eventually(async () => temporal.workflow.getHandle(postCallWorkflowId(callId)).result(), 30_000, 'the post-call workflow');

      const { body } = await customer.asAgent('GET', `/v1/calls/${callId}/details`);
      const kinds: string[] = body.timeline.map((e: { kind: string }) => e.kind);
      expect(kinds).toContain('ended');
      expect(body.timeline.filter((e: { kind: string }) => e.kind === 'recording_stopped')).toEqual([
        expect.objectContaining({ detail: expect.objectContaining({ files: 0 }) }),
      ]);
      await temporal.workflow
        .getHandle(callPermissionWorkflowId(customer.pair.whatsapp_number_id, customer.pair.contact_id))
        .terminate('early hang-up test over');
    }
  }, 120_000);
});
