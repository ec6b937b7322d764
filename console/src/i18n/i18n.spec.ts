import { describe, expect, it } from '@jest/globals';
import { en } from './en';
import { format, placeholders } from './format';
import { pt } from './pt';

describe('console dictionaries', () => {
  it('give every message in both languages with the same placeholders', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(pt).sort());
    const mismatched = (Object.keys(pt) as (keyof typeof pt)[]).filter(
      (key) => placeholders(pt[key]).join() !== placeholders(en[key]).join(),
    );
    expect(mismatched).toEqual([]);
  });

  it('fill placeholders and leave unknown ones visible', () => {
    expect(format('Encontrados: {count}', { count: 3 })).toBe('Encontrados: 3');
    expect(format('Campo: {field}')).toBe('Campo: {field}');
  });
});
