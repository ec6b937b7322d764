import type { CanonicalEvent } from '../../stores/canonical-event';
import type { StoreTemplateRow } from '../model';
import { formatMoney, renderStoreTemplate, type RenderContext } from './render-template';

const event = (over: Partial<CanonicalEvent> = {}): CanonicalEvent => ({
  type: 'boleto_issued',
  platform: 'asaas',
  platformEventId: 'evt_1',
  platformEventType: 'PAYMENT_CREATED',
  occurredAt: '2024-11-21T12:00:00Z',
  customer: { phone: '+5511987654321', email: 'ana@example.com', name: 'Ana Maria Souza' },
  orderId: '9007199254740993',
  cartId: null,
  amount: { amountMinor: '123450', currency: 'BRL' },
  product: 'Plano Anual',
  artefacts: {
    boletoUrl: 'https://asaas.test/b/123',
    boletoLine: '23793.38128 60000.000003 00000.000400 1 84340000123450',
    pixCode: '00020126580014br.gov.bcb.pix',
    pixExpiresAt: '2024-11-22T02:59:00Z',
    paymentUrl: 'https://asaas.test/i/123',
  },
  ...over,
});

const template = (content: StoreTemplateRow['content'], over: Partial<StoreTemplateRow> = {}): StoreTemplateRow => ({
  id: '00000000-0000-4000-8000-000000000001',
  account_id: 'a',
  store_id: 's',
  event_type: 'boleto_issued',
  step: null,
  variant: 'A',
  weight: 1,
  enabled: true,
  category: 'utility',
  content,
  meta_template: null,
  created_at: new Date(0),
  updated_at: new Date(0),
  ...over,
});

function context(): RenderContext & { linked: string[] } {
  const linked: string[] = [];
  return {
    storeName: 'Farmácia Centro',
    linked,
    link: (url) => {
      linked.push(url);
      return `https://recado.test/r/${linked.length}`;
    },
  };
}

describe('formatMoney', () => {
  it('formats integer minor units in pt-BR, exactly', () => {
    expect(formatMoney({ amountMinor: '123450', currency: 'BRL' })).toBe('R$ 1.234,50');
    expect(formatMoney({ amountMinor: '5', currency: 'brl' })).toBe('R$ 0,05');
    expect(formatMoney({ amountMinor: '-990', currency: 'BRL' })).toMatch(/^-\s?R\$ 9,90$/);
    expect(formatMoney({ amountMinor: '900719925474099312', currency: 'BRL' })).toBe('R$ 9.007.199.254.740.993,12');
    expect(formatMoney({ amountMinor: '1500', currency: 'JPY' })).toBe('JP¥ 1.500');
    expect(formatMoney({ amountMinor: '12.5', currency: 'BRL' })).toBe('');
  });
});

