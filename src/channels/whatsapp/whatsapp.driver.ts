import { InvalidFieldError } from '../../common/errors';
import { WhatsAppApiError } from '../../whatsapp/errors';
import type { WhatsAppGraphClient } from '../../whatsapp/graph-client';
import { validateRequestBody } from '../../whatsapp/spec';
import type { SendMessageRequest } from '../../whatsapp/types';
import { ChannelSendError, type ChannelDriver, type MessageContent, type OpenChannelAccount, type RenderInput, type RenderedMessage } from '../driver';

/** WhatsApp's limits on a free-form interactive message with reply buttons. */
export const REPLY_BUTTONS_MAX = 3;
export const REPLY_BUTTON_TITLE_MAX = 20;
const INTERACTIVE_BODY_MAX = 1024;
const TEXT_BODY_MAX = 4096;

export interface WhatsAppDriverDeps {
  /** A Graph client authenticated with the number's own access token (whatsapp_numbers, sealed). */
  graphClientFor(channelAccountId: string): Promise<WhatsAppGraphClient>;
}

/**
 * Whether `content` can go out as the free-form equivalent of its template: the same text, at
 * most three reply buttons with titles of at most 20 characters, media as the header.
 */
export function convertibleToFreeForm(content: MessageContent): boolean {
  const buttons = content.buttons ?? [];
  return (
    buttons.length <= REPLY_BUTTONS_MAX &&
    buttons.every((b) => [...b.title].length <= REPLY_BUTTON_TITLE_MAX) &&
    [...content.text].length <= (buttons.length ? INTERACTIVE_BODY_MAX : TEXT_BODY_MAX) &&
    (content.media === undefined || content.media.kind !== 'audio' || buttons.length === 0)
  );
}

/** The Cloud API request for neutral content: free-form (text, media, reply buttons) or the approved template. */
export function renderWhatsApp(content: MessageContent, to: string, messageId: string, asTemplate: boolean): RenderedMessage {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to, biz_opaque_callback_data: messageId };
  let type: string;
  let payload: Record<string, unknown>;
  if (asTemplate) {
    if (!content.template) throw new InvalidFieldError('content.template', 'is required to reach WhatsApp outside the 24 h window');
    type = 'template';
    // A NAMED template's parameters carry the placeholder they fill (parameter_name); positional ones go in order.
    const parameters = [
      ...(content.template.parameters ?? []).map((text) => ({ type: 'text', text })),
      ...(content.template.named_parameters ?? []).map((p) => ({ type: 'text', parameter_name: p.name, text: p.text })),
    ];
    payload = {
      name: content.template.name,
      language: { code: content.template.language },
      ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}),
    };
  } else if (content.buttons?.length) {
    content.buttons.forEach((b, i) => {
      if ([...b.title].length > REPLY_BUTTON_TITLE_MAX) {
        throw new InvalidFieldError(`content.buttons[${i}].title`, `WhatsApp reply button titles have at most ${REPLY_BUTTON_TITLE_MAX} characters`);
      }
    });
    if (content.buttons.length > REPLY_BUTTONS_MAX) throw new InvalidFieldError('content.buttons', `WhatsApp allows at most ${REPLY_BUTTONS_MAX} reply buttons`);
    type = 'interactive';
    const media = content.media;
    payload = {
      type: 'button',
      ...(media && media.kind !== 'audio' ? { header: { type: media.kind, [media.kind]: { link: media.url, ...(media.kind === 'document' && media.filename ? { filename: media.filename } : {}) } } } : {}),
      body: { text: content.text },
      action: { buttons: content.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
    };
  } else if (content.media) {
    const m = content.media;
    type = m.kind;
    payload = { link: m.url, ...(m.kind !== 'audio' && content.text ? { caption: content.text } : {}), ...(m.kind === 'document' && m.filename ? { filename: m.filename } : {}) };
  } else {
    type = 'text';
    payload = { body: content.text };
  }
  const body = { ...base, type, [type]: payload };
  const check = validateRequestBody('post', '/{Version}/{Phone-Number-ID}/messages', body);
  if (!check.ok) throw new InvalidFieldError('content', check.errors.join('; '));
  return { type, body };
}

/** WhatsApp Cloud API as one channel driver: a number is a channel account, its address the phone_number_id. */
export function createWhatsAppDriver(deps: WhatsAppDriverDeps): ChannelDriver {
  return {
    channel: 'whatsapp',
    identityKind: 'whatsapp',
    capabilities: { text: true, template: true, buttons: true, media: true, readReceipts: true, deliveryReceipts: true },
    // Every send carries recado's id in biz_opaque_callback_data, which Meta echoes in status webhooks.
    unknownOutcome: 'await-receipt',

    render(input: RenderInput): RenderedMessage {
      return renderWhatsApp(input.content, input.recipient, input.messageId, input.asTemplate ?? false);
    },

    async send(account: OpenChannelAccount, message: { id: string; body: Record<string, unknown> }) {
      const graph = await deps.graphClientFor(account.id);
      try {
        const response = await graph.sendMessage(account.address, message.body as unknown as SendMessageRequest);
        const id = response.messages?.[0]?.id;
        if (!id) throw new ChannelSendError('Graph API accepted the message but returned no message id', true);
        return { providerMessageId: id };
      } catch (err) {
        if (err instanceof WhatsAppApiError) {
          const details = { code: err.code ?? null, subcode: err.subcode ?? null, type: err.name };
          throw new ChannelSendError(err.message, err.retryable, err.code === undefined ? err.name : String(err.code), null, details);
        }
        throw err;
      }
    },

    validateAccount() {
      // WhatsApp numbers are connected through POST /v1/whatsapp-numbers, which checks them.
    },
  };
}
