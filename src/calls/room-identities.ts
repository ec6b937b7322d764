/**
 * Who is who in a call's LiveKit room, by identity (LiveKit advises no personal data there):
 * agents join as `agent:<agent id>` (their join tokens), the customer's WhatsApp leg as
 * `customer:<contact id>` (what recado asks the Connector for), the recorder as `recorder:<call id>`.
 */
export const AGENT_IDENTITY_PREFIX = 'agent:';
export const CUSTOMER_IDENTITY_PREFIX = 'customer:';
export const RECORDER_IDENTITY_PREFIX = 'recorder:';

export const agentIdentity = (agentId: string) => `${AGENT_IDENTITY_PREFIX}${agentId}`;
export const customerIdentity = (contactId: string) => `${CUSTOMER_IDENTITY_PREFIX}${contactId}`;
export const recorderIdentity = (callId: string) => `${RECORDER_IDENTITY_PREFIX}${callId}`;

export { callRoomName } from '../../workflows/business-call.workflow';
