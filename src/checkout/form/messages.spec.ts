import type { LeadErrorCode, LeadField } from '../lead';
import { validateLead } from '../lead';
import { FORM_LANGS, FORM_MESSAGES, fieldErrorText, formLang } from './messages';

describe('formLang', () => {
  it.each([
    [undefined, undefined, 'pt'],
    ['en', undefined, 'en'],
    ['EN', 'pt-BR', 'en'],
    ['en-US', undefined, 'en'],
    ['pt', 'en-US,en;q=0.9', 'pt'],
    ['fr', 'en-US,en;q=0.9', 'en'],
    ['', 'en', 'en'],
    [undefined, 'pt-BR,pt;q=0.9,en;q=0.8', 'pt'],
    [undefined, 'en-GB', 'en'],
    [undefined, 'fr-FR,fr;q=0.9,en;q=0.5,pt;q=0.4', 'en'],
    [undefined, 'pt;q=0.2, en;q=0.7', 'en'],
    [undefined, 'en;q=0, pt;q=0.1', 'pt'],
    [undefined, 'en;q=0', 'pt'],
    [undefined, 'de, fr', 'pt'],
    [undefined, '*', 'pt'],
    [undefined, 'en;q=abc', 'pt'],
    [undefined, '', 'pt'],
  ])('?lang=%j, Accept-Language %j → %s', (query, acceptLanguage, expected) => {
    expect(formLang(query, acceptLanguage)).toBe(expected);
  });
});

describe('form messages', () => {
  const codesByField: Record<LeadField, LeadErrorCode[]> = {
    name: ['required', 'too_long'],
    email: ['required', 'too_long', 'invalid_email'],
    phone: ['required', 'invalid_phone'],
  };

  it.each(FORM_LANGS)('%s has a text for every error validateLead can give', (lang) => {
    for (const [field, codes] of Object.entries(codesByField) as Array<[LeadField, LeadErrorCode[]]>) {
      for (const code of codes) {
        const text = fieldErrorText(lang, { field, code, message: 'fallback' });
        expect(text).not.toBe('fallback');
        expect(text.length).toBeGreaterThan(5);
      }
    }
  });

  it('covers the errors validateLead actually gives', () => {
    const result = validateLead({ name: 'x'.repeat(201), email: 'x', phone: 'x' });
    const missing = validateLead({});
    const errors = [...(result.ok ? [] : result.errors), ...(missing.ok ? [] : missing.errors)];
    expect(errors).toHaveLength(6);
    for (const error of errors) expect(fieldErrorText('pt', error)).not.toBe(error.message);
  });

  it('speaks Portuguese and English', () => {
    expect(fieldErrorText('pt', { field: 'name', code: 'required', message: '' })).toBe('Informe seu nome');
    expect(fieldErrorText('en', { field: 'email', code: 'invalid_email', message: '' })).toMatch(/^Enter a valid e-mail address/);
    expect(FORM_MESSAGES.pt.submit).toBe('Continuar para o pagamento');
    expect(FORM_MESSAGES.en.submit).toBe('Continue to payment');
  });

  it('falls back to the English message for a pairing no table has', () => {
    expect(fieldErrorText('pt', { field: 'name', code: 'invalid_phone', message: 'name is odd' })).toBe('name is odd');
  });

  it('has the same texts in every language', () => {
    const shape = (value: unknown): unknown =>
      value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)])) : typeof value;
    expect(shape(FORM_MESSAGES.en)).toEqual(shape(FORM_MESSAGES.pt));
  });
});
