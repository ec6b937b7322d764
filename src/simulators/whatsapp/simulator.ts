import { createHash } from 'node:crypto';
import { getMetaSpec, META_PATHS, type MetaSpec } from '../../whatsapp/spec';
import type { CallActionRequest, IncomingMessage, MessageStatusUpdate, SendMessageRequest } from '../../whatsapp/types';
import { CallCenter, DEFAULT_CALL_LIMITS, type CallLimits, type SimCall } from './calls';
import {
  envelope,
  errorTitle,
  graphError,
  inboundMessagesValue,
  newMediaId,
  newMessageId,
  SimControlError,
  SimGraphError,
  statusesValue,
} from './payloads';
import { PhoneNumbers, type MessagingLimitTier } from './numbers';
import { DEFAULT_SEND_RULES, SendRules } from './send-rules';
import { TemplateRegistry, type SimTemplate } from './templates';
import { WebhookDispatcher, type WebhookDelivery, type WebhookRetryPolicy } from './webhook-dispatcher';

/**
 * An in-process stand-in for Meta's WhatsApp Cloud API: state and rules only (the HTTP
 * layer is server.ts). Every request body and every webhook it emits is validated against
 * Meta's OpenAPI spec. Time-based rules (24 h window, pair rate, permissions, ringing) use
 * the simulator clock, which tests move with advanceClock(); webhook pacing uses real time.
 */

export interface SimLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  debug?(obj: Record<string, unknown>, msg: string): void;
}

export interface WhatsAppSimulatorOptions {
  /** Where webhooks go; null disables delivery (they are still built, validated and logged). */
  webhookUrl?: string | null;
  appSecret?: string;
  /** Delay before `sent`, and again before `delivered`. Default 200 ms. */
  statusDelayMs?: number;
  wabaId?: string;
  /** Phone number used by the control API when a request names none and none can be inferred. */
  defaultPhoneNumberId?: string;
  pairRateLimit?: boolean;
  pairRateWindowMs?: number;
  throughputPerSecond?: number;
  callLimits?: Partial<CallLimits>;
  /** calling.status of numbers nobody configured yet. Default ENABLED (Meta's default is disabled). */
  callingEnabledByDefault?: boolean;
  /** messaging_limit_tier of numbers nobody configured yet. Default TIER_10K (high enough for calling). */
  defaultMessagingLimitTier?: MessagingLimitTier;
  webhookRetry?: Partial<WebhookRetryPolicy>;
  /** An emitted webhook that fails the spec is a simulator bug: 'throw' (default) or only 'log'. */
  invalidWebhooks?: 'throw' | 'log';
  logger?: SimLogger;
  spec?: MetaSpec;
  fetch?: typeof fetch;
}

export interface GraphRequest {
  method: string;
  nodeId: string;
  edge: string;
  query: Record<string, string | undefined>;
  body: unknown;
  authorization?: string;
  contentType?: string;
}

export interface GraphResult {
  status: number;
  body: unknown;
}

export interface SimOutboundMessage {
  id: string;
  phoneNumberId: string;
  to: string;
  type: string;
  body: SendMessageRequest;
  status: 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';
  acceptedAt: string;
  bizOpaqueCallbackData?: string;
}

export interface CustomerMessageInput {
  phoneNumberId?: string;
  name?: string;
  text?: string;
  button?: { payload: string; text: string };
  interactive?: { type: 'button_reply' | 'list_reply'; id: string; title: string; description?: string };
  /** The business message a button / interactive reply answers (default: the last one sent to this customer). */
  contextMessageId?: string;
}

export interface FaultInput {
  /** Meta error code to answer with (or, with async, to report in a `failed` status). */
  code?: number;
  /** How many matching requests the fault applies to. Default 1. */
  count?: number;
  /** Hold the request this long before handling it (it is still accepted unless `code` is set). */
  delayMs?: number;
  /**
   * Accept the send (webhooks follow as usual), then hold the HTTP answer this long: the
   * caller may die or time out without ever learning the wamid, as on a lost connection.
   */
  answerLateMs?: number;
  /** Accept the send, then report `failed` with `code` instead of `delivered`. */
  async?: boolean;
  /** Which Graph requests it hits: messages, calls, settings (GET/POST /settings), phone_number (GET /{phone-number-id}), or any. */
  scope?: 'messages' | 'calls' | 'settings' | 'phone_number' | 'any';
}

type FaultScope = Exclude<FaultInput['scope'], 'any' | undefined>;

const seconds = (ms: number) => String(Math.floor(ms / 1000));
const digits = (s: string) => s.replace(/\D/g, '');

