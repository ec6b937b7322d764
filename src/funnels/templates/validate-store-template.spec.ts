import { InvalidFieldError } from '../../common/errors';
import { checkMetaTemplate, validateStoreTemplate, type StoreTemplateInput } from './validate-store-template';

const base = (over: Partial<StoreTemplateInput> = {}, content: Partial<StoreTemplateInput['content']> = {}): StoreTemplateInput => ({
  event_type: 'boleto_issued',
  category: 'utility',
  ...over,
  content: { body: 'Olá {{first_name}}, seu boleto de {{value}}: {{boleto_url}}', ...content },
});

function fieldOf(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidFieldError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected an InvalidFieldError');
}

describe('validateStoreTemplate', () => {
  it('applies the defaults and trims texts', () => {
    expect(validateStoreTemplate(base({}, { header: '  ', footer: ' Loja Centro ', buttons: [{ type: 'reply', text: ' Já paguei ' }] }))).toEqual({
      event_type: 'boleto_issued',
      step: null,
      variant: 'A',
      weight: 1,
      enabled: true,
      category: 'utility',
      content: { body: 'Olá {{first_name}}, seu boleto de {{value}}: {{boleto_url}}', footer: 'Loja Centro', buttons: [{ type: 'reply', text: 'Já paguei' }] },
      meta_template: null,
    });
  });

  it("enforces WhatsApp's lengths, naming the field", () => {
    expect(validateStoreTemplate(base({}, { body: 'x'.repeat(1024) })).content.body).toHaveLength(1024);
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'x'.repeat(1025) })))).toMatchObject({ field: 'content.body', message: expect.stringContaining('1024') });
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: '   ' })))).toMatchObject({ field: 'content.body' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { header: 'h'.repeat(61) })))).toMatchObject({ field: 'content.header', message: expect.stringContaining('60') });
    expect(fieldOf(() => validateStoreTemplate(base({}, { footer: 'f'.repeat(61) })))).toMatchObject({ field: 'content.footer' });
    // Characters, not UTF-16 units: 20 emoji are 20 characters.
    expect(validateStoreTemplate(base({}, { buttons: [{ type: 'reply', text: '😀'.repeat(20) }] })).content.buttons).toHaveLength(1);
  });

  it('allows three buttons with texts of at most 20 characters, http(s) URLs', () => {
    const reply = (text: string) => ({ type: 'reply', text });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [reply('a'), reply('b'), reply('c'), reply('d')] })))).toMatchObject({ field: 'content.buttons' });
    expect(
      fieldOf(() => validateStoreTemplate(base({}, { buttons: [reply('a'), reply('b'), { type: 'url', text: 'Pagar', url: 'https://x.test' }, reply('d')] }))),
    ).toMatchObject({ field: 'content.buttons' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [reply('a'), reply('b'), reply('c'.repeat(21))] })))).toMatchObject({
      field: 'content.buttons[2].text',
      message: expect.stringContaining('20'),
    });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [{ type: 'url', text: 'Abrir', url: 'ftp://x.test/a' }] })))).toMatchObject({ field: 'content.buttons[0].url' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [{ type: 'url', text: 'Abrir', url: 'not a url' }] })))).toMatchObject({ field: 'content.buttons[0].url' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [{ type: 'url', text: 'Abrir' }] })))).toMatchObject({ field: 'content.buttons[0].url' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [reply('Sim'), reply('sim')] })))).toMatchObject({ field: 'content.buttons[1].text' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [reply('Oi {{name}}')] })))).toMatchObject({ field: 'content.buttons[0].text' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [{ type: 'call', text: 'x' }] })))).toMatchObject({ field: 'content.buttons[0].type' });
    const ok = validateStoreTemplate(
      base({}, { buttons: [{ type: 'url', text: 'Pagar', url: '{{payment_link}}' }, { type: 'url', text: 'Pedido', url: 'https://loja.test/p/{{order_id}}' }] }),
    );
    expect(ok.content.buttons).toEqual([
      { type: 'url', text: 'Pagar', url: '{{payment_link}}' },
      { type: 'url', text: 'Pedido', url: 'https://loja.test/p/{{order_id}}' },
    ]);
    // A variable that is not a URL cannot be the whole URL.
    expect(fieldOf(() => validateStoreTemplate(base({}, { buttons: [{ type: 'url', text: 'x', url: '{{order_id}}' }] })))).toMatchObject({ field: 'content.buttons[0].url' });
  });

  it('checks the variable syntax and names', () => {
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'Olá {{nome}}' })))).toMatchObject({ field: 'content.body', message: expect.stringContaining('{{nome}}') });
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'Olá {{name}' })))).toMatchObject({ field: 'content.body', message: expect.stringContaining('unbalanced') });
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'Olá name}} e {{value}}' })))).toMatchObject({ field: 'content.body', message: expect.stringContaining('unbalanced') });
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'Olá {{}}' })))).toMatchObject({ field: 'content.body' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { header: 'Pedido {{pedido}}' })))).toMatchObject({ field: 'content.header', message: expect.stringContaining('{{pedido}}') });
    expect(fieldOf(() => validateStoreTemplate(base({}, { header: '{{name}} {{order_id}}' })))).toMatchObject({ field: 'content.header' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { footer: '{{store_name}}' })))).toMatchObject({ field: 'content.footer' });
    expect(validateStoreTemplate(base({}, { body: 'Olá {{ first_name }}!' })).content.body).toBe('Olá {{ first_name }}!');
    // var.<key> belongs to custom events only.
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'Live às {{var.hora}}' })))).toMatchObject({ field: 'content.body', message: expect.stringContaining('var.hora') });
    expect(validateStoreTemplate(base({ event_type: 'custom', category: 'marketing' }, { body: 'Live às {{var.hora}}' })).event_type).toBe('custom');
  });

  it('checks the other fields', () => {
    expect(fieldOf(() => validateStoreTemplate(base({ event_type: 'order_lost' })))).toMatchObject({ field: 'event_type' });
    expect(fieldOf(() => validateStoreTemplate(base({ category: 'authentication' })))).toMatchObject({ field: 'category' });
    expect(fieldOf(() => validateStoreTemplate(base({ step: -1 })))).toMatchObject({ field: 'step' });
    expect(fieldOf(() => validateStoreTemplate(base({ step: 1.5 })))).toMatchObject({ field: 'step' });
    expect(fieldOf(() => validateStoreTemplate(base({ weight: 1001 })))).toMatchObject({ field: 'weight' });
    expect(fieldOf(() => validateStoreTemplate(base({ variant: 'B C' })))).toMatchObject({ field: 'variant' });
    expect(fieldOf(() => validateStoreTemplate(base({}, { body: 'a\u0000b' })))).toMatchObject({ field: 'content.body' });
    expect(fieldOf(() => validateStoreTemplate(base({ meta_template: { name: 'Boleto', language: 'pt_BR' } })))).toMatchObject({ field: 'meta_template.name' });
    expect(fieldOf(() => validateStoreTemplate(base({ meta_template: { name: 'boleto', language: 'portuguese' } })))).toMatchObject({ field: 'meta_template.language' });
    expect(validateStoreTemplate(base({ step: 2, variant: 'B', weight: 0, enabled: false }))).toMatchObject({ step: 2, variant: 'B', weight: 0, enabled: false });
  });
});

