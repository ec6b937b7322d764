import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../config/config.module';
import type { Config } from '../../config/config';
import { NumbersService } from '../../numbers/numbers.service';
import type { CallingReadinessView } from './call-settings.dto';
import { CallSettingsRepository } from './call-settings.repository';
import { CallingGraph, fetched, READINESS_GRAPH_TIMEOUT_MS } from './meta-graph';
import { assessReadiness } from './readiness';

/** The calling prerequisites of one number, read live from Meta and from recado's own records. */
@Injectable()
export class CallingReadinessService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly repository: CallSettingsRepository,
    private readonly numbers: NumbersService,
    private readonly graph: CallingGraph,
  ) {}

  async check(accountId: string, numberId: string): Promise<CallingReadinessView> {
    const number = await this.numbers.get(accountId, numberId);
    const client = this.graph.client(number, READINESS_GRAPH_TIMEOUT_MS);
    const [settings, details, row, lastCallsWebhookAt] = await Promise.all([
      fetched(() => client.getSettings(number.phone_number_id)),
      fetched(() => this.graph.client(number, READINESS_GRAPH_TIMEOUT_MS).getPhoneNumber(number.phone_number_id, ['messaging_limit_tier'])),
      this.repository.findRow(accountId, numberId),
      this.repository.lastCallsWebhookAt(accountId, number.phone_number_id),
    ]);
    const tier = details.ok ? { ok: true as const, value: details.value.messaging_limit_tier as string | undefined } : details;
    const { ready, checks } = assessReadiness(
      {
        numberId,
        metaCallingStatus: settings.ok ? { ok: true, value: settings.value.calling?.status } : settings,
        saved: row?.settings ? { callingStatus: row.settings.status, pushError: row.push_error } : null,
        callsWebhook: {
          subscribed: row?.calls_webhook_subscribed ?? false,
          updatedAt: row?.calls_webhook_updated_at ?? null,
          lastReceivedAt: lastCallsWebhookAt,
        },
        messagingLimitTier: tier,
      },
      this.config.calls.minMessagingTier,
    );
    return {
      whatsapp_number_id: numberId,
      ready,
      checks,
      messaging_limit_tier: tier.ok ? (tier.value ?? null) : null,
      minimum_messaging_limit_tier: this.config.calls.minMessagingTier,
      last_calls_webhook_at: lastCallsWebhookAt,
      checked_at: new Date(),
    };
  }
}
