import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import {
  ApplicationFailure,
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { createLiveKitActivities } from '../../activities/livekit';
import { CONFIG } from '../config/config.module';
import { durationMs, type Config } from '../config/config';
import type { Principal } from '../common/auth';
import { ConflictError, LimitReachedError, NotFoundError } from '../common/errors';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { ContactsRepository, whatsAppIdOf } from '../contacts/contacts.repository';
import { NumbersService } from '../numbers/numbers.service';
import { businessCallWorkflow, callWorkflowId, hangUpSignal } from '../../workflows/business-call.workflow';
import { CALL_NOT_AVAILABLE, acceptInboundCallUpdate, inboundCallWorkflow } from '../../workflows/inbound-call.workflow';
import { callSearchAttributes } from '../../workflows/search-attributes';
import { CallbackTaskRow, InboundCallsRepository } from './inbound-calls.repository';
import { InboundCallScreening } from './inbound-call-screening';
import { CallPermissionsRepository } from './call-permissions.repository';
import { CallRow, CallsRepository } from './calls.repository';
import type { CallView, JoinView, StartedCallView } from './calls.dto';
import { DAY_MS, callQuota, callQuotaLimitsFromMeta, effectivePermission, type MetaActionStatus } from './policy';
import { agentIdentity, callRoomName } from './room-identities';
import type { CallRecordingOptions } from '../../workflows/call-recording.workflow';

export function callView(row: CallRow): CallView {
  return {
    id: row.id,
    whatsapp_number_id: row.whatsapp_number_id,
    contact_id: row.contact_id,
    direction: row.direction,
    state: row.state,
    whatsapp_call_id: row.whatsapp_call_id,
    agent_id: row.agent_id,
    end_reason: row.end_reason,
    created_at: row.created_at,
    ringing_at: row.ringing_at,
    accepted_at: row.accepted_at,
    ended_at: row.ended_at,
    duration_seconds: row.duration_seconds,
  };
}

@Injectable()
export class CallsService {
  private readonly livekit: ReturnType<typeof createLiveKitActivities>;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly calls: CallsRepository,
    private readonly permissions: CallPermissionsRepository,
    private readonly numbers: NumbersService,
    private readonly contacts: ContactsRepository,
    private readonly inbound: InboundCallsRepository,
    private readonly screening: InboundCallScreening,
  ) {
    this.livekit = createLiveKitActivities({
      ...config.livekit,
      whatsappCloudApiVersion: config.whatsapp.graphVersion,
      joinTokenTtlSeconds: config.calls.joinTokenTtlSeconds,
    });
  }

  /** The agent calls the customer: permission and the rolling 24 h quota are checked first. */
  async startBusinessCall(principal: Principal, numberId: string, contactId: string): Promise<StartedCallView> {
    const agentId = this.agentOf(principal);
    await this.numbers.get(principal.accountId, numberId);
    const contact = await this.contacts.findById(principal.accountId, contactId);
    if (!contact) throw new NotFoundError('contact', contactId);
    whatsAppIdOf(contact);

    const now = Date.now();
    const permission = await this.permissions.find(principal.accountId, numberId, contactId);
    const state = permission ? effectivePermission(permission.state, now) : null;
    if (state?.status !== 'granted') {
      throw new ConflictError(
        `contact_id: no call permission from this customer (status ${state?.status ?? 'none'}); ` +
          'request one with POST /v1/call-permissions/requests',
      );
    }
    const quota = await this.quota(numberId, contactId, now, permission?.meta?.startCall ?? null);
    if (!quota.allowed) {
      throw new LimitReachedError(
        `${quota.cap} connected calls to this customer in 24 h is the limit`,
        'call_quota',
        new Date(quota.nextAllowedAt ?? now + DAY_MS),
      );
    }

    const id = randomUUID();
    const row = await this.calls.insert({
      id,
      accountId: principal.accountId,
      numberId,
      contactId,
      direction: 'business_initiated',
      state: 'dialing',
      roomName: callRoomName(id),
      agentId,
    });
    await this.calls.addParticipant({ accountId: principal.accountId, callId: id, agentId, role: 'host', state: 'joined' });
    await this.temporal.workflow.start(businessCallWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: callWorkflowId(id),
      typedSearchAttributes: callSearchAttributes({ accountId: principal.accountId, contactId, numberId }, { direction: 'business_initiated' }),
      args: [
        {
          accountId: principal.accountId,
          callId: id,
          numberId,
          contactId,
          ringTimeoutMs: durationMs(this.config.calls.ringTimeout),
          ringGraceMs: durationMs(this.config.calls.ringGrace),
          recording: this.recordingOptions(),
        },
      ],
    });
    return { call: callView(row), join: await this.joinToken(row, agentId) };
  }

  /** A customer calls (the connect webhook, inside its transaction): the call is stored once per Meta call id. */
  async storeInboundCall(
    db: PoolClient,
    c: { accountId: string; numberId: string; contactId: string; whatsappCallId: string },
  ): Promise<void> {
    await this.calls.insertInbound({ id: randomUUID(), ...c }, db);
  }

  /**
   * After the call is committed, it is screened (blocked? open now? which agents?) and its
   * workflow rings the agents. Runs for every delivery of the connect webhook (a redelivery, or
   * the sweeper after a crash between commit and start): it starts the workflow at most once
   * per call, never again after the call ended.
   */
  async ringInboundCall(c: { phoneNumberId: string; whatsappCallId: string; sdpOffer: string }): Promise<void> {
    const row = await this.calls.findForWebhook(c.phoneNumberId, { whatsappCallId: c.whatsappCallId });
    if (!row || row.direction !== 'user_initiated' || row.state !== 'ringing') return;
    const call = { accountId: row.account_id, callId: row.id, numberId: row.whatsapp_number_id, contactId: row.contact_id };
    const screen = await this.screening.screen(call, Date.now());
    try {
      await this.temporal.workflow.start(inboundCallWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: callWorkflowId(row.id),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: callSearchAttributes(call, { direction: 'user_initiated', whatsappCallId: c.whatsappCallId }),
        args: [
          {
            ...call,
            screen,
            sdpOffer: c.sdpOffer,
            answerWindowMs: durationMs(this.config.calls.answerWindow),
            acceptTimeoutMs: durationMs(this.config.calls.acceptTimeout),
            waveDelayMs: durationMs(this.config.calls.waveDelay),
            message: this.config.messages,
            recording: this.recordingOptions(),
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** The agent takes a ringing customer call: first to accept wins. */
  async accept(principal: Principal, callId: string): Promise<StartedCallView> {
    const agentId = this.agentOf(principal);
    const row = await this.get(principal.accountId, callId);
    try {
      await this.temporal.workflow.getHandle(callWorkflowId(callId)).executeUpdate(acceptInboundCallUpdate, { args: [{ agentId }] });
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === CALL_NOT_AVAILABLE) throw new ConflictError(cause.message);
      if (err instanceof WorkflowNotFoundError) throw new ConflictError(`call ${callId} is not ringing any more`);
      throw err;
    }
    return { call: callView(row), join: await this.joinToken(row, agentId) };
  }

  listCallbackTasks(accountId: string, filter: { state?: 'open' | 'done'; agentId?: string; limit: number }) {
    return this.inbound.listCallbackTasks(accountId, filter);
  }

  async completeCallbackTask(principal: Principal, taskId: string): Promise<CallbackTaskRow> {
    const task = await this.inbound.completeCallbackTask(principal.accountId, taskId, principal.agentId);
    if (!task) throw new NotFoundError('callback task', taskId);
    return task;
  }

  /** The rolling 24 h quota of connected business-initiated calls for one customer. */
  async quota(numberId: string, contactId: string, now: number, metaStartCall: MetaActionStatus | null) {
    // Meta's live start_call limit, when a refresh brought one, raises or lowers the configured cap.
    const limits = callQuotaLimitsFromMeta(metaStartCall, { maxConnectedCalls: this.config.calls.quotaPer24h, windowMs: DAY_MS });
    const times = await this.calls.connectedBusinessCallTimes(numberId, contactId, new Date(now - limits.windowMs));
    return { ...callQuota(times, now, limits.maxConnectedCalls, limits.windowMs), cap: limits.maxConnectedCalls };
  }

  async hangUp(principal: Principal, callId: string): Promise<CallView> {
    const row = await this.get(principal.accountId, callId);
    try {
      await this.temporal.workflow.getHandle(callWorkflowId(callId)).signal(hangUpSignal);
    } catch (err) {
      // The call already ended: hanging up again is not an error.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return callView(row);
  }

  async getView(accountId: string, callId: string): Promise<CallView> {
    return callView(await this.get(accountId, callId));
  }

  async listOngoing(accountId: string, agentId: string | undefined): Promise<CallView[]> {
    return (await this.calls.listOngoing(accountId, agentId ?? null)).map(callView);
  }

  private recordingOptions(): CallRecordingOptions {
    const { maxCallDurationMs, readyTimeoutMs } = this.config.callAudio.recordings;
    return { maxCallDurationMs, readyTimeoutMs, message: this.config.messages };
  }

  /** A fresh join token for an agent on the call (tokens are short-lived). */
  async join(principal: Principal, callId: string): Promise<JoinView> {
    const agentId = this.agentOf(principal);
    const row = await this.get(principal.accountId, callId);
    if (row.ended_at) throw new ConflictError(`call ${callId} has ended`);
    return this.joinToken(row, agentId);
  }

  private async joinToken(row: CallRow, agentId: string): Promise<JoinView> {
    const { token, url, expiresAt } = await this.livekit.issueJoinToken({
      roomName: row.room_name,
      identity: agentIdentity(agentId),
      ttlSeconds: this.config.calls.joinTokenTtlSeconds,
    });
    return { token, url, expires_at: expiresAt };
  }

  private async get(accountId: string, callId: string): Promise<CallRow> {
    const row = await this.calls.findById(accountId, callId);
    if (!row) throw new NotFoundError('call', callId);
    return row;
  }

  private agentOf(principal: Principal): string {
    if (!principal.agentId) throw new ForbiddenException('calls are made by agents: use an agent token');
    return principal.agentId;
  }
}
