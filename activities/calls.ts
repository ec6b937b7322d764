import { ApplicationFailure } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { CallPermissionsRepository } from '../src/calls/call-permissions.repository';
import type { PermissionState } from '../src/calls/policy';
import type { MessagesRepository } from '../src/messages/messages.repository';
import type { RealtimeRepository } from '../src/realtime/realtime.repository';

export interface CallActivityDeps {
  permissions: CallPermissionsRepository;
  messages: MessagesRepository;
  realtime: RealtimeRepository;
  /** Body of the interactive call_permission_request sent inside the 24 h window. */
  permissionRequestText: string;
}

const WINDOW_MS = 24 * 60 * 60 * 1000;

export function createCallActivities({ permissions, messages, realtime, permissionRequestText }: CallActivityDeps) {
  return {
    /**
     * Stores the permission request as an outbound message: the interactive
     * call_permission_request inside the customer's 24 h window, else the number's approved
     * template with a call_permission_request component. The caller sends it.
     */
    async prepareCallPermissionRequest(input: {
      accountId: string;
      numberId: string;
      contactId: string;
      agentId: string | null;
    }): Promise<{ messageId: string; kind: 'interactive' | 'template' }> {
      const context = await permissions.requestContext(input.accountId, input.numberId, input.contactId);
      if (!context) throw ApplicationFailure.nonRetryable('contact or number not found', 'NotFound');
      const windowOpen = context.last_inbound_at !== null && Date.now() - context.last_inbound_at.getTime() < WINDOW_MS;
      if (!windowOpen && !context.call_permission_template) {
        throw ApplicationFailure.nonRetryable(
          "the customer's 24 h window is closed and this number has no call_permission_template to send instead",
          'CallPermissionTemplateMissing',
        );
      }
      const id = randomUUID();
      const content = windowOpen
        ? {
            type: 'interactive',
            interactive: {
              type: 'call_permission_request',
              action: { name: 'call_permission_request' },
              body: { text: permissionRequestText },
            },
          }
        : {
            type: 'template',
            template: { name: context.call_permission_template!.name, language: { code: context.call_permission_template!.language } },
          };
      await messages.insertOutbound({
        id,
        accountId: input.accountId,
        contactId: input.contactId,
        numberId: input.numberId,
        type: content.type,
        body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: context.wa_id, ...content, biz_opaque_callback_data: id },
        idempotencyKey: `call-permission-request:${id}`,
      });
      await permissions.recordRequest({ ...input, messageId: id });
      return { messageId: id, kind: windowOpen ? 'interactive' : 'template' };
    },

    /** Mirrors the workflow's state to Postgres and tells the agents; the requesting agent hears of a grant wherever they are. */
    async saveCallPermission(input: {
      accountId: string;
      numberId: string;
      contactId: string;
      state: PermissionState;
      previousStatus: PermissionState['status'];
      requestedByAgentId: string | null;
    }): Promise<void> {
      await permissions.save(input);
      const data = {
        whatsapp_number_id: input.numberId,
        contact_id: input.contactId,
        status: input.state.status,
        previous_status: input.previousStatus,
      };
      await realtime.publish({ accountId: input.accountId, type: 'call_permission.updated', data });
      if (input.state.status === 'granted' && input.previousStatus !== 'granted' && input.requestedByAgentId) {
        await realtime.publish({
          accountId: input.accountId,
          agentId: input.requestedByAgentId,
          type: 'call_permission.granted',
          data,
        });
      }
    },
  };
}
