import { BadGatewayException, Inject, Injectable, OnModuleDestroy, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { InvalidFieldError, NotFoundError } from '../common/errors';
import { LOGGER } from '../common/logger.module';
import { PeriodicSweep, type RowSweep } from '../common/periodic-sweep';
import { CONFIG } from '../config/config.module';
import type { Config } from '../config/config';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ContactErasers } from '../contacts/erasure/contact-eraser';
import { CrmConnections } from '../crm/crm-connections';
import { inTransaction, PG_POOL } from '../db/database';
import { TEMPORAL_CLIENT } from '../infra/infra.module';
import { PaymentLinkError } from '../payments/payment-links';
import { storePaymentLinks } from '../payments/store-payment-links';
import { StoresService } from '../stores/stores.service';
import { checkoutChangedSignal, checkoutRecoveryWorkflow } from '../../workflows/checkout-recovery.workflow';
import { checkoutSearchAttributes } from '../../workflows/search-attributes';
import { CheckoutIntentsRepository } from './checkout-intents.repository';
import { validateLead } from './lead';
import { checkoutWorkflowId, type CheckoutIntentRow, type CheckoutState, type CrmSyncState } from './model';

const STUCK_AFTER_MS = 30_000;

export interface NewIntent {
  storeId: string;
  formId?: string | null;
  customer: { name?: unknown; email?: unknown; phone?: unknown };
  product: string;
  plan: string | null;
  amountMinor: string;
  currency: string;
  abandonAfterMs?: number;
}

/**
 * Checkout intents: the lead captured before the gateway (a contact, and a person and deal in
 * the account's CRM), the pre-filled payment link that is the answer, and the recovery workflow
 * that waits for the gateway's payment webhook.
 */
