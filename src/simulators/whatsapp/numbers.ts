import { graphError, SimControlError, SimGraphError, type WebhookMetadataInput } from './payloads';

/**
 * Business phone numbers the simulator has seen: any id is accepted and registered on first
 * use, with a derived display number (configurable) and its settings (the `calling` object).
 */

/** Meta's messaging limit tiers (the spec's enum lacks TIER_2K, which replaced TIER_1K for most numbers in 2025). */
export const MESSAGING_LIMIT_TIERS = ['TIER_50', 'TIER_250', 'TIER_1K', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'] as const;
export type MessagingLimitTier = (typeof MESSAGING_LIMIT_TIERS)[number];

interface NumberState {
  displayPhoneNumber: string;
  messagingLimitTier: MessagingLimitTier;
  calling: Record<string, unknown>;
  otherSettings: Record<string, unknown>;
}

const digits = (s: string) => s.replace(/\D/g, '');

export class PhoneNumbers {
  private numbers = new Map<string, NumberState>();

  /** calling.status of numbers nobody configured: ENABLED unless told otherwise (Meta's default is disabled). */
  constructor(
    private readonly callingEnabledByDefault = true,
    private readonly defaultMessagingLimitTier: MessagingLimitTier = 'TIER_10K',
  ) {}

  reset(): void {
    this.numbers = new Map();
  }

  ids(): string[] {
    return [...this.numbers.keys()];
  }

  /** Registers the id if new; throws Meta's "object does not exist" error when it is not a numeric id. */
  known(phoneNumberId: string): string {
    if (!/^\d{1,20}$/.test(phoneNumberId)) {
      throw new SimGraphError(100, `Unsupported request. Object with ID '${phoneNumberId}' does not exist`, 400);
    }
    this.get(phoneNumberId);
    return phoneNumberId;
  }

  metadata(phoneNumberId: string): WebhookMetadataInput {
    return { phoneNumberId, displayPhoneNumber: this.get(phoneNumberId).displayPhoneNumber };
  }

  setDisplayPhoneNumber(phoneNumberId: string, displayPhoneNumber: string): void {
    this.get(this.known(phoneNumberId)).displayPhoneNumber = displayPhoneNumber;
  }

  setMessagingLimitTier(phoneNumberId: string, tier: string): void {
    if (!(MESSAGING_LIMIT_TIERS as readonly string[]).includes(tier)) {
      throw new SimControlError(`messaging_limit_tier must be one of ${MESSAGING_LIMIT_TIERS.join(', ')}, got "${tier}"`, 400);
    }
    this.get(this.known(phoneNumberId)).messagingLimitTier = tier as MessagingLimitTier;
  }

  /**
   * GET /{phone-number-id}: the default fields, or `id` plus the ones `fields` names (as the
   * Graph API does; unknown names are ignored here, Meta answers #100 for them).
   */
  info(phoneNumberId: string, fields?: string): Record<string, unknown> {
    const n = this.get(phoneNumberId);
    const all: Record<string, unknown> = {
      id: phoneNumberId,
      display_phone_number: n.displayPhoneNumber,
      verified_name: 'Simulated Business',
      quality_rating: 'GREEN',
      code_verification_status: 'VERIFIED',
      name_status: 'APPROVED',
      status: 'CONNECTED',
      messaging_limit_tier: n.messagingLimitTier,
    };
    const wanted = fields
      ? ['id', ...fields.split(',').map((f) => f.trim())]
      : ['id', 'display_phone_number', 'verified_name', 'quality_rating'];
    return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
  }

  callingEnabled(phoneNumberId: string): boolean {
    return !/^disabled$/i.test(String(this.get(phoneNumberId).calling.status));
  }

  callbackPermissionEnabled(phoneNumberId: string): boolean {
    return /^enabled$/i.test(String(this.get(phoneNumberId).calling.callback_permission_status ?? ''));
  }

  /** GET /{phone-number-id}/settings, shaped as the spec's PhoneNumberSettingsResponse. */
  settings(phoneNumberId: string) {
    const n = this.get(phoneNumberId);
    return {
      calling: {
        call_icon_visibility: 'DEFAULT',
        callback_permission_status: 'DISABLED',
        ip_addresses: { default: ['157.240.0.1', '157.240.0.2'] },
        ...n.calling,
      },
      storage_configuration: { status: 'default' },
      ...n.otherSettings,
    };
  }

  /** POST /{phone-number-id}/settings with a body already validated against the spec. */
  updateSettings(phoneNumberId: string, body: Record<string, unknown>): void {
    const n = this.get(phoneNumberId);
    const { calling, ...others } = body as { calling?: Record<string, unknown> };
    if (calling) {
      checkCallHours(calling.call_hours);
      n.calling = { ...n.calling, ...calling };
    }
    Object.assign(n.otherSettings, others);
  }

  private get(phoneNumberId: string): NumberState {
    let n = this.numbers.get(phoneNumberId);
    if (!n) {
      n = {
        displayPhoneNumber: '1555' + digits(phoneNumberId).slice(-7).padStart(7, '0'),
        messagingLimitTier: this.defaultMessagingLimitTier,
        calling: { status: this.callingEnabledByDefault ? 'ENABLED' : 'DISABLED' },
        otherSettings: {},
      };
      this.numbers.set(phoneNumberId, n);
    }
    return n;
  }
}

/** What the JSON Schema cannot say: ≤ 2 ranges per day, open before close, no overlaps. */
export function checkCallHours(callHours: unknown): void {
  const weekly = (callHours as { weekly_operating_hours?: Array<{ day_of_week: string; open_time: string; close_time: string }> })
    ?.weekly_operating_hours;
  if (!weekly) return;
  const byDay = new Map<string, Array<[string, string]>>();
  weekly.forEach((range, i) => {
    if (range.open_time >= range.close_time) {
      throw graphError(100, `calling.call_hours.weekly_operating_hours[${i}]: open_time must be before close_time`);
    }
    byDay.set(range.day_of_week, [...(byDay.get(range.day_of_week) ?? []), [range.open_time, range.close_time]]);
  });
  for (const [day, ranges] of byDay) {
    if (ranges.length > 2) {
      throw graphError(100, `calling.call_hours.weekly_operating_hours: at most 2 ranges per day (${day} has ${ranges.length})`);
    }
    const [a, b] = ranges.sort();
    if (b && b[0] < a[1]) throw graphError(100, `calling.call_hours.weekly_operating_hours: ranges of ${day} overlap`);
  }
}
