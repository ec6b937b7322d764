import type { CallingHours, CallingSettings } from '../../whatsapp/types';
import { InvalidCallSettingsError, isOpenAt, validateCallSettings } from './business-hours';

type Range = NonNullable<CallingHours['weekly_operating_hours']>[number];
const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;
const ALL_DAYS = [...WEEKDAYS, 'SATURDAY', 'SUNDAY'] as const;

function settings(hours: Partial<CallingHours>, status: CallingSettings['status'] = 'ENABLED'): CallingSettings {
  return { status, call_hours: { status: 'ENABLED', timezone_id: 'America/Sao_Paulo', weekly_operating_hours: [], ...hours } };
}
const range = (day_of_week: Range['day_of_week'], open_time: string, close_time: string): Range => ({ day_of_week, open_time, close_time });

describe('isOpenAt in America/Sao_Paulo (UTC−3, no DST)', () => {
  const sp = (local: string) => Date.parse(`${local}-03:00`);
  const pharmacy = settings({
    weekly_operating_hours: [
      ...WEEKDAYS.flatMap((d) => [range(d, '0800', '1200'), range(d, '1300', '1800')]),
      range('SATURDAY', '0900', '1300'),
    ],
    holiday_schedule: [
      { date: '2025-12-24', start_time: '1200', end_time: '2359' },
      { date: '2025-12-25', start_time: '0000', end_time: '2359' },
    ],
  });

  it('is open inside a range, from its first minute to just before it closes', () => {
    expect(isOpenAt(pharmacy, sp('2025-06-02T08:00:00'))).toEqual({ open: true });
    expect(isOpenAt(pharmacy, sp('2025-06-02T11:59:59.999'))).toEqual({ open: true });
    expect(isOpenAt(pharmacy, sp('2025-06-02T17:30:00'))).toEqual({ open: true });
  });

  it('is closed just before opening, and says when it opens', () => {
    expect(isOpenAt(pharmacy, sp('2025-06-02T07:59:59.999'))).toEqual({
      open: false,
      reason: 'outside_hours',
      nextOpenAt: sp('2025-06-02T08:00:00'),
    });
  });

  it('is closed over lunch until the second range', () => {
    expect(isOpenAt(pharmacy, sp('2025-06-02T12:00:00'))).toEqual({
      open: false,
      reason: 'outside_hours',
      nextOpenAt: sp('2025-06-02T13:00:00'),
    });
  });

  it('skips to the next open day: Friday evening → Saturday, Saturday afternoon and Sunday → Monday', () => {
    expect(isOpenAt(pharmacy, sp('2025-06-06T18:00:00'))).toMatchObject({ nextOpenAt: sp('2025-06-07T09:00:00') });
    expect(isOpenAt(pharmacy, sp('2025-06-07T13:00:00'))).toMatchObject({ nextOpenAt: sp('2025-06-09T08:00:00') });
    expect(isOpenAt(pharmacy, sp('2025-06-08T23:59:00'))).toMatchObject({ nextOpenAt: sp('2025-06-09T08:00:00') });
  });

  it('closes on holidays, naming the holiday, and reopens after them', () => {
    expect(isOpenAt(pharmacy, sp('2025-12-24T11:00:00'))).toEqual({ open: true });
    expect(isOpenAt(pharmacy, sp('2025-12-24T14:00:00'))).toEqual({
      open: false,
      reason: 'holiday',
      nextOpenAt: sp('2025-12-26T08:00:00'),
    });
    expect(isOpenAt(pharmacy, sp('2025-12-25T10:00:00'))).toMatchObject({ reason: 'holiday', nextOpenAt: sp('2025-12-26T08:00:00') });
  });

  it('treats a holiday window outside business hours as a holiday too', () => {
    expect(isOpenAt(pharmacy, sp('2025-12-24T19:00:00'))).toMatchObject({ reason: 'holiday' });
  });

  it('reopens on the same day when a holiday covers only part of a range', () => {
    const partial = settings({
      weekly_operating_hours: [range('MONDAY', '0800', '1800')],
      holiday_schedule: [{ date: '2025-06-02', start_time: '0800', end_time: '1000' }],
    });
    expect(isOpenAt(partial, sp('2025-06-02T09:00:00'))).toEqual({ open: false, reason: 'holiday', nextOpenAt: sp('2025-06-02T10:00:00') });
  });

  it('reads a close time of 2359 as the end of the day', () => {
    const lateNight = settings({ weekly_operating_hours: [range('SUNDAY', '2000', '2359'), range('MONDAY', '0800', '0900')] });
    expect(isOpenAt(lateNight, sp('2025-06-08T23:59:59.999'))).toEqual({ open: true });
    expect(isOpenAt(lateNight, sp('2025-06-09T00:00:00'))).toMatchObject({ open: false, nextOpenAt: sp('2025-06-09T08:00:00') });
  });

  it('reports calling disabled without a reopening time', () => {
    expect(isOpenAt({ ...pharmacy, status: 'DISABLED' }, sp('2025-06-02T09:00:00'))).toEqual({
      open: false,
      reason: 'calling_disabled',
      nextOpenAt: null,
    });
    expect(isOpenAt({ ...pharmacy, status: 'disabled' }, sp('2025-06-02T09:00:00'))).toMatchObject({ reason: 'calling_disabled' });
  });

  it('is always open when call hours are disabled or absent', () => {
    const sundayNight = sp('2025-06-08T03:00:00');
    expect(isOpenAt(settings({ status: 'DISABLED' }), sundayNight)).toEqual({ open: true });
    expect(isOpenAt({ status: 'enabled' }, sundayNight)).toEqual({ open: true });
  });

  it('accepts lowercase status values', () => {
    const lowercase = settings({ status: 'enabled', weekly_operating_hours: [range('MONDAY', '0800', '1200')] }, 'enabled');
    expect(isOpenAt(lowercase, sp('2025-06-02T08:30:00'))).toEqual({ open: true });
  });

  it('gives up after the search horizon', () => {
    const mondaysOnly = settings({ weekly_operating_hours: [range('MONDAY', '0800', '1200')] });
    expect(isOpenAt(mondaysOnly, sp('2025-06-03T09:00:00'), { searchHorizonDays: 5 })).toMatchObject({ open: false, nextOpenAt: null });
    expect(isOpenAt(mondaysOnly, sp('2025-06-03T09:00:00'), { searchHorizonDays: 6 })).toMatchObject({ nextOpenAt: sp('2025-06-09T08:00:00') });
  });

  it('refuses settings that do not validate', () => {
    const broken = settings({ timezone_id: 'Mars/Olympus', weekly_operating_hours: [range('MONDAY', '0800', '1200')] });
    expect(() => isOpenAt(broken, 0)).toThrow(InvalidCallSettingsError);
    expect(() => isOpenAt(settings({}), 0)).toThrow(/weekly_operating_hours/);
  });
});