describe('renderStoreTemplate', () => {
  it('fills the variables from the canonical event; URLs go through ctx.link once each', () => {
    const ctx = context();
    const content = renderStoreTemplate(
      template({
        header: 'Pedido {{order_id}}',
        body: 'Olá {{first_name}}! Seu boleto de {{value}} ({{product}}) na {{store_name}}: {{boleto_url}}\nLinha: {{boleto_line}}\nPIX até {{pix_expires_at}}: {{pix_code}}\nDe novo: {{ boleto_url }}',
        footer: 'Responda SAIR para não receber',
        buttons: [
          { type: 'url', text: 'Pagar', url: '{{payment_link}}' },
          { type: 'reply', text: 'Não fui eu' },
          { type: 'url', text: 'Ver pedido', url: 'https://loja.test/pedidos/{{order_id}}' },
        ],
      }),
      event(),
      ctx,
    );
    expect(content.text).toBe(
      'Pedido 9007199254740993\n\nOlá Ana! Seu boleto de R$ 1.234,50 (Plano Anual) na Farmácia Centro: https://recado.test/r/1\n' +
        'Linha: 23793.38128 60000.000003 00000.000400 1 84340000123450\nPIX até 21/11/2024, 23:59: 00020126580014br.gov.bcb.pix\nDe novo: https://recado.test/r/1\n\n' +
        'Responda SAIR para não receber',
    );
    expect(content.subject).toBe('Pedido 9007199254740993');
    expect(content.buttons).toEqual([
      { id: 'LINK_1', title: 'Pagar', url: 'https://recado.test/r/2' },
      { id: 'NAO_FUI_EU', title: 'Não fui eu' },
      { id: 'LINK_3', title: 'Ver pedido', url: 'https://recado.test/r/3' },
    ]);
    expect(ctx.linked).toEqual(['https://asaas.test/b/123', 'https://asaas.test/i/123', 'https://loja.test/pedidos/9007199254740993']);
    expect(content.template).toBeUndefined();
  });

  it('renders missing values as empty, drops URL buttons without a link, and never leaves {{…}} behind', () => {
    const ctx = context();
    const bare = event({ customer: { phone: null, email: null, name: null }, amount: null, product: null, artefacts: {}, orderId: null });
    const content = renderStoreTemplate(
      template({ body: 'Oi {{name}}, {{value}} {{tracking_code}} {{var.cupom}} {{unknown}} {{ broken', buttons: [{ type: 'url', text: 'Rastrear', url: '{{tracking_url}}' }] }),
      bare,
      ctx,
    );
    expect(content.text).toBe('Oi , broken');
    expect(content.text).not.toMatch(/\{\{|\}\}/);
    expect(content.buttons).toBeUndefined();
    expect(content.subject).toBe('Farmácia Centro');
    expect(ctx.linked).toEqual([]);
    // Braces a customer typed into their name are not a variable either.
    expect(renderStoreTemplate(template({ body: 'Oi {{name}}' }), event({ customer: { phone: null, email: null, name: '{{value}}' } }), ctx).text).toBe('Oi value');
  });

  it("fills a custom event's var.<key> variables", () => {
    const content = renderStoreTemplate(
      template({ body: 'Live {{var.titulo}} às {{var.hora}}, {{first_name}}' }, { event_type: 'custom', category: 'marketing' }),
      event({ type: 'custom', variables: { titulo: 'Black Friday', hora: '20h' } }),
      context(),
    );
    expect(content.text).toBe('Live Black Friday às 20h, Ana');
  });

  it('carries the linked Meta template with the body variables as positional parameters, in order', () => {
    const ctx = context();
    const content = renderStoreTemplate(
      template(
        { body: 'Olá {{first_name}}, seu boleto de {{value}} vence em {{pix_expires_at}}. Código: {{boleto_line}} {{boleto_url}}' },
        { meta_template: { name: 'boleto_lembrete', language: 'pt_BR', status: 'APPROVED' } },
      ),
      event(),
      { ...ctx, timeZone: 'UTC' },
    );
    expect(content.template).toEqual({
      name: 'boleto_lembrete',
      language: 'pt_BR',
      parameters: ['Ana', 'R$ 1.234,50', '22/11/2024, 02:59', '23793.38128 60000.000003 00000.000400 1 84340000123450', 'https://recado.test/r/1'],
    });
    expect(ctx.linked).toEqual(['https://asaas.test/b/123']);
  });
});

describe('a NAMED Meta template', () => {
  it("fills the Meta body's names in the order they appear, with the store's variables in theirs", () => {
    const content = renderStoreTemplate(
      template(
        { body: 'Oi {{first_name}}, o pedido {{order_id}} saiu.' },
        {
          meta_template: {
            name: 'pedido_enviado',
            language: 'pt_BR',
            status: 'APPROVED',
            parameter_format: 'NAMED',
            components: [{ type: 'BODY', text: 'Olá {{nome}}, seu pedido {{pedido}} foi enviado. Obrigado, {{nome}}!' }],
          },
        },
      ),
      event(),
      context(),
    );
    expect(content.template).toEqual({
      name: 'pedido_enviado',
      language: 'pt_BR',
      named_parameters: [
        { name: 'nome', text: 'Ana' },
        { name: 'pedido', text: '9007199254740993' },
      ],
    });
    expect(content.template!.parameters).toBeUndefined();
  });
});

describe('due_date', () => {
  it('shows a boleto due day as dd/mm/yyyy and a due date-time in the customer zone', () => {
    const body = (dueAt: string) =>
      renderStoreTemplate(template({ body: 'Vence em {{due_date}}' }), event({ artefacts: { dueAt } }), context()).text;
    expect(body('2026-12-10')).toBe('Vence em 10/12/2026');
    expect(body('2026-12-10T02:00:00Z')).toBe('Vence em 09/12/2026, 23:00');
  });
});
