import type { Channel, IdentityKind } from '../contacts/index/contact-document';

export { CHANNELS, type Channel } from '../contacts/index/contact-document';

/**
 * What a channel plugs into recado's one messaging core. A channel is one folder
 * (src/channels/<name>/): this driver, its inbound handler (or poller) feeding the one
 * inbound-delivery pipeline, and its tests. Routing, the send row, the exactly-once send
 * workflow, receipts, the conversation thread and the cost ledger are shared.
 */

export interface ChannelCapabilities {
  text: boolean;
  /** Pre-approved templates (WhatsApp outside the 24 h window). */
  template: boolean;
  /** Reply buttons the customer taps (WhatsApp interactive, Telegram inline keyboard, push actions). */
  buttons: boolean;
  media: boolean;
  readReceipts: boolean;
  /** The provider tells us the message reached the customer; without it "accepted" is the last news. */
  deliveryReceipts: boolean;
}

/** Channel-neutral content a message is rendered from; each driver turns it into its provider's request. */
export interface MessageContent {
  /** The plain-text body. Required: every channel can show text. */
  text: string;
  /** E-mail subject; push notification title. */
  subject?: string;
  /** E-mail HTML body; rendered from `text` when absent. */
  html?: string;
  /** Reply buttons, in order; a button with a `url` is a link where the channel has them (e-mail). */
  buttons?: Array<{ id: string; title: string; url?: string }>;
  media?: MessageMedia;
  /**
   * The approved WhatsApp template this message is the equivalent of: name, language and body
   * parameters, positional ({{1}}… in order) or, for a NAMED template, by placeholder name.
   */
  template?: { name: string; language: string; parameters?: string[]; named_parameters?: Array<{ name: string; text: string }> };
}

export interface MessageMedia {
  kind: 'image' | 'document' | 'audio' | 'video';
  url: string;
  filename?: string;
  caption?: string;
  mime_type?: string;
  /** Known size; a driver refuses what its provider would refuse (e.g. e-mail attachments). */
  size_bytes?: number;
}

/** A channel account as stored: a WhatsApp number, a mailbox, a Telegram bot, an app. */
export interface ChannelAccountRow {
  id: string;
  account_id: string;
  channel: Channel;
  name: string;
  /** The provider-side address inbound traffic is routed by: phone_number_id, mailbox address, bot id, app id. */
  address: string;
  /** Non-secret settings (hosts, ports, sender name, FCM project id, webhook URL). */
  settings: Record<string, unknown>;
  /** Sealed JSON of the secret settings (src/secrets); opened only where a provider request is built. */
  secrets: string | null;
  created_at: Date;
}

/** A channel account with its secrets opened: lives only for the provider call being made. */
export interface OpenChannelAccount extends Omit<ChannelAccountRow, 'secrets'> {
  secrets: Record<string, string>;
}

export interface RenderInput {
  account: ChannelAccountRow;
  /** The contact's identity on this channel (wa_id, e-mail address, Telegram chat id, app user id). */
  recipient: string;
  /** recado's message id: carried to the provider where it is echoed back (biz_opaque_callback_data, Message-ID). */
  messageId: string;
  content: MessageContent;
  /** The customer's message this one answers, for threading (e-mail In-Reply-To / References, Telegram reply). */
  inReplyTo?: { providerMessageId: string; references?: string[] };
  /**
   * WhatsApp: send `content.template` (the approved template) rather than the free-form
   * equivalent: the 24 h window is closed, or routing chose the template. Other channels ignore it.
   */
  asTemplate?: boolean;
}

/** The provider request as it will be sent, stored in the send row before the call. */
export interface RenderedMessage {
  /** recado's message type (text, interactive, template, image, email, push…). */
  type: string;
  body: Record<string, unknown>;
}

export interface SendResult {
  /** The provider's id for the message (wamid, Message-ID, `<chat_id>:<message_id>`, FCM message name). */
  providerMessageId: string;
}

/**
 * What an attempt that died in the middle of the provider call does next:
 * - `await-receipt`: the provider echoes recado's id in its receipts (WhatsApp's biz_opaque_callback_data);
 *   wait for one, resend only if none arrives in time.
 * - `lookup`: ask the provider whether it has the message (`lookupSent`), resend only if it has not.
 * - `idempotent`: the provider (or the app) de-duplicates by recado's id, resending is harmless.
 * - `never-resend`: there is no way to know; the message fails as `outcome_unknown` and routing
 *   may try the next channel, so it is never delivered twice on this one.
 */
export type UnknownOutcomePolicy = 'await-receipt' | 'lookup' | 'idempotent' | 'never-resend';

export interface ChannelDriver {
  readonly channel: Channel;
  readonly capabilities: ChannelCapabilities;
  /** The contact identity that addresses the customer on this channel. */
  readonly identityKind: IdentityKind;
  readonly unknownOutcome: UnknownOutcomePolicy;
  /** When the policy depends on how the account is set up (app push: FCM or the app's own webhook). */
  unknownOutcomeFor?(account: Pick<ChannelAccountRow, 'settings'>): UnknownOutcomePolicy;
  /**
   * Strict out: the provider request for this content, checked against the provider's published
   * schema and limits. Throws InvalidFieldError (src/common/errors) naming the field.
   */
  render(input: RenderInput): RenderedMessage;
  /** One provider call. Throws ChannelSendError, classified retryable or not. */
  send(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }): Promise<SendResult>;
  /** For `lookup`: the provider id of a message recado may have sent, or null when the provider has none. */
  lookupSent?(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }): Promise<string | null>;
  /**
   * A reply to the customer's last message on this channel account: how the channel threads it
   * (e-mail: In-Reply-To/References and "Re:" the subject). Channels without threading omit it.
   */
  threadReply?(lastInbound: { providerMessageId: string; body: Record<string, unknown> }, content: MessageContent): {
    content: MessageContent;
    inReplyTo?: RenderInput['inReplyTo'];
  };
  /** Checks a channel account's settings and secrets when it is connected; throws InvalidFieldError. */
  validateAccount(settings: Record<string, unknown>, secrets: Record<string, string>): void;
}

/** A provider refused or failed a send; `retryable` decides whether the send workflow tries again. */
export class ChannelSendError extends Error {
  override readonly name = 'ChannelSendError';

  constructor(
    message: string,
    readonly retryable: boolean,
    /** The provider's own code (131047, 403, UNREGISTERED, 550…), as text. */
    readonly code: string | null = null,
    /** Waited for before a retry, when the provider says (Telegram retry_after, HTTP Retry-After). */
    readonly retryAfterMs: number | null = null,
    /** The provider's error as it gave it (stored on the message; never credentials or bodies). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The drivers the worker (send) and the API (render, validate) use, one per channel that is set up. */
export type ChannelDrivers = ReadonlyMap<Channel, ChannelDriver>;
