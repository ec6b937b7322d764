import { fillParameters, renderTemplate } from './template-text';

// Shapes as Meta documents them: definitions as GET /{waba-id}/message_templates returns their
// components, sends as the Cloud API's `template` object (positional, and parameter_format NAMED).
describe('renderTemplate', () => {
  it('fills positional {{n}} parameters in order, in the text header and the body, and keeps the footer and buttons', () => {
    const definition = [
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}' },
      { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} foi atualizado: {{3}}. Obrigado, {{1}}!' },
      { type: 'FOOTER', text: 'Farmácia Teste' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Parar avisos' }, { type: 'PHONE_NUMBER', text: 'Ligar', phone_number: '+551140000000' }] },
    ];
    const sent = {
      name: 'pedido_atualizado',
      language: { code: 'pt_BR' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: '88' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Caio' }, { type: 'text', text: '88' }, { type: 'text', text: 'enviado' }] },
      ],
    };
    expect(renderTemplate(definition, sent)).toEqual({
      header: 'Pedido 88',
      body: 'Olá Caio, seu pedido 88 foi atualizado: enviado. Obrigado, Caio!',
      footer: 'Farmácia Teste',
      buttons: [
        { text: 'Parar avisos', url: null },
        { text: 'Ligar', url: null },
      ],
    });
  });

  it('fills named {{name}} parameters by parameter_name, whatever their order in the send', () => {
    const definition = [
      { type: 'HEADER', format: 'TEXT', text: 'Our new sale starts {{sale_start_date}}!' },
      { type: 'BODY', text: 'Hi {{first_name}}, your order {{order_number}} has been confirmed.' },
    ];
    const sent = {
      name: 'order_confirmation',
      language: { code: 'en_US' },
      components: [
        { type: 'header', parameters: [{ type: 'text', parameter_name: 'sale_start_date', text: 'December 1st' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'order_number', text: 'SKBUP2-4CPIG9' },
            { type: 'text', parameter_name: 'first_name', text: 'Jessica' },
          ],
        },
      ],
    };
    expect(renderTemplate(definition, sent)).toMatchObject({
      header: 'Our new sale starts December 1st!',
      body: 'Hi Jessica, your order SKBUP2-4CPIG9 has been confirmed.',
      footer: null,
      buttons: [],
    });
  });

  it('shows currency and date_time parameters by their fallback_value, and fills a URL button from its index', () => {
    const definition = [
      { type: 'BODY', text: 'Seu boleto de {{1}} vence em {{2}}.' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Já paguei' }, { type: 'URL', text: 'Ver boleto', url: 'https://loja.example/boleto/{{1}}' }] },
    ];
    const sent = {
      name: 'boleto_lembrete',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'currency', currency: { fallback_value: 'R$ 100,99', code: 'BRL', amount_1000: 100990 } },
            { type: 'date_time', date_time: { fallback_value: '25 de fevereiro' } },
          ],
        },
        { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'PAGO' }] },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'b-7781' }] },
      ],
    };
    expect(renderTemplate(definition, sent)).toEqual({
      header: null,
      body: 'Seu boleto de R$ 100,99 vence em 25 de fevereiro.',
      footer: null,
      buttons: [
        { text: 'Já paguei', url: null },
        { text: 'Ver boleto', url: 'https://loja.example/boleto/b-7781' },
      ],
    });
  });

  it('reads a template without parameters, a media header as no header, and gives null without a body', () => {
    const definition = [{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW'] } }, { type: 'BODY', text: 'Welcome and congratulations!!' }];
    expect(renderTemplate(definition, { name: 'hello_world', language: { code: 'en_US' } })).toEqual({
      header: null,
      body: 'Welcome and congratulations!!',
      footer: null,
      buttons: [],
    });
    expect(renderTemplate([{ type: 'HEADER', format: 'TEXT', text: 'Oi' }], {})).toBeNull();
    expect(renderTemplate(undefined, {})).toBeNull();
    expect(renderTemplate('not components', null)).toBeNull();
  });
});

describe('fillParameters', () => {
  it('leaves a placeholder without a value as written, tolerates spaces inside the braces, and never rescans values', () => {
    expect(fillParameters('Olá {{1}}, pedido {{2}}', [{ type: 'text', text: 'Ana' }])).toBe('Olá Ana, pedido {{2}}');
    expect(fillParameters('Olá {{ 1 }}', [{ type: 'text', text: 'Ana' }])).toBe('Olá Ana');
    expect(fillParameters('{{name}} e {{1}}', [{ type: 'text', text: '{{1}}' }])).toBe('{{name}} e {{1}}');
    expect(fillParameters('{{1}}{{2}}', [{ type: 'text', text: '{{2}}' }, { type: 'text', text: 'x' }])).toBe('{{2}}x');
    expect(fillParameters('Oi {{first_name}}', [{ type: 'image', image: { link: 'https://x' }, parameter_name: 'first_name' }])).toBe('Oi {{first_name}}');
  });
});
