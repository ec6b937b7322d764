import { InvalidFieldError } from '../../common/errors';
import { parsePlans } from './outbox.config';
import { validateStoreRules } from './store-rules';

function fieldOf(body: unknown): string {
  try {
    validateStoreRules(body);
  } catch (err) {
    if (err instanceof InvalidFieldError) return err.field;
    throw err;
  }
  throw new Error('accepted');
}

describe('store rules', () => {
  it('accepts the whole object and keeps known fields only', () => {
    const rules = {
      min_interval: 'pt30s',
      frequency_cap: 3,
      quiet_hours: { start: '21:00', end: '08:00', transactional: true },
      keywords: [{ words: [' FRAUDE ', 'NÃO FUI EU'], callback_url: 'https://loja.example/fraude', open_conversation: true }],
    };
    expect(validateStoreRules(rules)).toEqual({ ...rules, min_interval: 'PT30S', keywords: [{ ...rules.keywords[0], words: ['FRAUDE', 'NÃO FUI EU'] }] });
    expect(validateStoreRules({})).toEqual({});
    expect(validateStoreRules({ quiet_hours: null })).toEqual({ quiet_hours: null });
  });

  it('names the offending field', () => {
    expect(fieldOf({ quiet_hours: { start: '9pm', end: '08:00' } })).toBe('quiet_hours.start');
    expect(fieldOf({ quiet_hours: { start: '21:00', end: '24:00' } })).toBe('quiet_hours.end');
    expect(fieldOf({ quiet_hours: { start: '21:00', end: '21:00' } })).toBe('quiet_hours.end');
    expect(fieldOf({ quiet_hours: { start: '21:00', end: '08:00', transactional: 'yes' } })).toBe('quiet_hours.transactional');
    expect(fieldOf({ min_interval: '20s' })).toBe('min_interval');
    expect(fieldOf({ min_interval: 'P2D' })).toBe('min_interval');
    expect(fieldOf({ frequency_cap: 0 })).toBe('frequency_cap');
    expect(fieldOf({ frequency_cap: 101 })).toBe('frequency_cap');
    expect(fieldOf({ frequency_cap: 2.5 })).toBe('frequency_cap');
    expect(fieldOf({ keywords: [{ words: ['FRAUDE'], callback_url: 'ftp://x' }] })).toBe('keywords[0].callback_url');
    expect(fieldOf({ keywords: [{ words: ['ok'] }, { words: [] }] })).toBe('keywords[1].words');
    expect(fieldOf({ keywords: [{ words: ['ok', ' '] }] })).toBe('keywords[0].words[1]');
    expect(fieldOf({ pacing: 1 })).toBe('pacing');
    expect(fieldOf([])).toBe('(body)');
  });

  it('reads PLANS, naming what is wrong', () => {
    expect(parsePlans('{"free":{"daily_limit":250,"over_limit":"refuse"}}')).toEqual({ free: { dailyLimit: 250, overLimit: 'refuse' } });
    expect(() => parsePlans('{"free":{"daily_limit":-1,"over_limit":"refuse"}}')).toThrow(/PLANS.*free.daily_limit/);
    expect(() => parsePlans('{"free":{"daily_limit":1,"over_limit":"drop"}}')).toThrow(/PLANS.*free.over_limit/);
  });
});