@Injectable()
export class CheckoutIntentsService implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: RowSweep;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CrmConnections) private readonly crm: CrmConnections,
    private readonly intents: CheckoutIntentsRepository,
    private readonly contacts: ContactsRepository,
    private readonly stores: StoresService,
    private readonly erasers: ContactErasers,
  ) {
    this.sweeper = PeriodicSweep.overRows(temporal, config.checkout.sweepEveryMs, {
      logger,
      what: 'start checkout recoveries',
      list: () => this.intents.listUnstarted(STUCK_AFTER_MS, 100),
      each: (intent) => this.start(intent),
    });
  }

  onModuleInit() {
    this.erasers.register({ name: 'checkout_intents', erase: (tx, contact) => this.intents.deleteOfContact(tx, contact.accountId, contact.id) });
    this.sweeper.start();
  }

  async onModuleDestroy() {
    await this.sweeper.stop();
  }

  /**
   * The customer's intent with its payment link. The same customer submitting the same purchase
   * again while it is pending gets the same intent and link (`reused`), so a double submit is one
   * deal. The gateway failing leaves the intent `new`: submitting again retries the same link.
   */
  async create(accountId: string, input: NewIntent): Promise<{ intent: CheckoutIntentRow; reused: boolean }> {
    const lead = validateLead(input.customer);
    if (!lead.ok) {
      const [first, ...rest] = lead.errors;
      throw new InvalidFieldError(`customer.${first.field}`, [first, ...rest].map((e) => e.message).join('; '));
    }
    const { store, secrets } = await this.stores.withSecrets(accountId, input.storeId).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new InvalidFieldError('store_id', `store ${input.storeId} is not one of this account's (GET /v1/stores)`) : err;
    });
    const links = storePaymentLinks(store.platform, secrets, this.config.payments);
    if ('unavailable' in links) throw new InvalidFieldError('store_id', links.unavailable);
    const crm = await this.crm.find(accountId);
    const { name, email, phone } = lead.lead;
    const identities = [
      { kind: 'phone' as const, value: phone },
      { kind: 'whatsapp' as const, value: phone.replace(/^\+/, '') },
      { kind: 'email' as const, value: email },
    ];
    const purchase = { account_id: accountId, store_id: store.id, product: input.product, plan: input.plan, amount_minor: input.amountMinor, currency: input.currency };

    const { row, reused } = await inTransaction(this.pool, async (tx) => {
      const contact = await this.contacts.findOrCreateByIdentities(accountId, identities, name, tx);
      const pending = await this.intents.findPending(tx, { ...purchase, contact_id: contact.id });
      if (pending) return { row: pending, reused: true };
      const created = await this.intents.insert(
        {
          ...purchase,
          id: randomUUID(),
          form_id: input.formId ?? null,
          contact_id: contact.id,
          name,
          email,
          phone,
          gateway: store.platform as CheckoutIntentRow['gateway'],
          crm_state: crm ? 'pending' : 'none',
          abandon_after_ms: input.abandonAfterMs ?? this.config.checkout.abandonAfterMs,
          expire_after_ms: this.config.checkout.expireAfterMs,
        },
        tx,
      );
      return { row: created, reused: false };
    });

    let intent = row;
    if (!intent.payment_url) {
      const link = await links
        .createLink({
          intentId: intent.id,
          customer: { name, email, phone },
          product: { name: input.plan ? `${input.product} — ${input.plan}` : input.product, code: input.formId ?? undefined },
          amount: { amountMinor: input.amountMinor, currency: input.currency },
        })
        .catch((err: unknown) => {
          throw linkFailure(err);
        });
      intent = await this.intents.linkCreated(intent.id, link);
    }
    if (!intent.workflow_started_at) {
      // Temporal down: the intent is open with its link; the sweeper starts its recovery.
      await this.start(intent).catch((err: Error) => this.logger.warn({ intentId: intent.id, err: err.message }, 'checkout recovery not started yet; the sweeper will retry'));
    }
    return { intent: (await this.intents.findById(intent.id)) ?? intent, reused };
  }

  async get(accountId: string, id: string): Promise<CheckoutIntentRow> {
    const intent = await this.intents.findOfAccount(accountId, id);
    if (!intent) throw new NotFoundError('checkout intent', id);
    return intent;
  }

  list(accountId: string, filter: { state?: CheckoutState; crmState?: CrmSyncState; storeId?: string; limit: number }) {
    return this.intents.list(accountId, filter);
  }

  /** Parked CRM work goes again: one intent's, or (no id) every parked intent of the account. */
  async resumeCrm(accountId: string, id?: string): Promise<string[]> {
    if (id) await this.get(accountId, id);
    const resumed = await this.intents.resumeCrm(accountId, id);
    await this.wake(resumed);
    return resumed;
  }

  /** Tells intents' recoveries to look again now (a payment arrived, the CRM was resumed). */
  async wake(ids: string[]): Promise<void> {
    await Promise.all(
      ids.map((id) =>
        this.temporal.workflow
          .getHandle(checkoutWorkflowId(id))
          .signal(checkoutChangedSignal)
          .catch((err: Error) => {
            if (!(err instanceof WorkflowNotFoundError)) this.logger.warn({ intentId: id, err: err.message }, 'checkout recovery not woken; it looks again at its next timer');
          }),
      ),
    );
  }

  private async start(intent: CheckoutIntentRow): Promise<void> {
    try {
      await this.temporal.workflow.start(checkoutRecoveryWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: checkoutWorkflowId(intent.id),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: checkoutSearchAttributes({ accountId: intent.account_id, contactId: intent.contact_id }, intent.store_id),
        args: [{ intentId: intent.id, crmRetryBudgetMs: this.config.checkout.crmRetryBudgetMs }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await this.intents.workflowStarted(intent.id);
  }

  /** Starts the recoveries of intents whose workflow did not start (Temporal was down). */
  startStuck(): Promise<number> {
    return this.sweeper.run();
  }

}

/** A gateway's refusal, as the API answers it: the field it names (422), or the gateway failing (502 / 503). */
function linkFailure(err: unknown): Error {
  if (!(err instanceof PaymentLinkError)) return err as Error;
  if (err.retryable) return new ServiceUnavailableException(`${err.message}; try again`);
  if (err.field) return new InvalidFieldError(apiField(err.field), err.message);
  return new BadGatewayException(err.message);
}

/** The gateway's or the link builder's field, named as this API's request names it. */
function apiField(field: string): string {
  if (field.startsWith('customer.phone')) return 'customer.phone';
  if (field.startsWith('customer.email')) return 'customer.email';
  if (field.startsWith('customer.name')) return 'customer.name';
  if (field.startsWith('amount')) return 'amount.amount_minor';
  return field;
}
