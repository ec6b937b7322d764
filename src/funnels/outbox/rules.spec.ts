import { decide, humanDuration, marketingAllowedOn, type DecideInput } from './rules';
import { contactTimeZone, dayBounds, quietHoursEnd, zoneOfPhone } from './zones';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso).getTime();

function input(over: Partial<DecideInput> = {}, n: Partial<DecideInput['notification']> = {}): DecideInput {
  const now = over.now ?? at('2026-06-10T15:00:00Z'); // 12:00 in São Paulo
  return {
    now,
    notification: { category: 'utility', createdAt: now - HOUR, expiresAt: now + 47 * HOUR, reason: null, ...n },
    store: { deleted: false, disconnected: false, rules: {} },
    instanceDisconnected: false,
    contact: { optIns: {}, timeZone: 'America/Sao_Paulo' },
    sentToContactToday: 0,
    sentByAccountToday: 0,
    plan: { name: 'standard', dailyLimit: 10_000, overLimit: 'wait' },
    accountTimeZone: 'America/Sao_Paulo',
    defaults: { frequencyCap: 3, minIntervalMs: 20_000 },
    lastSentAt: null,
    ...over,
  };
}

describe('decide: the dispatch rules in order', () => {
  it('sends when nothing stands in the way', () => {
    expect(decide(input())).toEqual({ kind: 'send' });
  });

  it('cancels a deleted store before anything else', () => {
    const d = decide(input({ store: { deleted: true, disconnected: true, rules: {} }, instanceDisconnected: true }, { expiresAt: 0 }));
    expect(d).toEqual({ kind: 'cancel', reason: 'store deleted' });
  });

  it('holds while the instance or the store is disconnected, and expires then with the reason', () => {
    expect(decide(input({ instanceDisconnected: true }))).toEqual({ kind: 'hold', reason: 'held: instance disconnected' });
    expect(decide(input({ store: { deleted: false, disconnected: true, rules: {} } }))).toEqual({ kind: 'hold', reason: 'held: store disconnected' });
    const now = at('2026-06-10T15:00:00Z');
    const expired = input({ now, instanceDisconnected: true }, { createdAt: now - 48 * HOUR, expiresAt: now, reason: 'held: instance disconnected' });
    expect(decide(expired)).toEqual({ kind: 'expire', reason: 'instance disconnected; not sent within 48 h' });
  });

  it('expires with the last reason it waited for, or just the time', () => {
    const now = at('2026-06-10T15:00:00Z');
    expect(decide(input({ now }, { createdAt: now - 1 - 90 * 60_000, expiresAt: now - 1, reason: 'quiet hours 21:00–08:00 (America/Sao_Paulo)' }))).toEqual({
      kind: 'expire',
      reason: 'quiet hours 21:00–08:00 (America/Sao_Paulo); not sent within 90 min',
    });
    expect(decide(input({ now }, { createdAt: now - 5000, expiresAt: now - 1000 }))).toEqual({ kind: 'expire', reason: 'not sent within 4 s' });
  });

  it('suppresses marketing without an opt-in; an opt-in on one channel allows that channel only', () => {
    expect(decide(input({}, { category: 'marketing' }))).toEqual({ kind: 'suppress', reason: 'no marketing opt-in' });
    const contact = (optIns: Record<string, boolean>) => ({ contact: { optIns, timeZone: 'America/Sao_Paulo' } });
    expect(decide(input(contact({ marketing: true }), { category: 'marketing' })).kind).toBe('send');
    expect(decide(input(contact({ 'whatsapp.marketing': true }), { category: 'marketing' })).kind).toBe('send');
    expect(decide(input(contact({ marketing: false, 'whatsapp.marketing': true }), { category: 'marketing' })).kind).toBe('suppress');
    expect(decide(input(contact({}), { category: 'utility' })).kind).toBe('send');
    expect(marketingAllowedOn({ 'whatsapp.marketing': true }, 'whatsapp')).toBe(true);
    expect(marketingAllowedOn({ 'whatsapp.marketing': true }, 'email')).toBe(false);
  });

  it("caps messages per contact per day, waiting for the contact's next day; transactional alerts are exempt", () => {
    const capped = decide(input({ sentToContactToday: 3 }));
    expect(capped).toEqual({ kind: 'wait', until: at('2026-06-11T03:00:00Z'), reason: 'frequency cap: 3 messages a day to this contact' });
    expect(decide(input({ sentToContactToday: 3, store: { deleted: false, disconnected: false, rules: { frequency_cap: 5 } } })).kind).toBe('send');
    expect(decide(input({ sentToContactToday: 30 }, { category: 'transactional' })).kind).toBe('send');
  });

  it("the day boundary is the contact's: 00:30 in São Paulo is still yesterday in Rio Branco", () => {
    const now = at('2026-06-10T03:30:00Z');
    expect(decide(input({ now, sentToContactToday: 3 })).kind === 'wait' && decide(input({ now, sentToContactToday: 3 }))).toMatchObject({ until: at('2026-06-11T03:00:00Z') });
    const acre = input({ now, sentToContactToday: 3, contact: { optIns: {}, timeZone: 'America/Rio_Branco' } });
    expect(decide(acre)).toMatchObject({ kind: 'wait', until: at('2026-06-10T05:00:00Z') });
    expect(dayBounds('America/Rio_Branco', now)).toEqual({ start: at('2026-06-09T05:00:00Z'), end: at('2026-06-10T05:00:00Z') });
  });

  it("holds messages in quiet hours until they end in the contact's zone; transactional only pass when the rule says so", () => {
    const rules = { quiet_hours: { start: '21:00', end: '08:00' } };
    const store = { deleted: false, disconnected: false, rules };
    const night = at('2026-06-11T01:00:00Z'); // 22:00 in São Paulo, 21:00 in Manaus
    expect(decide(input({ now: night, store }))).toEqual({ kind: 'wait', until: at('2026-06-11T11:00:00Z'), reason: 'quiet hours 21:00–08:00 (America/Sao_Paulo)' });
    expect(decide(input({ now: night, store, contact: { optIns: {}, timeZone: 'America/Manaus' } }))).toMatchObject({ kind: 'wait', until: at('2026-06-11T12:00:00Z') });
    expect(decide(input({ now: at('2026-06-11T00:30:00Z'), store, contact: { optIns: {}, timeZone: 'America/Rio_Branco' } })).kind).toBe('send'); // 19:30 in Acre
    expect(decide(input({ now: night, store }, { category: 'transactional' })).kind).toBe('wait');
    const lenient = { deleted: false, disconnected: false, rules: { quiet_hours: { ...rules.quiet_hours, transactional: true } } };
    expect(decide(input({ now: night, store: lenient }, { category: 'transactional' })).kind).toBe('send');
    expect(decide(input({ now: night, store: lenient }, { category: 'utility' })).kind).toBe('wait');
    // After midnight the window ends the same morning.
    expect(quietHoursEnd('America/Sao_Paulo', at('2026-06-11T05:00:00Z'), '21:00', '08:00')).toBe(at('2026-06-11T11:00:00Z'));
    // A window inside one day.
    expect(quietHoursEnd('America/Sao_Paulo', at('2026-06-10T15:30:00Z'), '12:00', '14:00')).toBe(at('2026-06-10T17:00:00Z'));
    expect(quietHoursEnd('America/Sao_Paulo', at('2026-06-10T18:00:00Z'), '12:00', '14:00')).toBeNull();
  });

  it('follows daylight saving in a zone that has it (New York, 8 March 2026)', () => {
    // 22:00 EST on 7 March; quiet hours end at 08:00 EDT the next morning = 12:00 UTC (not 13:00).
    expect(quietHoursEnd('America/New_York', at('2026-03-08T03:00:00Z'), '21:00', '08:00')).toBe(at('2026-03-08T12:00:00Z'));
    // The day of the change is 23 hours long.
    expect(dayBounds('America/New_York', at('2026-03-08T15:00:00Z'))).toEqual({ start: at('2026-03-08T05:00:00Z'), end: at('2026-03-09T04:00:00Z') });
  });

  it("waits for the account's next day over a waiting plan's limit, and refuses over a refusing plan's", () => {
    expect(decide(input({ sentByAccountToday: 10_000 }))).toEqual({
      kind: 'wait',
      until: at('2026-06-11T03:00:00Z'),
      reason: 'daily limit of 10000 messages of plan standard reached',
    });
    expect(decide(input({ sentByAccountToday: 250, plan: { name: 'free', dailyLimit: 250, overLimit: 'refuse' } }))).toEqual({
      kind: 'refuse',
      reason: 'daily limit of 250 messages of plan free reached',
    });
    expect(decide(input({ sentByAccountToday: 1e6, plan: { name: 'unlimited', dailyLimit: null, overLimit: 'wait' } })).kind).toBe('send');
  });

  it("paces an instance by the store's min_interval, else the default", () => {
    const now = at('2026-06-10T15:00:00Z');
    expect(decide(input({ now, lastSentAt: now - 5000 }))).toEqual({ kind: 'pace', until: now + 15_000 });
    expect(decide(input({ now, lastSentAt: now - 20_000 })).kind).toBe('send');
    const slow = { deleted: false, disconnected: false, rules: { min_interval: 'PT1M' } };
    expect(decide(input({ now, lastSentAt: now - 30_000, store: slow }))).toEqual({ kind: 'pace', until: now + 30_000 });
  });

  it('applies the rules in order: opt-in before cap, cap before quiet hours, quiet hours before the plan', () => {
    const store = { deleted: false, disconnected: false, rules: { quiet_hours: { start: '00:00', end: '23:59' } } };
    const all = input({ store, sentToContactToday: 3, sentByAccountToday: 10_000 }, { category: 'marketing' });
    expect(decide(all).kind).toBe('suppress');
    expect(decide({ ...all, notification: { ...all.notification, category: 'utility' } })).toMatchObject({ reason: expect.stringContaining('frequency cap') });
    expect(decide({ ...all, sentToContactToday: 0, notification: { ...all.notification, category: 'utility' } })).toMatchObject({ reason: expect.stringContaining('quiet hours') });
  });
});

