import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import type { Client as TypesenseClient } from 'typesense';
import { CONFIG } from '../../config/config.module';
import { durationMs, type Config } from '../../config/config';
import { TEMPORAL_CLIENT } from '../../infra/infra.module';
import { accountAlias, createTypesenseClient } from '../index/contacts-collection';
import { callWorkflowId } from '../../../workflows/business-call.workflow';
import { callPermissionWorkflowId } from '../../../workflows/call-permission.workflow';
import { sendMessageWorkflowId } from '../../../workflows/send-message.workflow';
import { RecadoAccountId, RecadoContactId } from '../../../workflows/search-attributes';
import type { WorkflowRefs } from './contact-erasure.repository';

/** The erased contact's search document: deleted through the alias searches use. */
@Injectable()
export class ErasureSearchIndex {
  private readonly client: TypesenseClient;
  private readonly alias: string;

  constructor(@Inject(CONFIG) config: Config) {
    this.client = createTypesenseClient(config.typesense, durationMs(config.contactErasure.stepTimeout) / 1000);
    this.alias = config.typesense.collection;
  }

  /** 1 when a document was deleted, 0 when there was none (or the account has no collection yet). */
  async deleteDocument(accountId: string, contactId: string): Promise<number> {
    try {
      await this.client.collections(accountAlias(this.alias, accountId)).documents(contactId).delete();
      return 1;
    } catch (err) {
      if ((err as { httpStatus?: number }).httpStatus === 404) return 0;
      throw err;
    }
  }
}

export interface WorkflowsErased {
  workflows_terminated: number;
  workflow_histories_deleted: number;
}

/** gRPC status NOT_FOUND (google.rpc.Code 5). */
const GRPC_NOT_FOUND = 5;

interface Execution {
  workflowId: string;
  runId: string;
  running: boolean;
}

/**
 * The contact's Temporal workflows: running ones are terminated, and every execution's history
 * (which holds message bodies, names, numbers) is deleted. Every recado workflow about a contact
 * carries RecadoContactId (workflows/search-attributes.ts), so a visibility query finds them;
 * the ids derived from the erased rows cover one started a moment ago that visibility does not
 * list yet.
 */
@Injectable()
export class ErasureWorkflows {
  private readonly timeoutMs: number;

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(CONFIG) config: Config,
  ) {
    this.timeoutMs = durationMs(config.contactErasure.stepTimeout);
  }

  static workflowIds(refs: WorkflowRefs, contactId: string): string[] {
    return [
      ...refs.callIds.map(callWorkflowId),
      ...refs.messageIds.map(sendMessageWorkflowId),
      ...refs.permissionNumberIds.map((numberId) => callPermissionWorkflowId(numberId, contactId)),
    ];
  }

  async erase(accountId: string, contactId: string, knownIds: string[]): Promise<WorkflowsErased> {
    return this.temporal.connection.withDeadline(Date.now() + this.timeoutMs, async () => {
      const executions = await this.find(accountId, contactId, knownIds);
      let terminated = 0;
      let deleted = 0;
      for (const e of executions) {
        if (e.running && (await this.terminate(e))) terminated += 1;
        if (await this.deleteHistory(e)) deleted += 1;
      }
      return { workflows_terminated: terminated, workflow_histories_deleted: deleted };
    });
  }

  private async find(accountId: string, contactId: string, knownIds: string[]): Promise<Execution[]> {
    const found = new Map<string, Execution>();
    // Both ids are UUIDs (the path is parsed as one, the account comes from the key): safe to quote.
    const query = `${RecadoContactId.name} = '${contactId}' AND ${RecadoAccountId.name} = '${accountId}'`;
    for await (const wf of this.temporal.workflow.list({ query })) {
      found.set(`${wf.workflowId}/${wf.runId}`, { workflowId: wf.workflowId, runId: wf.runId, running: wf.status.name === 'RUNNING' });
    }
    for (const workflowId of knownIds) {
      try {
        const d = await this.temporal.workflow.getHandle(workflowId).describe();
        found.set(`${d.workflowId}/${d.runId}`, { workflowId: d.workflowId, runId: d.runId, running: d.status.name === 'RUNNING' });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return [...found.values()];
  }

  private async terminate(e: Execution): Promise<boolean> {
    try {
      await this.temporal.workflow.getHandle(e.workflowId, e.runId).terminate('the contact was erased (LGPD)');
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false; // it ended meanwhile
      throw err;
    }
  }

  private async deleteHistory(e: Execution): Promise<boolean> {
    try {
      await this.temporal.workflowService.deleteWorkflowExecution({
        namespace: this.temporal.options.namespace,
        workflowExecution: { workflowId: e.workflowId, runId: e.runId },
      });
      return true;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return false; // deleted already
      throw err;
    }
  }
}
