import { normaliseIdentity } from './identities';

describe('normaliseIdentity', () => {
  it.each([
    ['phone', '+55 (11) 98765-4321', '+5511987654321'],
    ['phone', '5511987654321', '+5511987654321'],
    ['phone', '0055 11 98765.4321', '+5511987654321'],
    ['whatsapp', '+55 11 98765-4321', '5511987654321'],
    ['whatsapp', 'US.13491208655302741918', 'US.13491208655302741918'],
    ['email', '  Maria.Silva@Example.COM ', 'maria.silva@example.com'],
    ['telegram', '-1001234567890', '-1001234567890'],
    ['app', 'user-42', 'user-42'],
  ] as const)('%s %p → %p', (kind, raw, value) => {
    expect(normaliseIdentity(kind, raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['phone', '12345'],
    ['phone', '+0 11 98765-4321'],
    ['phone', 'abc'],
    ['whatsapp', 'maria'],
    ['email', 'maria@'],
    ['email', 'maria@localhost'],
    ['telegram', '12a'],
    ['app', 'two words'],
  ] as const)('refuses %s %p with a message', (kind, raw) => {
    const result = normaliseIdentity(kind, raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(/^must be/);
  });
});
