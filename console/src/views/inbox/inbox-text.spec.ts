import { describe, expect, it } from '@jest/globals';
import { messageText } from './message-text';
import { hoursBetween, replyReason } from './reply-reason';
import { fillTemplate, templateComplete } from './template-fill';

const HOUR = 3_600_000;

describe('the words a thread shows for a message', () => {
  it('reads each channel’s shape, inbound and outbound', () => {
    expect(messageText('text', { messaging_product: 'whatsapp', type: 'text', text: { body: 'Oi' } })).toBe('Oi');
    expect(messageText('image', { type: 'image', image: { id: 'm1', caption: 'A nota' } })).toBe('A nota');
    expect(messageText('text', { chat_id: 7, text: 'pelo Telegram' })).toBe('pelo Telegram');
    expect(messageText('email', { subject: 'Pedido 12', text: '' })).toBe('Pedido 12');
    expect(messageText('interactive', { interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Sim' } } })).toBe('Sim');
    expect(messageText('template', { type: 'template', template: { name: 'pedido_atualizado' } })).toBe('pedido_atualizado');
    const template = { name: 'pedido_atualizado', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '7' }] }] };
    expect(messageText('template', { type: 'template', template })).toBe('pedido_atualizado: Ana, 7');
  });

  it('gives nothing when the message has no words (the view shows its type)', () => {
    expect(messageText('sticker', { sticker: { id: 's1' } })).toBeUndefined();
    expect(messageText('text', null)).toBeUndefined();
  });
});

describe('templates in the reply box', () => {
  it('fill {{n}} in order and leave an empty one visible', () => {
    expect(fillTemplate('Olá {{1}}, seu pedido {{2}} foi {{3}}.', ['Ana', '7', 'enviado'])).toBe('Olá Ana, seu pedido 7 foi enviado.');
    expect(fillTemplate('Olá {{1}}, pedido {{2}}', ['Ana', ' '])).toBe('Olá Ana, pedido {{2}}');
  });

  it('go only with every parameter given', () => {
    expect(templateComplete(2, ['Ana', '7'])).toBe(true);
    expect(templateComplete(2, ['Ana'])).toBe(false);
    expect(templateComplete(1, ['  '])).toBe(false);
    expect(templateComplete(0, [])).toBe(true);
  });
});

describe('why a reply goes free-form or only as a template', () => {
  const now = new Date('2026-05-02T12:00:00Z');

  it('counts whole hours since the customer last wrote', () => {
    expect(hoursBetween('2026-05-01T10:00:00Z', now)).toBe(26);
    expect(hoursBetween('2026-05-02T11:59:00Z', now)).toBe(0);
    expect(hoursBetween('2026-05-03T00:00:00Z', now)).toBe(0);
  });

  it('says when the window closes, and how long ago a closed one was opened', () => {
    const lastInbound = new Date(now.getTime() - 2 * HOUR).toISOString();
    const closes = new Date(now.getTime() + 22 * HOUR).toISOString();
    expect(replyReason({ mode: 'free_form', reason: 'window_open', last_inbound_at: lastInbound, window_closes_at: closes }, now)).toEqual({
      key: 'reply.reason.open',
      params: { hours: 2, left: 22 },
    });
    expect(replyReason({ mode: 'template_only', reason: 'window_closed', last_inbound_at: '2026-05-01T10:00:00Z', window_closes_at: null }, now)).toEqual({
      key: 'reply.reason.closed',
      params: { hours: 26 },
    });
    expect(replyReason({ mode: 'template_only', reason: 'never_wrote', last_inbound_at: null, window_closes_at: null }, now).key).toBe('reply.reason.never');
    expect(replyReason({ mode: 'free_form', reason: 'no_window', last_inbound_at: null, window_closes_at: null }, now).key).toBe('reply.reason.noWindow');
    expect(replyReason({ mode: 'none', reason: 'opted_out', last_inbound_at: null, window_closes_at: null }, now).key).toBe('reply.reason.optedOut');
  });
});
