import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { LOGGER } from '../common/logger.module';
import { DEFAULT_PAGE_SIZE } from '../common/page.dto';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { ContactsRepository, whatsAppIdOf } from '../contacts/contacts.repository';
import { MetricsService } from '../metrics/metrics.service';
import { NumbersService } from '../numbers/numbers.service';
import { validateRequestBody } from '../whatsapp/spec';
import { sendMessageWorkflow, sendMessageWorkflowId } from '../../workflows/send-message.workflow';
import { recadoSearchAttributes } from '../../workflows/search-attributes';
import type { MessageView, SendMessageDto } from './messages.dto';
import { MessageRow, MessagesRepository } from './messages.repository';

/** Queued messages whose workflow did not start (Temporal was down) are started by the sweeper. */
const STUCK_AFTER_MS = 30_000;
const SWEEP_EVERY_MS = 15_000;

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    direction: row.direction,
    contact_id: row.contact_id,
    whatsapp_number_id: row.whatsapp_number_id,
    type: row.type,
    body: row.body,
    state: row.state,
    provider_message_id: row.provider_message_id,
    send_attempts: row.send_attempts,
    error: row.error,
    created_at: row.created_at,
    accepted_at: row.accepted_at,
    sent_at: row.sent_at,
    delivered_at: row.delivered_at,
    read_at: row.read_at,
    played_at: row.played_at,
    failed_at: row.failed_at,
  };
}

@Injectable()
export class MessagesService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: MessagesRepository,
    private readonly contacts: ContactsRepository,
    private readonly numbers: NumbersService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit() {
    this.sweeper = setInterval(() => void this.startStuckSends(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  /**
   * Stores the message, then starts its send workflow. Once stored it is never lost: if
   * Temporal cannot be reached now, the sweeper starts the workflow later.
   */
  async send(accountId: string, dto: SendMessageDto, idempotencyKey: string | null): Promise<MessageView> {
    const number = await this.numbers.get(accountId, dto.whatsapp_number_id);
    const contact = dto.contact_id
      ? await this.contacts.findById(accountId, dto.contact_id)
      : await this.contacts.findOrCreateByWhatsApp(accountId, dto.to!, null);
    if (!contact) throw new NotFoundError('contact', dto.contact_id!);

    const content = dto[dto.type];
    if (content === undefined) throw new InvalidFieldError(dto.type, `type is "${dto.type}" but no "${dto.type}" object was given`);
    const id = randomUUID();
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: whatsAppIdOf(contact),
      type: dto.type,
      [dto.type]: content,
      // Echoed by Meta in status webhooks: identifies the send when its attempt died before saving the wamid.
      biz_opaque_callback_data: id,
    };
    const check = validateRequestBody('post', '/{Version}/{Phone-Number-ID}/messages', body);
    if (!check.ok) throw new InvalidFieldError(dto.type, check.errors.join('; '));

    const { row, created } = await this.repository.insertOutbound({
      id,
      accountId,
      contactId: contact.id,
      numberId: number.id,
      type: dto.type,
      body,
      idempotencyKey,
    });
    if (created) this.metrics.messagesQueued.inc({ channel: 'whatsapp' });
    if (row.state === 'queued') {
      await this.startSend(row).catch((err: Error) =>
        this.logger.warn({ messageId: row.id, err: err.message }, 'send workflow not started yet; the sweeper will retry'),
      );
    }
    return messageView(row);
  }

  async get(accountId: string, id: string): Promise<MessageView> {
    const row = await this.repository.findById(accountId, id);
    if (!row) throw new NotFoundError('message', id);
    return messageView(row);
  }

  async list(accountId: string, contactId: string | undefined, limit = DEFAULT_PAGE_SIZE): Promise<MessageView[]> {
    return (await this.repository.list(accountId, { contactId, limit })).map(messageView);
  }

  async startStuckSends(): Promise<number> {
    try {
      const stuck = await this.repository.listStuckQueued(STUCK_AFTER_MS, 100);
      for (const row of stuck) await this.startSend(row);
      return stuck.length;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not start queued sends; will retry');
      return 0;
    }
  }

  private async startSend(row: MessageRow): Promise<void> {
    try {
      await this.temporal.workflow.start(sendMessageWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: sendMessageWorkflowId(row.id),
        typedSearchAttributes: recadoSearchAttributes('message', {
          accountId: row.account_id,
          contactId: row.contact_id,
          numberId: row.whatsapp_number_id,
        }),
        args: [
          {
            accountId: row.account_id,
            messageId: row.id,
            ...this.config.messages,
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