describe('isOpenAt across DST in America/New_York', () => {
  const everyDay = (open: string, close: string) =>
    settings({ timezone_id: 'America/New_York', weekly_operating_hours: ALL_DAYS.map((d) => range(d, open, close)) });
  const nineToFive = everyDay('0900', '1700');

  it('opens at 09:00 local on both sides of the spring-forward Sunday', () => {
    expect(isOpenAt(nineToFive, Date.parse('2025-03-08T14:00:00Z'))).toEqual({ open: true }); // 09:00 EST
    expect(isOpenAt(nineToFive, Date.parse('2025-03-08T23:00:00Z'))).toEqual({
      open: false,
      reason: 'outside_hours',
      nextOpenAt: Date.parse('2025-03-09T13:00:00Z'), // 09:00 EDT
    });
    expect(isOpenAt(nineToFive, Date.parse('2025-03-09T12:59:59.999Z'))).toMatchObject({ open: false });
    expect(isOpenAt(nineToFive, Date.parse('2025-03-09T13:00:00Z'))).toEqual({ open: true });
  });

  it('opens at 09:00 local after falling back', () => {
    expect(isOpenAt(nineToFive, Date.parse('2025-11-01T22:00:00Z'))).toMatchObject({ nextOpenAt: Date.parse('2025-11-02T14:00:00Z') });
    expect(isOpenAt(nineToFive, Date.parse('2025-11-02T13:59:00Z'))).toMatchObject({ open: false });
    expect(isOpenAt(nineToFive, Date.parse('2025-11-02T14:00:00Z'))).toEqual({ open: true });
  });

  it('opens when the clock jumps over an opening time that does not exist that day', () => {
    const twoToFour = everyDay('0200', '0400');
    // 02:00 does not exist on 2025-03-09: at 07:00Z the clock jumps from 01:59:59 EST to 03:00 EDT.
    expect(isOpenAt(twoToFour, Date.parse('2025-03-09T05:00:00Z'))).toMatchObject({ nextOpenAt: Date.parse('2025-03-09T07:00:00Z') });
    expect(isOpenAt(twoToFour, Date.parse('2025-03-09T07:00:00Z'))).toEqual({ open: true });
  });

  it('skips a day whose whole range falls in the spring-forward gap', () => {
    const gapOnly = settings({ timezone_id: 'America/New_York', weekly_operating_hours: [range('SUNDAY', '0200', '0259')] });
    expect(isOpenAt(gapOnly, Date.parse('2025-03-09T05:00:00Z'))).toMatchObject({ nextOpenAt: Date.parse('2025-03-16T06:00:00Z') });
  });

  it('uses both occurrences of a repeated hour when falling back', () => {
    const repeated = settings({ timezone_id: 'America/New_York', weekly_operating_hours: [range('SUNDAY', '0130', '0145')] });
    expect(isOpenAt(repeated, Date.parse('2025-11-02T04:00:00Z'))).toMatchObject({ nextOpenAt: Date.parse('2025-11-02T05:30:00Z') }); // 01:30 EDT
    expect(isOpenAt(repeated, Date.parse('2025-11-02T05:35:00Z'))).toEqual({ open: true });
    expect(isOpenAt(repeated, Date.parse('2025-11-02T05:50:00Z'))).toMatchObject({ nextOpenAt: Date.parse('2025-11-02T06:30:00Z') }); // 01:30 EST
  });
});