describe('the contact time zone', () => {
  it('comes from the Brazilian area code (DDD)', () => {
    expect(zoneOfPhone('5592991234567')).toBe('America/Manaus');
    expect(zoneOfPhone('+55 65 99123-4567')).toBe('America/Cuiaba');
    expect(zoneOfPhone('556832241234')).toBe('America/Rio_Branco');
    expect(zoneOfPhone('5511987654321')).toBe('America/Sao_Paulo');
    expect(zoneOfPhone('5581987654321')).toBe('America/Recife');
    expect(zoneOfPhone('14155550100')).toBeNull();
    expect(zoneOfPhone(null)).toBeNull();
  });

  it("is the contact's own when valid, else the phone's, else the default", () => {
    expect(contactTimeZone({ timeZone: 'Europe/Lisbon', phone: '5592991234567' }, 'America/Sao_Paulo')).toBe('Europe/Lisbon');
    expect(contactTimeZone({ timeZone: 'Mars/Olympus', phone: '5592991234567' }, 'America/Sao_Paulo')).toBe('America/Manaus');
    expect(contactTimeZone({ timeZone: null, phone: '14155550100' }, 'America/Bahia')).toBe('America/Bahia');
  });

  it('reads durations for people', () => {
    expect(humanDuration(48 * HOUR)).toBe('48 h');
    expect(humanDuration(90 * 60_000)).toBe('90 min');
    expect(humanDuration(2500)).toBe('2.5 s');
  });
});
