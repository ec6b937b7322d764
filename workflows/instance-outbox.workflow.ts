// STUB (replaced by the paced-outbox branch)
export function instanceOutboxWorkflowId(channelAccountId: string): string { return `outbox-${channelAccountId}`; }
export async function instanceOutboxWorkflow(input: { accountId: string; channelAccountId: string }): Promise<void> { void input; }
export async function wakeInstanceOutbox(input: { accountId: string; channelAccountId: string }): Promise<void> { void input; }
