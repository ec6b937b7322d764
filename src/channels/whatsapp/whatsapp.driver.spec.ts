import { InvalidFieldError } from '../../common/errors';
import { convertibleToFreeForm, renderWhatsApp } from './whatsapp.driver';

const content = {
  text: 'Seu pedido #123 saiu para entrega',
  buttons: [
    { id: 'track', title: 'Rastrear' },
    { id: 'talk', title: 'Falar com atendente' },
  ],
  media: { kind: 'image' as const, url: 'https://example.com/pedido.jpg' },
  template: { name: 'order_shipped', language: 'pt_BR', parameters: ['#123'] },
};

describe('renderWhatsApp', () => {
  it('renders the free-form equivalent: the same text, reply buttons and the media as header', () => {
    const { type, body } = renderWhatsApp(content, '5511987654321', 'msg-1', false);
    expect(type).toBe('interactive');
    expect(body).toMatchObject({
      to: '5511987654321',
      biz_opaque_callback_data: 'msg-1',
      interactive: {
        type: 'button',
        header: { type: 'image', image: { link: 'https://example.com/pedido.jpg' } },
        body: { text: content.text },
        action: { buttons: [{ type: 'reply', reply: { id: 'track', title: 'Rastrear' } }, { type: 'reply', reply: { id: 'talk', title: 'Falar com atendente' } }] },
      },
    });
  });

  it('renders the approved template with its body parameters', () => {
    const { type, body } = renderWhatsApp(content, '5511987654321', 'msg-1', true);
    expect(type).toBe('template');
    expect(body.template).toEqual({
      name: 'order_shipped',
      language: { code: 'pt_BR' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: '#123' }] }],
    });
  });

  it('renders a NAMED template with each body parameter naming its placeholder (parameter_name), as Meta’s spec allows', () => {
    const named = { text: 'Olá Ana', template: { name: 'pedido_enviado', language: 'pt_BR', named_parameters: [{ name: 'nome', text: 'Ana' }, { name: 'pedido', text: '1042' }] } };
    const { body } = renderWhatsApp(named, '5511987654321', 'msg-2', true);
    expect(body.template).toEqual({
      name: 'pedido_enviado',
      language: { code: 'pt_BR' },
      components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'nome', text: 'Ana' }, { type: 'text', parameter_name: 'pedido', text: '1042' }] }],
    });
  });

  it('names the field WhatsApp would refuse', () => {
    const long = { text: 'x', buttons: [{ id: 'a', title: 'Um título longo demais para o WhatsApp' }] };
    expect(() => renderWhatsApp(long, '5511987654321', 'm', false)).toThrow(new InvalidFieldError('content.buttons[0].title', 'WhatsApp reply button titles have at most 20 characters'));
    expect(() => renderWhatsApp({ text: 'x' }, '5511987654321', 'm', true)).toThrow(/content.template/);
  });

  it('knows what can be converted', () => {
    expect(convertibleToFreeForm(content)).toBe(true);
    expect(convertibleToFreeForm({ ...content, buttons: [...content.buttons, { id: 'c', title: 'c' }, { id: 'd', title: 'd' }] })).toBe(false);
  });
});
