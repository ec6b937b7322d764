// The workflow bundle's entry point: every workflow the worker runs is exported here.
export { sendMessageWorkflow } from './send-message.workflow';
export { callPermissionWorkflow } from './call-permission.workflow';
export { businessCallWorkflow } from './business-call.workflow';
export { inboundCallWorkflow } from './inbound-call.workflow';
export { contactIndexerWorkflow } from './contact-indexer.workflow';
export { postCallWorkflow } from './post-call.workflow';
export { callRecordingWorkflow } from './call-recording.workflow';
export { recordingRetentionWorkflow } from './recording-retention.workflow';
export { dispatchWorkflow } from './dispatch.workflow';
export { funnelWorkflow } from './funnel.workflow';
export { instanceOutboxWorkflow } from './instance-outbox.workflow';
export { keywordCallbackWorkflow } from './keyword-callback.workflow';
export { checkoutRecoveryWorkflow } from './checkout-recovery.workflow';
