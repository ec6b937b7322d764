import { messagePreview, PREVIEW_MAX_CHARS } from './message-preview';

describe('messagePreview', () => {
  it('reads each channel’s shape', () => {
    expect(messagePreview({ type: 'text', body: { from: '5511', type: 'text', text: { body: 'Oi, tudo bem?' } } })).toBe('Oi, tudo bem?');
    expect(messagePreview({ type: 'text', body: { chat: { id: 1 }, text: 'pelo Telegram' } })).toBe('pelo Telegram');
    expect(messagePreview({ type: 'email', body: { subject: 'Pedido 12', text: 'Chegou quebrado' } })).toBe('Chegou quebrado');
    expect(messagePreview({ type: 'email', body: { subject: 'Pedido 12', text: '' } })).toBe('Pedido 12');
    expect(messagePreview({ type: 'image', body: { type: 'image', image: { id: 'm1', caption: 'a nota' } } })).toBe('a nota');
    expect(messagePreview({ type: 'interactive', body: { interactive: { type: 'button_reply', button_reply: { id: 'y', title: 'Sim' } } } })).toBe('Sim');
    expect(messagePreview({ type: 'button', body: { button: { id: 'later', title: 'Depois' } } })).toBe('Depois');
  });

  it('prefers the content an outbound message was rendered from', () => {
    const body = { type: 'template', template: { name: 'pedido_atualizado', language: { code: 'pt_BR' } } };
    expect(messagePreview({ type: 'template', body, content: { text: 'Seu pedido saiu' } })).toBe('Seu pedido saiu');
    expect(messagePreview({ type: 'template', body })).toBe('[template pedido_atualizado]');
  });

  it('falls back to the type, flattens whitespace and shortens long text', () => {
    expect(messagePreview({ type: 'sticker', body: { sticker: { id: 's' } } })).toBe('[sticker]');
    expect(messagePreview({ type: 'text', body: null })).toBe('[text]');
    expect(messagePreview({ type: 'text', body: { text: 'linha 1\n\n  linha 2' } })).toBe('linha 1 linha 2');
    const long = messagePreview({ type: 'text', body: { text: 'a'.repeat(500) } });
    expect(long).toHaveLength(PREVIEW_MAX_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });
});
