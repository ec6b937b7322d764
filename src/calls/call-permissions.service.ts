import { Inject, Injectable } from '@nestjs/common';
import {
  ApplicationFailure,
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { InvalidFieldError, LimitReachedError, NotFoundError } from '../common/errors';
import type { Principal } from '../common/auth';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { ContactsRepository, whatsAppIdOf } from '../contacts/contacts.repository';
import { NumbersService } from '../numbers/numbers.service';
import {
  PERMISSION_REQUEST_LIMITED,
  callPermissionReplySignal,
  metaPermissionSignal,
  callPermissionWorkflow,
  callPermissionWorkflowId,
  requestCallPermissionUpdate,
  type CallPermissionInput,
} from '../../workflows/call-permission.workflow';
import { recadoSearchAttributes } from '../../workflows/search-attributes';
import { CallingGraph } from './settings/meta-graph';
import { nextPermissionRequestAllowedAt, permissionFromMeta, type PermissionReply } from './policy';
import type { CallPermissionRequestedView, CallPermissionView } from './call-permissions.dto';
import { CallPermissionsRepository } from './call-permissions.repository';

@Injectable()
export class CallPermissionsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly repository: CallPermissionsRepository,
    private readonly numbers: NumbersService,
    private readonly contacts: ContactsRepository,
    private readonly graph: CallingGraph,
  ) {}

  /** Sends a call-permission request to the customer, within Meta's request limits. */
  async request(principal: Principal, numberId: string, contactId: string): Promise<CallPermissionRequestedView> {
    await this.assertPair(principal.accountId, numberId, contactId);
    const workflowId = callPermissionWorkflowId(numberId, contactId);
    await this.ensureStarted(principal.accountId, numberId, contactId);
    try {
      const result = await this.temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(requestCallPermissionUpdate, { args: [{ agentId: principal.agentId }] });
      return { message_id: result.messageId, requested_at: new Date(result.requestedAt) };
    } catch (err) {
      throw this.requestError(err);
    }
  }

  /** The customer answered (from the messages webhook); starts the pair's workflow if the grant came unasked. */
  async recordReply(
    accountId: string,
    numberId: string,
    contactId: string,
    reply: PermissionReply,
  ): Promise<void> {
    await this.temporal.workflow.signalWithStart(callPermissionWorkflow, {
      workflowId: callPermissionWorkflowId(numberId, contactId),
      taskQueue: this.config.temporal.taskQueue,
      typedSearchAttributes: recadoSearchAttributes('permission', { accountId, contactId, numberId }),
      args: [this.workflowInput(accountId, numberId, contactId)],
      signal: callPermissionReplySignal,
      signalArgs: [reply],
    });
  }

  /**
   * Asks Meta (GET /{phone-number-id}/call_permissions) and adopts its answer: the state goes to
   * the pair's workflow, the live limits and usage are stored for the quota and the API.
   */
  async refreshFromMeta(accountId: string, numberId: string, contactId: string): Promise<CallPermissionView> {
    const number = await this.numbers.get(accountId, numberId);
    const contact = await this.contacts.findById(accountId, contactId);
    if (!contact) throw new NotFoundError('contact', contactId);
    const meta = permissionFromMeta(await this.graph.client(number).getCallPermissions(number.phone_number_id, whatsAppIdOf(contact)));
    await this.repository.saveMeta(accountId, numberId, contactId, meta);
    await this.temporal.workflow.signalWithStart(callPermissionWorkflow, {
      workflowId: callPermissionWorkflowId(numberId, contactId),
      taskQueue: this.config.temporal.taskQueue,
      typedSearchAttributes: recadoSearchAttributes('permission', { accountId, contactId, numberId }),
      args: [this.workflowInput(accountId, numberId, contactId)],
      signal: metaPermissionSignal,
      signalArgs: [{ state: meta.state }],
    });
    return this.get(accountId, numberId, contactId);
  }

  async get(accountId: string, numberId: string, contactId: string): Promise<CallPermissionView> {
    await this.assertPair(accountId, numberId, contactId);
    const [row, requestTimes] = await Promise.all([
      this.repository.find(accountId, numberId, contactId),
      this.repository.requestTimes(accountId, numberId, contactId),
    ]);
    const decision = nextPermissionRequestAllowedAt(
      requestTimes.map((t) => ({ requestedAt: t.getTime() })),
      null,
      Date.now(),
      this.config.calls.requestLimits,
    );
    return {
      whatsapp_number_id: numberId,
      contact_id: contactId,
      status: row?.status ?? 'none',
      kind: row?.state.status === 'granted' ? row.state.kind : null,
      expires_at: row?.expires_at ?? null,
      next_request_allowed_at: decision.allowed ? null : new Date(decision.nextAllowedAt),
      requested_by_agent_id: row?.requested_by_agent_id ?? null,
      updated_at: row?.updated_at ?? null,
      meta: row?.meta ? { start_call: row.meta.startCall, send_call_permission_request: row.meta.sendPermissionRequest } : null,
      meta_synced_at: row?.meta_synced_at ?? null,
    };
  }

  private workflowInput(accountId: string, numberId: string, contactId: string): CallPermissionInput {
    return {
      accountId,
      numberId,
      contactId,
      permissionLimits: this.config.calls.permission,
      requestLimits: this.config.calls.requestLimits,
      message: this.config.messages,
    };
  }

  private async ensureStarted(accountId: string, numberId: string, contactId: string) {
    try {
      await this.temporal.workflow.start(callPermissionWorkflow, {
        workflowId: callPermissionWorkflowId(numberId, contactId),
        taskQueue: this.config.temporal.taskQueue,
        typedSearchAttributes: recadoSearchAttributes('permission', { accountId, contactId, numberId }),
        args: [this.workflowInput(accountId, numberId, contactId)],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  private async assertPair(accountId: string, numberId: string, contactId: string) {
    await this.numbers.get(accountId, numberId);
    const contact = await this.contacts.findById(accountId, contactId);
    if (!contact) throw new NotFoundError('contact', contactId);
    whatsAppIdOf(contact);
  }

  private requestError(err: unknown): Error {
    if (!(err instanceof WorkflowUpdateFailedError)) return err as Error;
    let cause: unknown = err.cause;
    while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
    if (!(cause instanceof ApplicationFailure)) return err;
    if (cause.type === PERMISSION_REQUEST_LIMITED) {
      const details = cause.details?.[0] as { reason: string; nextAllowedAt: number } | undefined;
      if (details) return new LimitReachedError(cause.message, details.reason, new Date(details.nextAllowedAt));
      return new LimitReachedError(cause.message, 'request_in_flight', new Date(Date.now() + 1000));
    }
    if (cause.type === 'CallPermissionTemplateMissing') return new InvalidFieldError('whatsapp_number_id', cause.message);
    return err;
  }
}