describe('checkMetaTemplate', () => {
  const template = validateStoreTemplate(base({ meta_template: { name: 'boleto_lembrete', language: 'pt_BR' } }, { body: 'Olá {{first_name}}, boleto de {{value}}, vence {{pix_expires_at}}: {{boleto_line}}' }));
  const listing = { name: 'boleto_lembrete', language: 'pt_BR', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Olá {{1}}, seu boleto de {{2}} vence em {{3}}. Código: {{4}}' }] };

  it('accepts an approved template of the same category taking as many parameters as the body has variables', () => {
    expect(() => checkMetaTemplate(listing, template)).not.toThrow();
  });

  it('names meta_template.name when it is missing or not approved, category when it disagrees, content.body when the parameters do not match', () => {
    expect(fieldOf(() => checkMetaTemplate(undefined, template))).toMatchObject({ field: 'meta_template.name' });
    expect(fieldOf(() => checkMetaTemplate({ ...listing, status: 'REJECTED' }, template))).toMatchObject({ field: 'meta_template.name', message: expect.stringContaining('REJECTED') });
    expect(fieldOf(() => checkMetaTemplate({ ...listing, category: 'MARKETING' }, template))).toMatchObject({ field: 'category', message: expect.stringContaining('MARKETING') });
    expect(fieldOf(() => checkMetaTemplate({ ...listing, components: [{ type: 'BODY', text: 'Olá {{1}}' }] }, template))).toMatchObject({ field: 'content.body' });
  });
});
