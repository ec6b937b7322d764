import { describe, expect, it } from '@jest/globals';
import { formatMoney, formatRevenue, minorToDecimal } from './revenue';

describe('revenue in the funnel statistics', () => {
  it('turns minor units into a decimal string without a float', () => {
    expect(minorToDecimal('12345', 2)).toBe('123.45');
    expect(minorToDecimal('5', 2)).toBe('0.05');
    expect(minorToDecimal('900719925474099312', 2)).toBe('9007199254740993.12');
    expect(minorToDecimal('700', 0)).toBe('700');
  });

  it('formats each currency in the given language, exactly', () => {
    expect(formatMoney('123456', 'BRL', 'pt-BR')).toBe('R$\u00a01.234,56');
    expect(formatMoney('900719925474099312', 'USD', 'en')).toBe('$9,007,199,254,740,993.12');
    expect(formatMoney('700', 'JPY', 'en')).toBe('¥700');
    expect(formatRevenue({ revenue_by_currency: [] }, 'pt-BR')).toBe('—');
    expect(formatRevenue({ revenue_by_currency: [{ currency: 'BRL', revenue_minor: '2500' }, { currency: 'USD', revenue_minor: '100' }] }, 'en')).toBe('R$25.00 + $1.00');
  });
});
