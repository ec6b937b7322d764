import { validateLead, type LeadFieldError } from './lead';

const valid = { name: 'Maria da Silva', email: 'maria@example.com', phone: '(21) 98765-4321' };
const validLead = { ...valid, phone: '+5521987654321' };

function errorsOf(input: Parameters<typeof validateLead>[0], country?: string): Array<Pick<LeadFieldError, 'field' | 'code'>> {
  const result = validateLead(input, country);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.lead)}`);
  return result.errors.map(({ field, code }) => ({ field, code }));
}

describe('validateLead', () => {
  it('accepts a complete lead and normalises it', () => {
    expect(validateLead({ name: '  Maria   da\nSilva ', email: ' Maria@Example.COM ', phone: '(21) 98765-4321' })).toEqual({
      ok: true,
      lead: { name: 'Maria da Silva', email: 'maria@example.com', phone: '+5521987654321' },
    });
  });

  describe('phone, Brazil by default', () => {
    it.each([
      ['(21) 98765-4321', '+5521987654321'],
      ['21987654321', '+5521987654321'],
      ['021 98765-4321', '+5521987654321'],
      ['21 98765 4321', '+5521987654321'],
      ['+55 21 98765-4321', '+5521987654321'],
      ['5521987654321', '+5521987654321'],
      ['(11) 3216-5498', '+551132165498'],
      ['+1 415 555 2671', '+14155552671'],
      ['0044 20 7946 0958', '+442079460958'],
    ])('%s → %s', (phone, e164) => {
      const result = validateLead({ ...valid, phone });
      expect(result).toEqual({ ok: true, lead: { ...valid, phone: e164 } });
    });

    it('takes the digits sent as a JSON number', () => {
      expect(validateLead({ ...valid, phone: 5521987654321 })).toEqual({ ok: true, lead: { ...valid, phone: '+5521987654321' } });
    });

    it('reads a national number with the given country', () => {
      expect(validateLead({ ...valid, phone: '(415) 555-2671' }, 'US')).toEqual({ ok: true, lead: { ...valid, phone: '+14155552671' } });
    });

    it.each(['98765-4321', '(21) 8765', 'call me', '+55 21 9876x-4321', '1'.repeat(41), '+', '00'])('%j is not a phone', (phone) => {
      expect(errorsOf({ ...valid, phone })).toEqual([{ field: 'phone', code: 'invalid_phone' }]);
    });

    it.each([true, {}, ['21987654321'], -5, 1.5])('%j of the wrong type is not a phone', (phone) => {
      expect(errorsOf({ ...valid, phone })).toEqual([{ field: 'phone', code: 'invalid_phone' }]);
    });

    it('explains the expected form with a Brazilian example, naming the field', () => {
      const result = validateLead({ ...valid, phone: '4321' });
      expect(!result.ok && result.errors[0].message).toBe(
        'phone must be a phone number with its area code, like (21) 98765-4321 or +5521987654321',
      );
    });

    it('gives an international example outside Brazil', () => {
      const result = validateLead({ ...valid, phone: '12' }, 'US');
      expect(!result.ok && result.errors[0].message).toMatch(/^phone must be .*\+14155552671/);
    });
  });

  describe('email', () => {
    it.each(['ana@example.com.br', 'a.b+tag@sub.example.org', 'x@y.co'])('%s is accepted', (email) => {
      expect(validateLead({ ...valid, email })).toEqual({ ok: true, lead: { ...validLead, email } });
    });

    it.each(['maria', 'maria@', '@example.com', 'maria@example', 'maria@@example.com', 'ma ria@example.com', 'maria@example..com', 'maria@.example.com', 'a@b@example.com'])(
      '%j is not an e-mail address',
      (email) => {
        expect(errorsOf({ ...valid, email })).toEqual([{ field: 'email', code: 'invalid_email' }]);
      },
    );

    it('refuses an address past 254 characters', () => {
      const email = `${'a'.repeat(64)}@${'b'.repeat(186)}.com`;
      expect(email.length).toBe(255);
      expect(errorsOf({ ...valid, email })).toEqual([{ field: 'email', code: 'too_long' }]);
      const longest = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
      expect(validateLead({ ...valid, email: longest }).ok).toBe(true);
    });

    it('refuses a non-string', () => {
      expect(errorsOf({ ...valid, email: 42 })).toEqual([{ field: 'email', code: 'invalid_email' }]);
    });
  });

  describe('name', () => {
    it('keeps accents and counts characters as people do', () => {
      const name = 'João Ñandú 😀'.padEnd(200, 'x') + '😀';
      expect([...name].length).toBe(200);
      expect(name.length).toBeGreaterThan(200);
      expect(validateLead({ ...valid, name })).toEqual({ ok: true, lead: { ...validLead, name } });
    });

    it('refuses more than 200 characters', () => {
      expect(errorsOf({ ...valid, name: 'a'.repeat(201) })).toEqual([{ field: 'name', code: 'too_long' }]);
    });

    it.each(['', '   ', '\n\t', null, undefined, 7])('%j is no name', (name) => {
      expect(errorsOf({ ...valid, name })).toEqual([{ field: 'name', code: 'required' }]);
    });
  });

  it('reports every missing field at once, each message naming its field', () => {
    const result = validateLead({});
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'name', code: 'required', message: 'name is required' },
        { field: 'email', code: 'required', message: 'email is required' },
        { field: 'phone', code: 'required', message: 'phone is required' },
      ],
    });
  });

  it('reports every invalid field at once', () => {
    expect(errorsOf({ name: 'x'.repeat(300), email: 'nope', phone: '123' })).toEqual([
      { field: 'name', code: 'too_long' },
      { field: 'email', code: 'invalid_email' },
      { field: 'phone', code: 'invalid_phone' },
    ]);
  });

  it('names the field in every message', () => {
    const result = validateLead({ name: 'x'.repeat(300), email: 'y'.repeat(300), phone: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const error of result.errors) expect(error.message.startsWith(`${error.field} `)).toBe(true);
  });
});
