import { Injectable } from '@nestjs/common';
import { InvalidFieldError } from '../../common/errors';
import { NumbersService } from '../../numbers/numbers.service';
import type { WhatsAppNumberRow } from '../../numbers/numbers.repository';
import { WhatsAppApiError } from '../../whatsapp/errors';
import type { CallingSettings } from '../../whatsapp/types';
import type { CallSettingsView } from './call-settings.dto';
import { CallSettingsRepository, type CallSettingsRow } from './call-settings.repository';
import { callSettingsProblems } from './call-settings.validation';
import { CallingGraph, toMetaErrorInfo } from './meta-graph';
import { describeMetaError, type MetaErrorInfo } from './readiness';

/** The settings are saved but Meta did not take them: answered 502 with Meta's error and what is stored. */
export class CallSettingsPushError extends Error {
  constructor(
    readonly metaError: MetaErrorInfo,
    readonly stored: CallSettingsView,
  ) {
    super(
      `Meta did not accept the call settings (${describeMetaError(metaError)}). They are saved; ` +
        'PUT them again to push them again.',
    );
    this.name = 'CallSettingsPushError';
  }
}

export function callSettingsView(numberId: string, row: CallSettingsRow | undefined): CallSettingsView {
  const settings = row?.settings ?? null;
  return {
    whatsapp_number_id: numberId,
    settings,
    push: {
      status: !settings ? 'none' : row?.pushed_at ? 'pushed' : row?.push_error ? 'failed' : 'pending',
      pushed_at: row?.pushed_at ?? null,
      error: row?.push_error ?? null,
    },
    calls_webhook: { subscribed: row?.calls_webhook_subscribed ?? false, updated_at: row?.calls_webhook_updated_at ?? null },
    updated_at: row?.updated_at ?? null,
  };
}

/** Call settings per number: validated, saved, then pushed to Meta's settings endpoint. */
@Injectable()
export class CallSettingsService {
  constructor(
    private readonly repository: CallSettingsRepository,
    private readonly numbers: NumbersService,
    private readonly graph: CallingGraph,
  ) {}

  async get(accountId: string, numberId: string): Promise<CallSettingsView> {
    await this.numbers.get(accountId, numberId);
    return callSettingsView(numberId, await this.repository.findRow(accountId, numberId));
  }

  /**
   * Saves the `calling` object, then pushes it with the number's token. A refusal keeps what
   * was saved (push_error set) and throws CallSettingsPushError; saving again pushes again.
   */
  async save(accountId: string, numberId: string, body: unknown): Promise<CallSettingsView> {
    const number = await this.numbers.get(accountId, numberId);
    const problems = callSettingsProblems(body);
    if (problems.length > 0) {
      const [first, ...more] = problems;
      const rest = more.map((p) => `; ${p.field}: ${p.message}`).join('');
      throw new InvalidFieldError(first.field, first.message + rest);
    }
    const saved = await this.repository.save(accountId, numberId, body as CallingSettings);
    return this.push(number, saved);
  }

  async setCallsWebhook(accountId: string, numberId: string, subscribed: boolean): Promise<CallSettingsView> {
    await this.numbers.get(accountId, numberId);
    return callSettingsView(numberId, await this.repository.setCallsWebhookSubscribed(accountId, numberId, subscribed));
  }

  private async push(number: WhatsAppNumberRow, saved: CallSettingsRow): Promise<CallSettingsView> {
    let error: MetaErrorInfo | null = null;
    try {
      await this.graph.client(number).updateSettings(number.phone_number_id, { calling: saved.settings as CallingSettings });
    } catch (err) {
      if (!(err instanceof WhatsAppApiError)) throw err;
      error = toMetaErrorInfo(err);
    }
    // A newer save that overtook this one records its own push: show what is stored now.
    const row =
      (await this.repository.recordPush(number.id, saved.revision, error)) ??
      (await this.repository.findRow(number.account_id, number.id));
    const view = callSettingsView(number.id, row);
    if (error) throw new CallSettingsPushError(error, view);
    return view;
  }
}
