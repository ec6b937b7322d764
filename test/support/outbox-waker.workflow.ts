import { wakeInstanceOutbox, type InstanceOutboxInput } from '../../workflows/instance-outbox.workflow';

// A stand-in for a funnel workflow: it queues nothing, it only wakes the instance's outbox.
export { instanceOutboxWorkflow } from '../../workflows/instance-outbox.workflow';

export async function outboxWakerWorkflow(input: InstanceOutboxInput): Promise<void> {
  await wakeInstanceOutbox(input);
}
