import { InvalidStorePayloadError } from '../canonical-event';
import { phoneToE164 } from './customer';
import { decimalToMinor, integerMinor } from './money';
import { parseBody, Reader } from './read';

describe('money in minor units, by string arithmetic', () => {
  it.each([
    ['199.90', 'BRL', '19990'],
    ['150.9', 'BRL', '15090'],
    ['100', 'BRL', '10000'],
    ['0.1', 'BRL', '10'],
    ['1000', 'JPY', '1000'],
    ['1.234', 'KWD', '1234'],
    ['199.900', 'BRL', '19990'],
    ['1.5e2', 'BRL', '15000'],
    ['90071992547409.93', 'BRL', '9007199254740993'],
    ['-5.5', 'USD', '-550'],
  ])('%s %s → %s', (value, currency, minor) => {
    expect(decimalToMinor(value, currency)).toEqual({ ok: true, money: { amountMinor: minor, currency } });
  });

  it('refuses amounts that would need rounding, and non-numbers', () => {
    expect(decimalToMinor('1.999', 'BRL').ok).toBe(false);
    expect(decimalToMinor('10.5', 'JPY').ok).toBe(false);
    expect(decimalToMinor('R$ 10', 'BRL').ok).toBe(false);
    expect(integerMinor('12.5', 'BRL').ok).toBe(false);
    expect(integerMinor('012356', 'BRL')).toEqual({ ok: true, money: { amountMinor: '12356', currency: 'BRL' } });
  });
});

describe('phones to E.164, Brazil by default', () => {
  it.each([
    ['+55 (11) 98765-4321', '+5511987654321'],
    ['5511987654321', '+5511987654321'],
    ['11987654321', '+5511987654321'],
    ['(11) 98765-4321', '+5511987654321'],
    ['011987654321', '+5511987654321'],
    ['0 21 11 98765-4321', '+5511987654321'],
    ['1132165498', '+551132165498'],
    ['0055 11 98765-4321', '+5511987654321'],
    ['99999999900', '+5599999999900'],
  ])('%s → %s', (raw, e164) => {
    expect(phoneToE164(raw)).toEqual({ ok: true, e164 });
  });

  it('reads a national number with the address country', () => {
    expect(phoneToE164('123-123-1234', 'CA')).toEqual({ ok: true, e164: '+11231231234' });
  });

  it.each(['98765-4321', '555-555-SHIP', '+55 11 97529-1fd3', ''])('%j is unreadable', (raw) => {
    expect(phoneToE164(raw).ok).toBe(false);
  });
});

describe('lossless body reading', () => {
  it('keeps ids above 2^53 exactly and reports a number where text was expected', () => {
    const warnings: string[] = [];
    const r = Reader.root(parseBody('{"id": 820982911946154508, "name": 12, "a": {"b": [1, {"c": true}]}}'), (m) => warnings.push(m));
    expect(r.id('id')).toBe('820982911946154508');
    expect(r.text('name')).toBe('12');
    expect(r.obj('a')?.list('b')).toHaveLength(1);
    expect(warnings).toEqual(['name: number read as text', 'a.b[0]: ignored: not an object']);
  });

  it.each(['not json', '[1,2]', '"text"', '{"a": 1,}', ''])('%j is unreadable', (body) => {
    expect(() => parseBody(body)).toThrow(InvalidStorePayloadError);
  });
});
