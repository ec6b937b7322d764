import { validateLead, type LeadFieldError } from '../lead';
import { escapeHtml, formatAmount, renderCheckoutForm, withLang, type CheckoutFormInput } from './checkout-form.page';

const base: CheckoutFormInput = {
  lang: 'pt',
  action: '/v1/checkout-form/loja-1/curso',
  storeName: 'Loja da Ana',
  product: 'Curso de fotografia',
  plan: 'Anual',
  amountMinor: '19700',
  currency: 'BRL',
};

function errorsFor(input: Parameters<typeof validateLead>[0]): LeadFieldError[] {
  const result = validateLead(input);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

/** The <input> tag of a field, to look at its attributes. */
function inputTag(html: string, field: string): string {
  const tag = html.match(new RegExp(`<input id="${field}"[^>]*>`));
  if (!tag) throw new Error(`no input #${field}`);
  return tag[0];
}

describe('renderCheckoutForm', () => {
  it('is a complete Portuguese document with the order and a form that posts without JavaScript', () => {
    const html = renderCheckoutForm(base);
    expect(html.startsWith('<!doctype html>\n<html lang="pt-BR">')).toBe(true);
    expect(html).toContain('<title>Finalize sua compra · Loja da Ana</title>');
    expect(html).toContain('<dd>Curso de fotografia</dd>');
    expect(html).toContain('<dd>Anual</dd>');
    expect(html).toContain('<dd>R$\u00a0197,00</dd>');
    expect(html).toContain('<form method="post" action="/v1/checkout-form/loja-1/curso" novalidate>');
    expect(html).toContain('<input type="hidden" name="lang" value="pt">');
    expect(html).toContain('<button type="submit">Continuar para o pagamento</button>');
    expect(html).not.toMatch(/<script|\son[a-z]+=|javascript:/i);
    expect(html).not.toContain('role="alert"');
    expect(html).toContain('</html>');
  });

  it('speaks English with ?lang=en, and offers the other language', () => {
    const en = renderCheckoutForm({ ...base, lang: 'en' });
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('<dd>R$197.00</dd>');
    expect(en).toContain('<button type="submit">Continue to payment</button>');
    expect(en).toContain('<a href="/v1/checkout-form/loja-1/curso?lang=pt" lang="pt-BR" hreflang="pt-BR">Português</a>');
    expect(renderCheckoutForm(base)).toContain('<a href="/v1/checkout-form/loja-1/curso?lang=en" lang="en" hreflang="en">English</a>');
  });

  it('labels every input and gives it the right type, autocomplete and keyboard', () => {
    const html = renderCheckoutForm(base);
    expect(html).toContain('<label for="name">Nome completo</label>');
    expect(html).toContain('<label for="email">E-mail</label>');
    expect(html).toContain('<label for="phone">Telefone (WhatsApp)</label>');
    expect(inputTag(html, 'name')).toMatch(/name="name" type="text" autocomplete="name".* required/);
    expect(inputTag(html, 'email')).toMatch(/name="email" type="email" autocomplete="email" inputmode="email".* required/);
    expect(inputTag(html, 'phone')).toMatch(/name="phone" type="tel" autocomplete="tel" inputmode="tel".* required/);
    expect(inputTag(html, 'phone')).toContain('aria-describedby="phone-hint"');
    expect(inputTag(html, 'name')).not.toContain('aria-invalid');
  });

  it('leaves out the plan when there is none', () => {
    expect(renderCheckoutForm({ ...base, plan: null })).not.toContain('Plano');
  });

  it('shows errors: "Erro:" in the title, a summary linking to each field, the message beside it', () => {
    const errors = errorsFor({ name: '', email: 'ana@', phone: '4321' });
    const html = renderCheckoutForm({ ...base, errors, values: { name: '', email: 'ana@', phone: '4321' } });
    expect(html).toContain('<title>Erro: Finalize sua compra · Loja da Ana</title>');
    expect(html).toMatch(/<div class="error-summary" role="alert" aria-labelledby="error-summary-heading"[^>]*>\n<h2 id="error-summary-heading">Confira os dados informados<\/h2>/);
    expect(html).toContain('<li><a href="#name">Informe seu nome</a></li>');
    expect(html).toContain('<li><a href="#email">Informe um e-mail válido, como maria@exemplo.com.br</a></li>');
    expect(html).toContain('<li><a href="#phone">Informe um telefone válido com DDD, como (21) 98765-4321</a></li>');
    expect(html).toContain('<p class="error" id="name-error"><span class="visually-hidden">Erro: </span>Informe seu nome</p>');
    expect(inputTag(html, 'name')).toContain('aria-invalid="true" aria-describedby="name-error"');
    expect(inputTag(html, 'email')).toContain('aria-invalid="true" aria-describedby="email-error"');
    expect(inputTag(html, 'phone')).toContain('aria-invalid="true" aria-describedby="phone-hint phone-error"');
    expect(inputTag(html, 'email')).toContain('value="ana@"');
  });

  it('marks only the fields in error, and lists errors in the order of the form', () => {
    const errors: LeadFieldError[] = [
      { field: 'phone', code: 'invalid_phone', message: 'phone must be…' },
      { field: 'email', code: 'required', message: 'email is required' },
    ];
    const html = renderCheckoutForm({ ...base, lang: 'en', errors, values: { name: 'Ana' } });
    expect(html).toContain('<title>Error: Complete your purchase · Loja da Ana</title>');
    expect(inputTag(html, 'name')).not.toContain('aria-invalid');
    expect(inputTag(html, 'name')).toContain('value="Ana"');
    expect(html.indexOf('href="#email"')).toBeLessThan(html.indexOf('href="#phone"'));
    expect(html).toContain('<li><a href="#email">Enter your e-mail address</a></li>');
  });

  it('escapes everything the store or the customer wrote', () => {
    const evil = `"><script>alert('x')</script>&`;
    const html = renderCheckoutForm({
      ...base,
      storeName: evil,
      product: evil,
      plan: evil,
      notice: evil,
      action: `/x?a="><script>`,
      values: { name: evil, email: evil, phone: evil },
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain("alert('x')");
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"');
    expect(html).toContain('<p class="notice" role="status">&quot;&gt;&lt;script&gt;');
    expect(html).toContain('<title>Finalize sua compra · &quot;&gt;&lt;script&gt;');
  });

  it('shows a notice about the whole form', () => {
    expect(renderCheckoutForm({ ...base, notice: 'Tente novamente' })).toContain('<p class="notice" role="status">Tente novamente</p>');
  });
});

describe('formatAmount', () => {
  it.each([
    ['19700', 'BRL', 'pt-BR', 'R$\u00a0197,00'],
    ['19700', 'BRL', 'en', 'R$197.00'],
    ['5', 'BRL', 'pt-BR', 'R$\u00a00,05'],
    ['0', 'BRL', 'en', 'R$0.00'],
    ['123456789012345678901', 'BRL', 'pt-BR', 'R$\u00a01.234.567.890.123.456.789,01'],
    ['1500', 'JPY', 'en', '¥1,500'],
    ['1999', 'USD', 'en', '$19.99'],
  ])('%s %s in %s → %s', (minor, currency, locale, expected) => {
    expect(formatAmount(minor, currency, locale)).toBe(expected);
  });

  it.each(['19.70', '-1', '', 'abc'])('refuses %j', (minor) => {
    expect(() => formatAmount(minor, 'BRL', 'pt-BR')).toThrow(/amountMinor must be digits/);
  });
});

describe('withLang', () => {
  it.each([
    ['/v1/form', 'en', '/v1/form?lang=en'],
    ['/v1/form?store=s1&lang=pt', 'en', '/v1/form?store=s1&lang=en'],
    ['form?x=1#top', 'pt', 'form?x=1&lang=pt#top'],
    ['https://pay.example.com/f', 'en', 'https://pay.example.com/f?lang=en'],
    ['', 'en', '?lang=en'],
  ] as const)('%s → %s', (action, lang, expected) => {
    expect(withLang(action, lang)).toBe(expected);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