describe('isOpenAt across DST changes at midnight in America/Santiago', () => {
  const santiago = (...ranges: Range[]) => settings({ timezone_id: 'America/Santiago', weekly_operating_hours: ranges });

  it('opens when Sunday starts at 01:00 because 00:00 was skipped', () => {
    // 2025-09-06 24:00 −04 becomes 2025-09-07 01:00 −03 at 04:00Z.
    expect(isOpenAt(santiago(range('SUNDAY', '0000', '0200')), Date.parse('2025-09-07T00:00:00Z'))).toMatchObject({
      nextOpenAt: Date.parse('2025-09-07T04:00:00Z'),
    });
  });

  it('opens again when Saturday 23:00 comes round a second time', () => {
    // 2025-04-06 00:00 −03 becomes 2025-04-05 23:00 −04 at 03:00Z.
    const lateSaturday = santiago(range('SATURDAY', '2300', '2330'));
    expect(isOpenAt(lateSaturday, Date.parse('2025-04-06T02:15:00Z'))).toEqual({ open: true });
    expect(isOpenAt(lateSaturday, Date.parse('2025-04-06T02:45:00Z'))).toMatchObject({ nextOpenAt: Date.parse('2025-04-06T03:00:00Z') });
  });
});

describe('validateCallSettings', () => {
  const valid = settings({
    weekly_operating_hours: [range('MONDAY', '0800', '1200'), range('MONDAY', '1200', '1800'), range('SUNDAY', '0000', '2359')],
    holiday_schedule: [{ date: '2024-02-29', start_time: '0000', end_time: '2359' }],
  });
  const weekly = (...ranges: Range[]) => validateCallSettings(settings({ weekly_operating_hours: ranges }));

  it('accepts valid settings, touching ranges included', () => {
    expect(validateCallSettings(valid)).toEqual([]);
    expect(validateCallSettings({ status: 'DISABLED' })).toEqual([]);
    expect(validateCallSettings(settings({ status: 'DISABLED', timezone_id: undefined, weekly_operating_hours: undefined }))).toEqual([]);
  });

  it('allows at most 2 ranges per day', () => {
    expect(weekly(range('MONDAY', '0700', '0800'), range('MONDAY', '0900', '1000'), range('MONDAY', '1100', '1200'))).toEqual([
      'call_hours.weekly_operating_hours[2]: MONDAY has more than 2 ranges',
    ]);
    expect(weekly(range('MONDAY', '0700', '0800'), range('TUESDAY', '0900', '1000'), range('MONDAY', '1100', '1200'))).toEqual([]);
  });

  it('rejects overlapping ranges on the same day', () => {
    expect(weekly(range('FRIDAY', '0800', '1200'), range('FRIDAY', '1130', '1400'))).toEqual([
      'call_hours.weekly_operating_hours[1]: FRIDAY 1130-1400 overlaps call_hours.weekly_operating_hours[0]',
    ]);
  });

  it('requires opening before closing', () => {
    expect(weekly(range('MONDAY', '1200', '1200'))).toEqual([
      'call_hours.weekly_operating_hours[0].close_time: must be after open_time (1200), got 1200',
    ]);
    expect(weekly(range('MONDAY', '1800', '0800'))[0]).toMatch(/\[0\]\.close_time: must be after open_time/);
  });

  it.each(['2400', '930', '12:00', '1260', ''])('rejects the time %j, naming the field', (time) => {
    expect(weekly(range('MONDAY', time, '2000'))).toEqual([
      `call_hours.weekly_operating_hours[0].open_time: must be HHMM (0000-2359), got ${JSON.stringify(time)}`,
    ]);
  });

  it('rejects an unknown day of week', () => {
    expect(weekly(range('FUNDAY' as Range['day_of_week'], '0800', '1000'))[0]).toMatch(/^call_hours.weekly_operating_hours\[0\].day_of_week:/);
  });

  it('requires a valid IANA time zone and weekly hours when call hours are enabled', () => {
    expect(validateCallSettings(settings({ timezone_id: undefined, weekly_operating_hours: [range('MONDAY', '0800', '1000')] }))).toEqual([
      'call_hours.timezone_id: required when call_hours.status is ENABLED',
    ]);
    expect(validateCallSettings(settings({ timezone_id: 'America/Sao Paulo', weekly_operating_hours: [range('MONDAY', '0800', '1000')] }))).toEqual([
      'call_hours.timezone_id: not an IANA time zone: "America/Sao Paulo"',
    ]);
    expect(validateCallSettings(settings({ weekly_operating_hours: undefined }))).toEqual([
      'call_hours.weekly_operating_hours: required when call_hours.status is ENABLED',
    ]);
  });

  it('allows at most 20 holidays on real dates with ordered times', () => {
    const day = (i: number) => ({ date: `2026-01-${String(i + 1).padStart(2, '0')}`, start_time: '0000', end_time: '2359' });
    const base = { weekly_operating_hours: [range('MONDAY', '0800', '1000')] };
    expect(validateCallSettings(settings({ ...base, holiday_schedule: Array.from({ length: 20 }, (_, i) => day(i)) }))).toEqual([]);
    expect(validateCallSettings(settings({ ...base, holiday_schedule: Array.from({ length: 21 }, (_, i) => day(i)) }))).toEqual([
      'call_hours.holiday_schedule: at most 20 holidays, got 21',
    ]);
    expect(
      validateCallSettings(
        settings({
          ...base,
          holiday_schedule: [
            { date: '2025-02-29', start_time: '0000', end_time: '2359' },
            { date: '25-12-2025', start_time: '0000', end_time: '2359' },
            { date: '2025-12-25', start_time: '1000', end_time: '0900' },
          ],
        }),
      ),
    ).toEqual([
      'call_hours.holiday_schedule[0].date: must be a real date YYYY-MM-DD, got "2025-02-29"',
      'call_hours.holiday_schedule[1].date: must be a real date YYYY-MM-DD, got "25-12-2025"',
      'call_hours.holiday_schedule[2].end_time: must be after start_time (1000), got 0900',
    ]);
  });

  it('rejects unknown status values', () => {
    expect(validateCallSettings({ status: 'maybe' as CallingSettings['status'] })).toEqual(['status: must be ENABLED or DISABLED, got "maybe"']);
  });
});