export class WhatsAppSimulator {
  readonly spec: MetaSpec;
  readonly wabaId: string;
  statusDelayMs: number;
  private readonly options: WhatsAppSimulatorOptions;
  private readonly dispatcher: WebhookDispatcher;
  private readonly callCenter: CallCenter;
  private readonly logger?: SimLogger;
  private clockOffsetMs = 0;
  private readonly numbers: PhoneNumbers;
  private readonly templates = new TemplateRegistry();
  private customers = new Map<string, string>();
  private readonly rules: SendRules;
  private outbound: SimOutboundMessage[] = [];
  private media = new Map<string, { mimeType: string; sha256: string; size: number }>();
  private faults: Array<Required<Pick<FaultInput, 'count' | 'scope'>> & FaultInput> = [];
  private timers = new Set<NodeJS.Timeout>();
  private readonly errors: Error[] = [];

  constructor(options: WhatsAppSimulatorOptions = {}) {
    this.options = options;
    this.spec = options.spec ?? getMetaSpec();
    this.wabaId = options.wabaId ?? '102290129340398';
    this.statusDelayMs = options.statusDelayMs ?? 200;
    this.logger = options.logger;
    this.numbers = new PhoneNumbers(options.callingEnabledByDefault ?? true, options.defaultMessagingLimitTier);
    this.rules = new SendRules(
      {
        pairRateLimit: options.pairRateLimit ?? DEFAULT_SEND_RULES.pairRateLimit,
        pairRateWindowMs: options.pairRateWindowMs ?? DEFAULT_SEND_RULES.pairRateWindowMs,
        throughputPerSecond: options.throughputPerSecond ?? DEFAULT_SEND_RULES.throughputPerSecond,
        serviceWindowMs: DEFAULT_SEND_RULES.serviceWindowMs,
      },
      this.templates,
    );
    this.dispatcher = new WebhookDispatcher({
      url: options.webhookUrl === undefined ? 'http://127.0.0.1:3000/v1/webhooks/whatsapp' : options.webhookUrl,
      appSecret: options.appSecret ?? 'recado-dev-app-secret',
      retry: options.webhookRetry,
      fetch: options.fetch,
      logger: options.logger,
    });
    this.callCenter = new CallCenter(
      {
        now: () => this.now(),
        metadata: (id) => this.numbers.metadata(id),
        customerName: (waId) => this.customerName(waId),
        emit: (key, kind, field, value) => this.emit(key, kind, field, value),
        callbackPermissionEnabled: (id) => this.numbers.callbackPermissionEnabled(id),
        callingEnabled: (id) => this.numbers.callingEnabled(id),
      },
      { ...DEFAULT_CALL_LIMITS, ...options.callLimits },
    );
  }

  // --- clock and configuration ------------------------------------------------------------

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Moves the simulator clock forward (24 h window, pair rate, permissions, ringing calls). */
  advanceClock(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new SimControlError('advanceMs must be a non-negative number', 400);
    this.clockOffsetMs += ms;
    this.callCenter.sweep();
    return this.now();
  }

  /** Delay before each status webhook (sent, then delivered) of messages accepted from now on. */
  setStatusDelay(ms: number): void {
    this.statusDelayMs = ms;
  }

  setPairRateLimit(enabled: boolean): void {
    this.rules.setPairRateLimit(enabled);
  }

  setWebhookUrl(url: string | null): void {
    this.dispatcher.setUrl(url);
  }

  get webhookUrl(): string | null {
    return this.dispatcher.webhookUrl;
  }

  setDisplayPhoneNumber(phoneNumberId: string, displayPhoneNumber: string): void {
    if (!/^\d{6,15}$/.test(displayPhoneNumber)) throw new SimControlError('display_phone_number must be 6-15 digits', 400);
    this.numbers.setDisplayPhoneNumber(phoneNumberId, displayPhoneNumber);
  }

  /** What GET /{phone-number-id}?fields=messaging_limit_tier answers for this number. */
  setMessagingLimitTier(phoneNumberId: string, tier: string): void {
    this.numbers.setMessagingLimitTier(phoneNumberId, tier);
  }

  addTemplate(input: Partial<SimTemplate> & { name: string }): SimTemplate {
    return this.templates.add(input);
  }

  addFault(input: FaultInput): void {
    if (input.code === undefined && input.delayMs === undefined && input.answerLateMs === undefined) {
      throw new SimControlError('a fault needs code, delayMs or answerLateMs', 400);
    }
    if (input.async && input.code === undefined) throw new SimControlError('an async fault needs a code', 400);
    this.faults.push({ ...input, count: input.count ?? 1, scope: input.scope ?? 'messages' });
  }

