import type { SendMessageRequest } from '../../whatsapp/types';
import { graphError } from './payloads';
import { asksCallPermission, bodyParameterCount, bodyParameterNames, type SimTemplate, type TemplateRegistry } from './templates';

/**
 * Meta's rules for accepting a send, on the simulator clock: 80 msg/s per number (130429),
 * about one message per 6 s to the same user (131056), free-form only inside the 24 h
 * customer-service window (131047), templates only when approved (132001) and with the right
 * body parameters (132000): their number, and for a NAMED template one parameter_name per placeholder.
 */

export interface SendRulesOptions {
  pairRateLimit: boolean;
  pairRateWindowMs: number;
  throughputPerSecond: number;
  serviceWindowMs: number;
}

export const DEFAULT_SEND_RULES: SendRulesOptions = {
  pairRateLimit: true,
  pairRateWindowMs: 6000,
  throughputPerSecond: 80,
  serviceWindowMs: 24 * 60 * 60 * 1000,
};

export interface SendVerdict {
  /** Pricing category of the conversation: service (free-form) or the template's category. */
  category: string;
  /** The message asks the customer for call permission (interactive or template). */
  callPermissionRequest: boolean;
}

export class SendRules {
  private pairRateEnabled: boolean;
  private lastInbound = new Map<string, number>();
  private lastSendToPair = new Map<string, number>();
  private recentSends = new Map<string, number[]>();

  constructor(
    private readonly options: SendRulesOptions,
    private readonly templates: TemplateRegistry,
  ) {
    this.pairRateEnabled = options.pairRateLimit;
  }

  reset(): void {
    this.pairRateEnabled = this.options.pairRateLimit;
    this.lastInbound = new Map();
    this.lastSendToPair = new Map();
    this.recentSends = new Map();
  }

  setPairRateLimit(enabled: boolean): void {
    this.pairRateEnabled = enabled;
  }

  /** The customer wrote: opens (or renews) the 24 h window. */
  customerWrote(phoneNumberId: string, waId: string, now: number): void {
    this.lastInbound.set(`${phoneNumberId}:${waId}`, now);
  }

  /** Throws the Graph error Meta would answer; otherwise says what kind of send this is. */
  check(phoneNumberId: string, waId: string, request: SendMessageRequest, now: number): SendVerdict {
    const pair = `${phoneNumberId}:${waId}`;
    const recent = this.recent(phoneNumberId, now);
    if (recent.length >= this.options.throughputPerSecond) throw graphError(130429, 'throughput limit of this number reached');
    const last = this.lastSendToPair.get(pair);
    if (this.pairRateEnabled && last !== undefined && now - last < this.options.pairRateWindowMs) {
      throw graphError(131056, `pair rate limit: one message per ${this.options.pairRateWindowMs / 1000} s to ${waId}`);
    }
    if (request.type === 'template') {
      const { name, language, components } = request.template;
      const template = this.templates.findApproved(name, language.code);
      if (!template) throw graphError(132001, `template name (${name}) does not exist in ${language.code}`);
      const given = (components ?? []).filter((c) => c.type === 'body').flatMap((c) => (c.parameters as unknown[]) ?? []);
      const expected = bodyParameterCount(template);
      if (given.length !== expected) {
        throw graphError(132000, `body: number of localizable_params (${given.length}) does not match the expected number of params (${expected})`);
      }
      if (template.parameter_format === 'NAMED') checkParameterNames(template, given);
      return { category: template.category.toLowerCase(), callPermissionRequest: asksCallPermission(template) };
    }
    const inbound = this.lastInbound.get(pair);
    if (inbound === undefined || now - inbound > this.options.serviceWindowMs) {
      throw graphError(131047, 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.');
    }
    return {
      category: 'service',
      callPermissionRequest: request.type === 'interactive' && request.interactive.type === 'call_permission_request',
    };
  }

  /** Counts an accepted send towards the throughput and pair-rate limits. */
  accepted(phoneNumberId: string, waId: string, now: number): void {
    this.lastSendToPair.set(`${phoneNumberId}:${waId}`, now);
    this.recentSends.set(phoneNumberId, [...this.recent(phoneNumberId, now), now]);
  }

  private recent(phoneNumberId: string, now: number): number[] {
    return (this.recentSends.get(phoneNumberId) ?? []).filter((t) => t > now - 1000);
  }
}

/**
 * A NAMED template's body parameters each carry the parameter_name of one of its placeholders,
 * each placeholder once; anything else is the same mismatch (132000) as a wrong count.
 */
function checkParameterNames(template: SimTemplate, given: unknown[]): void {
  const expected = bodyParameterNames(template);
  const seen = new Set<string>();
  for (const parameter of given) {
    const name = (parameter as { parameter_name?: unknown } | null)?.parameter_name;
    if (typeof name !== 'string' || name === '') {
      throw graphError(132000, `body: parameter_name is required for every parameter of a NAMED template (expected ${expected.join(', ')})`);
    }
    if (!expected.includes(name)) throw graphError(132000, `body: parameter_name (${name}) is not a parameter of the template (expected ${expected.join(', ')})`);
    if (seen.has(name)) throw graphError(132000, `body: parameter_name (${name}) is given more than once`);
    seen.add(name);
  }
}
