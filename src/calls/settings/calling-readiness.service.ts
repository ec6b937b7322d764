import { Inject, Injectable } from '@nestjs/common';
import { ConfigError } from '../../config/config';
import { NumbersService } from '../../numbers/numbers.service';
import type { CallingReadinessView } from './call-settings.dto';
import { CallSettingsRepository } from './call-settings.repository';
import { CallingGraph, fetched, READINESS_GRAPH_TIMEOUT_MS } from './meta-graph';
import {
  assessReadiness,
  CALLING_MIN_MESSAGING_TIER_ENV,
  DEFAULT_CALLING_MIN_MESSAGING_TIER,
  MESSAGING_TIER_LIMITS,
  parseMessagingTier,
  type MessagingLimitTier,
} from './readiness';

export interface CallingReadinessOptions {
  /** The least messaging limit tier that passes. */
  minimumMessagingTier: MessagingLimitTier;
}

export const CALLING_READINESS_OPTIONS = Symbol('CALLING_READINESS_OPTIONS');

/** Options from the environment: CALLING_MIN_MESSAGING_TIER (default TIER_2K), checked at start-up. */
export function readinessOptionsFromEnv(env: Record<string, string | undefined> = process.env): CallingReadinessOptions {
  const raw = env[CALLING_MIN_MESSAGING_TIER_ENV];
  if (raw === undefined || raw.trim() === '') return { minimumMessagingTier: DEFAULT_CALLING_MIN_MESSAGING_TIER };
  const tier = parseMessagingTier(raw);
  if (!tier) {
    throw new ConfigError(CALLING_MIN_MESSAGING_TIER_ENV, `must be one of ${Object.keys(MESSAGING_TIER_LIMITS).join(', ')}, got "${raw}"`);
  }
  return { minimumMessagingTier: tier };
}

/** The calling prerequisites of one number, read live from Meta and from recado's own records. */
@Injectable()
export class CallingReadinessService {
  constructor(
    @Inject(CALLING_READINESS_OPTIONS) private readonly options: CallingReadinessOptions,
    private readonly repository: CallSettingsRepository,
    private readonly numbers: NumbersService,
    private readonly graph: CallingGraph,
  ) {}

  async check(accountId: string, numberId: string): Promise<CallingReadinessView> {
    const number = await this.numbers.get(accountId, numberId);
    const client = this.graph.client(number, READINESS_GRAPH_TIMEOUT_MS);
    const [settings, details, row, lastCallsWebhookAt] = await Promise.all([
      fetched(() => client.getSettings(number.phone_number_id)),
      fetched(() => this.graph.phoneNumberDetails(number, ['messaging_limit_tier'], READINESS_GRAPH_TIMEOUT_MS)),
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
      this.options.minimumMessagingTier,
    );
    return {
      whatsapp_number_id: numberId,
      ready,
      checks,
      messaging_limit_tier: tier.ok ? (tier.value ?? null) : null,
      minimum_messaging_limit_tier: this.options.minimumMessagingTier,
      last_calls_webhook_at: lastCallsWebhookAt,
      checked_at: new Date(),
    };
  }
}