  /** Forgets everything (messages, windows, permissions, calls, faults, webhook log, clock); keeps options. */
  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dispatcher.reset();
    this.callCenter.reset();
    this.clockOffsetMs = 0;
    this.numbers.reset();
    this.customers = new Map();
    this.rules.reset();
    this.outbound = [];
    this.templates.reset();
    this.media = new Map();
    this.faults = [];
    this.errors.length = 0;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dispatcher.close();
  }

  // --- inspection ---------------------------------------------------------------------------

  messages(filter: { to?: string; phoneNumberId?: string } = {}): SimOutboundMessage[] {
    return this.outbound.filter(
      (m) => (!filter.to || m.to === digits(filter.to)) && (!filter.phoneNumberId || m.phoneNumberId === filter.phoneNumberId),
    );
  }

  calls(): SimCall[] {
    return this.callCenter.list();
  }

  webhooks(): WebhookDelivery[] {
    return this.dispatcher.deliveries();
  }

  /** Errors raised inside timers (e.g. an emitted webhook that failed validation). Should stay empty. */
  simulatorErrors(): Error[] {
    return [...this.errors];
  }

  /** Waits until no status is scheduled and every queued webhook is delivered or given up. */
  async settle(): Promise<void> {
    while (this.timers.size > 0) await new Promise((r) => setTimeout(r, 10));
    await this.dispatcher.idle();
  }

  // --- the customer's side (control API) ----------------------------------------------------

  customerSendsMessage(waId: string, input: CustomerMessageInput): { id: string; phoneNumberId: string } {
    waId = this.checkWaId(waId);
    const kinds = [input.text, input.button, input.interactive].filter((k) => k !== undefined).length;
    if (kinds !== 1) throw new SimControlError('give exactly one of text, button, interactive', 400);
    const phoneNumberId = this.resolvePhone(waId, input.phoneNumberId);
    if (input.name) this.customers.set(waId, input.name);
    const meta = this.numbers.metadata(phoneNumberId);
    const id = newMessageId(waId);
    const base = { from: waId, id, timestamp: seconds(this.now()) };
    const context = () => ({ from: meta.displayPhoneNumber, id: input.contextMessageId ?? this.lastOutboundId(phoneNumberId, waId) });
    let message: IncomingMessage;
    if (input.text !== undefined) {
      message = { ...base, type: 'text', text: { body: input.text } };
    } else if (input.button) {
      message = { ...base, type: 'button', context: context(), button: input.button };
    } else {
      const { type, ...content } = input.interactive!;
      message = { ...base, type: 'interactive', context: context(), interactive: { type, [type]: content } } as IncomingMessage;
    }
    this.rules.customerWrote(phoneNumberId, waId, this.now());
    this.emit(id, `message:${message.type}`, 'messages', inboundMessagesValue(meta, waId, this.customerName(waId), message));
    return { id, phoneNumberId };
  }

  /** The customer reads every delivered message; returns the wamids that got a `read` status. */
  customerReads(waId: string, phoneNumberId?: string): string[] {
    waId = this.checkWaId(waId);
    const read: string[] = [];
    for (const m of this.outbound) {
      if (m.to !== waId || m.status !== 'delivered' || (phoneNumberId && m.phoneNumberId !== phoneNumberId)) continue;
      this.setStatus(m, 'read');
      read.push(m.id);
    }
    return read;
  }

  customerRepliesToCallPermission(
    waId: string,
    input: { accept: boolean; permanent?: boolean; phoneNumberId?: string },
  ): { id: string; phoneNumberId: string; expirationTimestamp?: number } {
    waId = this.checkWaId(waId);
    const phoneNumberId = this.resolvePhone(waId, input.phoneNumberId);
    this.rules.customerWrote(phoneNumberId, waId, this.now());
    const reply = this.callCenter.permissions.reply(phoneNumberId, waId, {
      accept: input.accept,
      permanent: !!input.permanent,
      source: 'user_action',
    });
    return { ...reply, phoneNumberId };
  }

  customerCalls(waId: string, input: { phoneNumberId?: string; name?: string } = {}): SimCall {
    waId = this.checkWaId(waId);
    const phoneNumberId = this.resolvePhone(waId, input.phoneNumberId);
    if (input.name) this.customers.set(waId, input.name);
    if (!this.numbers.callingEnabled(phoneNumberId)) {
      throw new SimControlError(`calling is disabled on ${phoneNumberId} (settings calling.status)`);
    }
    return this.callCenter.customerCalls(phoneNumberId, waId);
  }

  customerAcceptsCall(callId: string): SimCall {
    return this.callCenter.customerAccept(callId);
  }

  customerRejectsCall(callId: string): SimCall {
    return this.callCenter.customerReject(callId);
  }

  customerEndsCall(callId: string): SimCall {
    return this.callCenter.customerHangup(callId);
  }

  // --- the Graph API ------------------------------------------------------------------------

  async handleGraph(req: GraphRequest): Promise<GraphResult> {
    try {
      const token = /^Bearer\s+(\S+)/i.exec(req.authorization ?? '')?.[1];
      if (!token) {
        throw new SimGraphError(190, 'Invalid OAuth access token - Cannot parse access token', 401, 'missing Bearer token');
      }
      const route = `${req.method.toUpperCase()} ${req.edge}`;
      const id = req.nodeId;
      switch (route) {
        case 'POST messages':
          return { status: 200, body: await this.sendMessage(id, req.body) };
        case 'POST media':
          return { status: 200, body: await this.uploadMedia(req) };
        case 'GET call_permissions': {
          const waId = digits(req.query.user_wa_id ?? '');
          if (!waId) throw graphError(100, 'user_wa_id is required');
          return { status: 200, body: this.callCenter.permissions.response(this.numbers.known(id), waId) };
        }
        case 'POST calls':
          return { status: 200, body: await this.callAction(id, req.body) };
        case 'GET ':
          await this.applyFault('phone_number');
          return { status: 200, body: this.numbers.info(this.numbers.known(id), req.query.fields) };
        case 'GET settings':
          await this.applyFault('settings');
          return { status: 200, body: this.numbers.settings(this.numbers.known(id)) };
        case 'POST settings':
          this.validate('post', META_PATHS.settings, req.body);
          await this.applyFault('settings');
          this.numbers.updateSettings(this.numbers.known(id), req.body as Record<string, unknown>);
          return { status: 200, body: { success: true } };
        case 'GET message_templates':
          if (!/^\d{1,20}$/.test(id)) throw new SimGraphError(100, `Unsupported get request. Object with ID '${id}' does not exist`, 400);
          return { status: 200, body: this.templates.list(req.query) };
        default:
          throw new SimGraphError(100, `Unsupported ${req.method.toLowerCase()} request. Object with ID '${id}' does not support '${req.edge}'`, 400);
      }
    } catch (err) {
      if (err instanceof SimGraphError) return { status: err.httpStatus, body: err.toBody() };
      throw err;
    }
  }

  private validate(method: string, path: string, body: unknown): void {
    const result = this.spec.validateRequestBody(method, path, body);
    if (!result.ok) throw new SimGraphError(100, `(#100) Invalid parameter: ${result.errors[0]}`, 400, result.errors.join('; '));
  }

  private async applyFault(scope: FaultScope): Promise<FaultInput | undefined> {
    const fault = this.faults.find((f) => f.scope === scope || f.scope === 'any');
    if (!fault) return undefined;
    if (--fault.count <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.code !== undefined && !fault.async) throw graphError(fault.code, 'injected by the simulator (fault)');
    return fault;
  }

  private async sendMessage(phoneNumberId: string, body: unknown) {
    this.validate('post', META_PATHS.messages, body);
    const fault = await this.applyFault('messages');
    const request = body as SendMessageRequest & { biz_opaque_callback_data?: string };
    const waId = digits(request.to);
    const now = this.now();
    this.numbers.known(phoneNumberId);

    const { category, callPermissionRequest } = this.rules.check(phoneNumberId, waId, request, now);

    const id = newMessageId(waId);
    if (callPermissionRequest) this.callCenter.permissions.recordRequest(phoneNumberId, waId, id);
    this.rules.accepted(phoneNumberId, waId, now);
    const message: SimOutboundMessage = {
      id,
      phoneNumberId,
      to: waId,
      type: request.type,
      body: request,
      status: 'accepted',
      acceptedAt: new Date(now).toISOString(),
      bizOpaqueCallbackData: request.biz_opaque_callback_data,
    };
    this.outbound.push(message);
    const pricing = { billable: category !== 'service', pricing_model: 'PMP' as const, category };
    this.later(this.statusDelayMs, () => {
      if (fault?.async && fault.code !== undefined) this.setStatus(message, 'failed', pricing, fault.code);
      else {
        this.setStatus(message, 'sent', pricing);
        this.later(this.statusDelayMs, () => this.setStatus(message, 'delivered', pricing));
      }
    });
    if (fault?.answerLateMs) await new Promise((r) => setTimeout(r, fault.answerLateMs));
    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: request.to, wa_id: waId }],
      messages: [{ id, ...(request.type === 'template' ? { message_status: 'accepted' as const } : {}) }],
    };
  }

  private setStatus(m: SimOutboundMessage, status: SimOutboundMessage['status'], pricing?: MessageStatusUpdate['pricing'], code?: number) {
    m.status = status;
    const update: MessageStatusUpdate = {
      id: m.id,
      status: status as MessageStatusUpdate['status'],
      timestamp: seconds(this.now()),
      recipient_id: m.to,
      ...(m.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: m.bizOpaqueCallbackData } : {}),
      ...(pricing && status !== 'failed' ? { pricing } : {}),
      ...(code !== undefined
        ? { errors: [{ code, title: errorTitle(code), message: errorTitle(code), error_data: { details: 'injected by the simulator (fault)' } }] }
        : {}),
    };
    this.emit(m.id, `status:${status}`, 'messages', statusesValue(this.numbers.metadata(m.phoneNumberId), update));
  }

  private async uploadMedia(req: GraphRequest) {
    let mimeType: string | undefined;
    let bytes: Buffer;
    if ((req.contentType ?? '').startsWith('multipart/form-data')) {
      const form = await new Response(req.body as Buffer, { headers: { 'content-type': req.contentType! } }).formData();
      const file = form.get('file');
      if (form.get('messaging_product') !== 'whatsapp') throw graphError(100, 'messaging_product must be "whatsapp"');
      if (!file || typeof file === 'string') throw graphError(100, 'file is required');
      mimeType = String(form.get('type') ?? file.type ?? '');
      bytes = Buffer.from(await file.arrayBuffer());
    } else {
      this.validate('post', META_PATHS.media, req.body);
      const body = req.body as { file?: string };
      mimeType = /type=([^;]+)/.exec(body.file ?? '')?.[1];
      bytes = Buffer.from(body.file ?? '');
    }
    if (!mimeType) throw graphError(100, 'type (the file MIME type) is required');
    const id = newMediaId();
    this.media.set(id, { mimeType, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('base64') });
    return { id };
  }

  private async callAction(phoneNumberId: string, body: unknown) {
    this.validate('post', META_PATHS.calls, body);
    await this.applyFault('calls');
    return this.callCenter.businessAction(this.numbers.known(phoneNumberId), body as CallActionRequest);
  }

  // --- internals ----------------------------------------------------------------------------

  private emit(orderingKey: string, kind: string, field: string, value: Record<string, unknown>): void {
    const payload = envelope(this.wabaId, field, value);
    const check = this.spec.validateWebhookPayload(payload);
    if (!check.ok) {
      const error = new Error(`simulator bug: ${kind} webhook fails Meta's WebhookPayload schema: ${check.errors.join('; ')}`);
      this.logger?.error({ kind, errors: check.errors }, 'emitted webhook fails the spec');
      this.errors.push(error);
      if ((this.options.invalidWebhooks ?? 'throw') === 'throw') throw error;
    }
    this.dispatcher.enqueue(orderingKey, kind, payload);
  }

  /** Runs `fn` after `ms` real milliseconds; errors are kept in simulatorErrors(), never thrown into the event loop. */
  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        fn();
      } catch (err) {
        this.errors.push(err as Error);
        this.logger?.error({ err: (err as Error).message }, 'simulator timer failed');
      }
    }, ms);
    this.timers.add(timer);
  }

  private customerName(waId: string): string {
    return this.customers.get(waId) ?? `Cliente ${waId.slice(-4)}`;
  }

  private checkWaId(waId: string): string {
    const d = digits(waId);
    if (d.length < 6 || d.length > 15) throw new SimControlError(`wa_id must be 6-15 digits, got "${waId}"`, 400);
    return d;
  }

  /** The number a control-API request is about: given, else the last one that wrote to this customer, else the default. */
  private resolvePhone(waId: string, phoneNumberId?: string): string {
    if (phoneNumberId) return this.numbers.known(phoneNumberId);
    const last = [...this.outbound].reverse().find((m) => m.to === waId);
    if (last) return last.phoneNumberId;
    const ids = this.numbers.ids();
    if (ids.length === 1) return ids[0];
    return this.numbers.known(this.options.defaultPhoneNumberId ?? '100000000000001');
  }

  private lastOutboundId(phoneNumberId: string, waId: string): string {
    return [...this.outbound].reverse().find((m) => m.phoneNumberId === phoneNumberId && m.to === waId)?.id ?? newMessageId(waId);
  }
}
